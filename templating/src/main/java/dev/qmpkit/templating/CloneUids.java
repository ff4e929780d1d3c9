package dev.qmpkit.templating;

/**
 * A range of uids reserved for clones, one per live clone: each clone's QEMU drops to a uid of
 * its own (and the range's group), so a guest that escapes into one clone's QEMU cannot signal,
 * ptrace or read a sibling, whose files and process belong to another uid. Give it to
 * {@link Templating.Builder#cloneUids(CloneUids)}; the owner allocates a uid when a clone
 * starts and releases it once that clone's QEMU has exited, and no two live clones of the JVM
 * ever share one (even across owners).
 *
 * <p>The uids need no passwd entry, but must belong to nobody and nothing else: reserve a block
 * for this application alone (for example above {@code UID_MAX} of {@code /etc/login.defs} and
 * outside the ranges in {@code /etc/subuid}).
 *
 * @param firstUid the first uid of the range; 1 or more
 * @param count how many uids, 1 to 65536
 * @param gid the group every clone's QEMU runs with; 1 or more. Clone files have no group
 *            bits, so sharing it gives siblings nothing
 */
public record CloneUids(int firstUid, int count, int gid) {

    /**
     * Validates.
     *
     * @param firstUid the first uid; 1 or more
     * @param count how many, 1 to 65536
     * @param gid the clones' group; 1 or more
     */
    public CloneUids {
        if (firstUid < 1) {
            throw new IllegalArgumentException("firstUid must be 1 or more (clones never run as root), got " + firstUid);
        }
        if (count < 1 || count > 65536) {
            throw new IllegalArgumentException("count must be 1 to 65536, got " + count);
        }
        if ((long) firstUid + count - 1 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the range " + firstUid + " + " + count + " goes past uid "
                    + Integer.MAX_VALUE);
        }
        if (gid < 1) {
            throw new IllegalArgumentException("gid must be 1 or more (clones never run with group root), got " + gid);
        }
    }

    /**
     * @param firstUid the first uid; 1 or more
     * @param count how many, 1 to 65536
     * @param gid the clones' group; 1 or more
     * @return the range
     */
    public static CloneUids range(int firstUid, int count, int gid) {
        return new CloneUids(firstUid, count, gid);
    }

    /** @return the last uid of the range */
    public int lastUid() {
        return firstUid + count - 1;
    }

    /**
     * @param uid a uid
     * @return whether it is in the range
     */
    public boolean contains(int uid) {
        return uid >= firstUid && uid <= lastUid();
    }

    /** @return {@code FIRST-LAST gid G}; never null */
    @Override
    public String toString() {
        return firstUid + "-" + lastUid() + " gid " + gid;
    }
}
