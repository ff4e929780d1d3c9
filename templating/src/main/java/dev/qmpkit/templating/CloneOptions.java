package dev.qmpkit.templating;

import dev.qmpkit.qmp.launch.QemuBinary;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to start clones of a {@link Template}. Immutable; build with {@link #builder()}.
 *
 * @param binary the QEMU to run the clone with, or null for the one recorded in the
 *               manifest; it must be the same QEMU version as the one that saved the template
 * @param workDir the parent of each clone's private work directory (its serial log), or null
 *                for the system temp directory; the monitor socket lives in the launcher's own
 *                short run directory
 * @param resume whether the clone is resumed ({@code cont}) after its state is loaded (default
 *               true); false leaves it paused, to be resumed with {@link CloneVm#resume()}
 * @param nic whether a virtio-net NIC (user networking) with a fresh random MAC is hot-plugged
 *            into each clone (default false)
 * @param freshUuid whether each clone's QEMU gets a new {@code -uuid} (default true). That is
 *                  host-side identity only: QEMU reports it ({@code query-uuid}, and it names the
 *                  clone to management tools), but the guest reads its UUID from the SMBIOS tables
 *                  its firmware copied into memory when the template booted, so every clone's
 *                  guest keeps the template's (nil without a template {@code -uuid}). Guest-side
 *                  identity comes from vmgenid (a fresh generation id per clone) and a NIC
 *                  hot-plugged with a MAC of its own
 * @param restoreTimeout how long launching and loading the state may take (default 30 s); never null
 * @param listener receives progress; never null
 */
public record CloneOptions(
        QemuBinary binary,
        Path workDir,
        boolean resume,
        boolean nic,
        boolean freshUuid,
        Duration restoreTimeout,
        ProgressListener listener) {

    /**
     * Validates.
     *
     * @param binary the QEMU to run the clone with, or null for the one recorded in the
     *                      manifest; it must be the same QEMU version as the one that saved the template
     * @param workDir the parent of each clone's private work directory (its serial log), or null
     *                       for the system temp directory; the monitor socket lives in the launcher's own
     *                       short run directory
     * @param resume whether the clone is resumed ({@code cont}) after its state is loaded (default
     *                      true); false leaves it paused, to be resumed with {@link CloneVm#resume()}
     * @param nic whether a virtio-net NIC (user networking) with a fresh random MAC is hot-plugged
     *                   into each clone (default false)
     * @param freshUuid whether each clone gets a new {@code -uuid} (default true; QEMU then
     *                         reports the clone's own UUID, the guest's SMBIOS UUID stays the template's)
     * @param restoreTimeout how long launching and loading the state may take (default 30 s); never null
     * @param listener receives progress; never null
     */
    public CloneOptions {
        Objects.requireNonNull(restoreTimeout, "restoreTimeout");
        Objects.requireNonNull(listener, "listener");
        if (restoreTimeout.isNegative() || restoreTimeout.isZero()) {
            throw new IllegalArgumentException("restoreTimeout must be positive: " + restoreTimeout);
        }
    }

    /** @return the defaults: manifest's QEMU, temp dir, resume, no NIC, fresh UUID, 30 s */
    public static CloneOptions defaults() {
        return builder().build();
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder initialised from these options */
    public Builder toBuilder() {
        return new Builder().binary(binary).workDir(workDir).resume(resume).nic(nic).freshUuid(freshUuid)
                .restoreTimeout(restoreTimeout).listener(listener);
    }

    /** Builds {@link CloneOptions}. Not thread-safe. */
    public static final class Builder {
        private QemuBinary binary;
        private Path workDir;
        private boolean resume = true;
        private boolean nic;
        private boolean freshUuid = true;
        private Duration restoreTimeout = Duration.ofSeconds(30);
        private ProgressListener listener = ProgressListener.NONE;

        private Builder() {
        }

        /**
         * @param binary the QEMU to run, or null for the manifest's
         * @return this
         */
        public Builder binary(QemuBinary binary) {
            this.binary = binary;
            return this;
        }

        /**
         * @param dir the parent of clone work directories, or null for the temp dir
         * @return this
         */
        public Builder workDir(Path dir) {
            this.workDir = dir;
            return this;
        }

        /**
         * @param resume whether to {@code cont} after loading (default true)
         * @return this
         */
        public Builder resume(boolean resume) {
            this.resume = resume;
            return this;
        }

        /**
         * @param nic whether to hot-plug a NIC with a fresh MAC (default false)
         * @return this
         */
        public Builder nic(boolean nic) {
            this.nic = nic;
            return this;
        }

        /**
         * @param fresh whether to give each clone's QEMU a new {@code -uuid} (default true); the
         *              guest keeps the template's SMBIOS UUID either way (see {@link CloneOptions})
         * @return this
         */
        public Builder freshUuid(boolean fresh) {
            this.freshUuid = fresh;
            return this;
        }

        /**
         * @param timeout launch plus restore time limit (default 30 s); never null
         * @return this
         */
        public Builder restoreTimeout(Duration timeout) {
            this.restoreTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * @param listener receives progress; never null
         * @return this
         */
        public Builder listener(ProgressListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** @return the options */
        public CloneOptions build() {
            return new CloneOptions(binary, workDir, resume, nic, freshUuid, restoreTimeout, listener);
        }
    }
}
