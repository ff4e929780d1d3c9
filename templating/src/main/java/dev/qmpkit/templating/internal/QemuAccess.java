package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.launch.Confinement;
import dev.qmpkit.qmp.launch.QemuUser;

/**
 * What a QEMU can reach by name once it runs, from its confinement: which decides how the
 * state file travels ({@link StateChannel}) and who owns a VM's own directory ({@link Ownership}).
 *
 * @param user the user QEMU drops to, or null when it keeps the JVM's
 * @param chroot whether QEMU changes its root (paths the JVM knows mean nothing to it then)
 * @param spawnAllowed whether QEMU may fork and exec ({@code exec:} URIs)
 */
public record QemuAccess(QemuUser user, boolean chroot, boolean spawnAllowed) {

    /** A QEMU that runs as the JVM's user, unconfined: it reaches whatever the JVM reaches. */
    public static final QemuAccess JVM_USER = new QemuAccess(null, false, true);

    /**
     * @param c a launch's confinement; never null
     * @return what QEMU started with it can reach
     */
    public static QemuAccess of(Confinement c) {
        return new QemuAccess(c.user().orElse(null), c.chroot().isPresent(), !c.seccomp() || c.spawnAllowed());
    }

    /** @return whether QEMU reaches files by name as the JVM does */
    public boolean sameAsJvm() {
        return user == null && !chroot;
    }
}
