package dev.qmpkit.qmp.launch;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How much of the host a QEMU the launcher starts may use: QEMU's seccomp sandbox, the user it
 * drops to before it starts the VM, and optionally a root directory. Immutable; build with
 * {@link #builder()}, set with {@link QemuLauncher.Builder#confinement(Confinement)}.
 *
 * <p><b>The default</b> ({@link #defaults()}):
 * <ul>
 *   <li>seccomp on: {@code -sandbox on,obsolete=deny,spawn=deny,resourcecontrol=deny}, plus
 *       {@code elevateprivileges=deny} when QEMU keeps the JVM's user (it kills QEMU when QEMU
 *       itself changes its uid, since that change is an elevated call);</li>
 *   <li>when the JVM runs as root: QEMU drops to the unprivileged account {@code nobody}
 *       ({@code -run-with user=UID:GID}, spelled {@code -runas UID:GID} where the binary lists
 *       that instead; chosen from {@code -help}, never by version number). When the JVM does
 *       not run as root, QEMU already runs unprivileged and keeps that user;</li>
 *   <li>no chroot.</li>
 * </ul>
 * QEMU opens its RAM files, disks, chardevs, firmware and {@code /dev/kvm} <i>before</i> it
 * drops privileges, so none of those need to be accessible to the unprivileged user. What it
 * opens later, in answer to a QMP command ({@code migrate} to a {@code file:} URI,
 * {@code pmemsave}, {@code screendump}, {@code blockdev-add}), it opens as that user: give it a
 * path that user may write, or pass a descriptor ({@code getfd}, {@code add-fd}).
 *
 * <p><b>What the sandbox refuses.</b> {@code spawn=deny} makes QEMU die with SIGSYS (exit code
 * 159) when it would fork or exec: {@code exec:} migration URIs, {@code -netdev tap} or
 * {@code bridge} helper scripts, {@code -run-with async-teardown=on}. Allow it with
 * {@link Builder#allowSpawn(boolean)}. The launcher reports such a death with QEMU's stderr and
 * this fix.
 *
 * <p>The confinement a launcher applies to a binary is logged once (INFO) per binary and
 * shape. Each part can be turned off: {@link #none()} is QEMU as it was started before
 * confinement existed (the JVM's user, no sandbox).
 */
public final class Confinement {

    private static final Logger LOG = LoggerFactory.getLogger(Confinement.class);
    /** Java's exit value of a process killed by SIGSYS, the signal seccomp kills with. */
    public static final int SIGSYS_EXIT = 128 + 31;
    private static final Confinement DEFAULTS = new Builder().build();
    private static final Confinement NONE = new Builder().seccomp(false).keepUser().build();

    private enum UserMode { AUTO, KEEP, GIVEN }

    private final boolean seccomp;
    private final boolean allowSpawn;
    private final UserMode userMode;
    private final QemuUser user;
    private final Path chroot;

    private Confinement(Builder b) {
        this.seccomp = b.seccomp;
        this.allowSpawn = b.allowSpawn;
        this.userMode = b.userMode;
        this.user = b.user;
        this.chroot = b.chroot;
    }

    /**
     * @return seccomp on (obsolete, spawn and resource-control calls denied), QEMU dropping to
     *         {@code nobody} when the JVM runs as root, no chroot; never null
     */
    public static Confinement defaults() {
        return DEFAULTS;
    }

    /** @return no sandbox, the JVM's user, no chroot: QEMU as it was started before confinement existed; never null */
    public static Confinement none() {
        return NONE;
    }

    /** @return a builder with the {@linkplain #defaults() defaults}; never null */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder initialised from this confinement; never null */
    public Builder toBuilder() {
        Builder b = new Builder().seccomp(seccomp).allowSpawn(allowSpawn).chroot(chroot);
        b.userMode = userMode;
        b.user = user;
        return b;
    }

    /** @return whether QEMU runs under its seccomp sandbox ({@code -sandbox on}) */
    public boolean seccomp() {
        return seccomp;
    }

    /** @return whether the sandbox lets QEMU fork and exec ({@code spawn=allow}) */
    public boolean spawnAllowed() {
        return allowSpawn;
    }

    /**
     * The user QEMU drops to, resolved now: the one given to {@link Builder#user(QemuUser)};
     * for the default, {@code nobody} when this JVM runs as root and none otherwise.
     *
     * @return the user QEMU changes to, or empty when it keeps the JVM's user; never null
     */
    public Optional<QemuUser> user() {
        return switch (userMode) {
            case GIVEN -> Optional.of(user);
            case KEEP -> Optional.empty();
            case AUTO -> Jvm.isRoot() ? Optional.of(Jvm.unprivileged()) : Optional.empty();
        };
    }

    /** @return whether the user is chosen automatically (the default), rather than given or kept */
    public boolean userAutomatic() {
        return userMode == UserMode.AUTO;
    }

    /** @return the directory QEMU changes its root to before it starts the VM, or empty; never null */
    public Optional<Path> chroot() {
        return Optional.ofNullable(chroot);
    }

    /** @return whether this confines nothing: no sandbox, no change of user, no chroot */
    public boolean isNone() {
        return !seccomp && user().isEmpty() && chroot == null;
    }

    /**
     * @param exitCode a QEMU's exit value as Java reports it
     * @return whether that is a death by SIGSYS, which is how the seccomp sandbox kills
     */
    public static boolean killedBySandbox(int exitCode) {
        return exitCode == SIGSYS_EXIT;
    }

    /**
     * @return what to tell a user whose QEMU the sandbox stopped: the likely causes and the
     *         settings that allow them; never null
     */
    public static String sandboxFix() {
        return "QEMU runs under its seccomp sandbox, which kills it (SIGSYS, exit code " + SIGSYS_EXIT + ", QEMU 7.2) "
                + "or fails the call (\"Operation not permitted\", QEMU 8 and later) when an option, device or command "
                + "needs a system call it denies; with spawn=deny that is any fork or exec (exec: migration URIs, "
                + "-netdev tap/bridge helper scripts, -run-with async-teardown). Fix: allow it with "
                + "Confinement.builder().allowSpawn(true), or turn the sandbox off with "
                + "Confinement.builder().seccomp(false), and pass that to QemuLauncher.Builder.confinement "
                + "(Templating.Builder.confinement for templates and clones)";
    }

    /**
     * @param exitCode how QEMU exited, as Java reports it
     * @param stderr what QEMU wrote to stderr; never null
     * @return whether the sandbox of a QEMU confined like this is the likely cause of that end
     */
    boolean likelyStoppedBySandbox(int exitCode, String stderr) {
        return seccomp && (killedBySandbox(exitCode) || stderr.contains("Operation not permitted"));
    }

    /** @return a one-line description, e.g. for logs; never null */
    @Override
    public String toString() {
        Optional<QemuUser> u = user();
        return "Confinement[seccomp " + (seccomp ? "on" + (allowSpawn ? " (spawn allowed)" : "") : "off")
                + ", user " + u.map(QemuUser::toString).orElse("kept") + (userMode == UserMode.AUTO ? " (auto)" : "")
                + ", chroot " + (chroot == null ? "none" : chroot.toString()) + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Confinement c && seccomp == c.seccomp && allowSpawn == c.allowSpawn
                && userMode == c.userMode && Objects.equals(user, c.user) && Objects.equals(chroot, c.chroot);
    }

    @Override
    public int hashCode() {
        return Objects.hash(seccomp, allowSpawn, userMode, user, chroot);
    }

    /** Builds a {@link Confinement}. Not thread-safe. */
    public static final class Builder {
        private boolean seccomp = true;
        private boolean allowSpawn;
        private UserMode userMode = UserMode.AUTO;
        private QemuUser user;
        private Path chroot;

        private Builder() {
        }

        /**
         * @param on whether QEMU runs under its seccomp sandbox (default true)
         * @return this
         */
        public Builder seccomp(boolean on) {
            this.seccomp = on;
            return this;
        }

        /**
         * @param allow whether the sandbox lets QEMU fork and exec (default false): needed by
         *              {@code exec:} migration URIs and tap/bridge helper scripts
         * @return this
         */
        public Builder allowSpawn(boolean allow) {
            this.allowSpawn = allow;
            return this;
        }

        /**
         * Makes QEMU drop to this user before it starts the VM. The JVM must run as root (QEMU
         * needs {@code CAP_SETUID}), otherwise QEMU fails at start with its own message.
         *
         * @param user the user; never null
         * @return this
         */
        public Builder user(QemuUser user) {
            this.user = Objects.requireNonNull(user, "user");
            this.userMode = UserMode.GIVEN;
            return this;
        }

        /**
         * QEMU keeps the JVM's user (no {@code -run-with user=}), even when that is root.
         *
         * @return this
         */
        public Builder keepUser() {
            this.user = null;
            this.userMode = UserMode.KEEP;
            return this;
        }

        /**
         * The default: {@code nobody} when the JVM runs as root, otherwise the JVM's own user.
         *
         * @return this
         */
        public Builder automaticUser() {
            this.user = null;
            this.userMode = UserMode.AUTO;
            return this;
        }

        /**
         * @param dir a directory QEMU changes its root to before it starts the VM, or null for
         *            none (default). Paths in later QMP commands ({@code migrate} to a
         *            {@code file:} URI, {@code pmemsave}) are then resolved inside it; it must
         *            exist when QEMU starts. Absolute or relative to the current directory.
         * @return this
         */
        public Builder chroot(Path dir) {
            this.chroot = dir == null ? null : dir.toAbsolutePath().normalize();
            return this;
        }

        /** @return the confinement; never null */
        public Confinement build() {
            return new Confinement(this);
        }
    }

    /** Facts about this JVM's identity, read once. */
    static final class Jvm {
        private static volatile Boolean root;
        private static volatile QemuUser nobody;

        private Jvm() {
        }

        static boolean isRoot() {
            Boolean r = root;
            if (r == null) {
                r = ConfinementStatus.self().isRoot();
                root = r;
            }
            return r;
        }

        static QemuUser unprivileged() {
            QemuUser n = nobody;
            if (n == null) {
                try {
                    n = QemuUser.byName("nobody");
                } catch (IllegalArgumentException e) {
                    // 65534 is nobody:nogroup on Debian and most distributions.
                    LOG.warn("cannot look up user nobody ({}); using 65534:65534", e.getMessage());
                    n = QemuUser.of(65534, 65534);
                }
                nobody = n;
            }
            return n;
        }
    }
}
