package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.launch.QemuUser;
import dev.qmpkit.templating.CloneUids;
import dev.qmpkit.templating.TemplatingException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands out the uids of a {@link CloneUids} range, one per live clone, and takes them back when
 * the clone's QEMU is gone. The uids in use are counted for the whole JVM, not per owner: two
 * owners given overlapping ranges must still never run two clones as one uid.
 */
public final class CloneUidAllocator {

    private static final Set<Integer> IN_USE = ConcurrentHashMap.newKeySet();

    private final CloneUids range;
    private int next;

    /**
     * @param range the uids and the group clones run with; never null
     */
    public CloneUidAllocator(CloneUids range) {
        this.range = range;
    }

    /** @return the range; never null */
    public CloneUids range() {
        return range;
    }

    /**
     * Takes the next free uid, going round the range so a uid just released is the last to come back.
     *
     * @param clone the clone's name, for the message
     * @return a user no other live clone of this JVM runs as
     * @throws TemplatingException when every uid of the range is in use
     */
    public synchronized QemuUser acquire(String clone) {
        for (int i = 0; i < range.count(); i++) {
            int uid = range.firstUid() + (next + i) % range.count();
            if (IN_USE.add(uid)) {
                next = (next + i + 1) % range.count();
                return QemuUser.of(uid, range.gid());
            }
        }
        throw new TemplatingException("cannot start " + clone + ": all " + range.count() + " uids of the clone range "
                + range + " are in use by running clones of this JVM. Fix: close clones or pools, or give "
                + "Templating.Builder.cloneUids a larger range");
    }

    /**
     * Gives a uid back; only once its QEMU has exited (the caller checks), since a second clone on
     * the uid of a live one could signal and read it.
     *
     * @param user a user this allocator handed out; never null
     */
    public void release(QemuUser user) {
        IN_USE.remove(user.uid());
    }
}
