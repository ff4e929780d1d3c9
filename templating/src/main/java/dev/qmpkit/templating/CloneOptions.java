package dev.qmpkit.templating;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.fixup.FixUp;
import dev.qmpkit.templating.fixup.FixUps;
import dev.qmpkit.templating.fixup.NetworkFixUp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

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
 * @param nic whether a virtio-net NIC (user networking) with a MAC from the owner's
 *            {@link MacAllocator} is hot-plugged into each clone (default false), and nothing
 *            more: the guest configures it itself. {@link FixUps#network()} hot-plugs one and
 *            configures the guest through the agent; use one or the other
 * @param freshUuid whether each clone's QEMU gets a new {@code -uuid} (default true). That is
 *                  host-side identity only: QEMU reports it ({@code query-uuid}, and it names the
 *                  clone to management tools), but the guest reads its UUID from the SMBIOS tables
 *                  its firmware copied into memory when the template booted, so every clone's
 *                  guest keeps the template's (nil without a template {@code -uuid}). Guest-side
 *                  identity comes from vmgenid (a fresh generation id per clone) and a NIC
 *                  hot-plugged with a MAC of its own
 * @param restoreTimeout how long launching and loading the state may take (default 30 s); never null
 * @param listener receives progress; never null
 * @param keepDisks whether each clone's disk overlays stay when it closes (default false): its
 *                  work directory is then left with them in it (see {@link CloneVm#disks()})
 * @param awaitAgent whether a clone whose description has a guest agent channel is handed out
 *                   only once its agent answers (default true): the clone's readiness signal.
 *                   Without an agent channel there is nothing to wait for
 * @param agentTimeout how long that wait may take after the clone resumed (default 30 s);
 *                     past it the start fails with a {@link CloneRestoreException} at
 *                     {@link Step#AWAIT_AGENT}; never null
 * @param fixUps what is changed in the guest after the clone resumed and its agent answered,
 *               in order (default {@link FixUps#standard()}: clock, entropy, machine id,
 *               hostname); fix-ups that need the agent are skipped on a VM without one.
 *               Reported in {@link CloneVm#report()}. For a clone left paused they run at its
 *               first {@link CloneVm#resume()}; never null, immutable, names unique
 */
public record CloneOptions(
        QemuBinary binary,
        Path workDir,
        boolean resume,
        boolean nic,
        boolean freshUuid,
        Duration restoreTimeout,
        ProgressListener listener,
        boolean keepDisks,
        boolean awaitAgent,
        Duration agentTimeout,
        List<FixUp> fixUps) {

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
     * @param nic whether a virtio-net NIC (user networking) with a MAC from the owner's allocator
     *                   is hot-plugged into each clone, unconfigured (default false)
     * @param freshUuid whether each clone gets a new {@code -uuid} (default true; QEMU then
     *                         reports the clone's own UUID, the guest's SMBIOS UUID stays the template's)
     * @param restoreTimeout how long launching and loading the state may take (default 30 s); never null
     * @param listener receives progress; never null
     * @param keepDisks whether each clone's disk overlays stay when it closes (default false)
     * @param awaitAgent whether a clone with an agent channel is handed out only once its agent answers (default true)
     * @param agentTimeout how long that wait may take (default 30 s); never null
     * @param fixUps the fix-ups, in order; never null, names unique
     * @throws IllegalArgumentException for a timeout that is not positive, two fix-ups of one
     *         name, or {@code nic} together with a network fix-up (two NICs on one hot-plug port)
     */
    public CloneOptions {
        Objects.requireNonNull(restoreTimeout, "restoreTimeout");
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(agentTimeout, "agentTimeout");
        fixUps = List.copyOf(Objects.requireNonNull(fixUps, "fixUps"));
        if (restoreTimeout.isNegative() || restoreTimeout.isZero()) {
            throw new IllegalArgumentException("restoreTimeout must be positive: " + restoreTimeout);
        }
        if (agentTimeout.isNegative() || agentTimeout.isZero()) {
            throw new IllegalArgumentException("agentTimeout must be positive: " + agentTimeout);
        }
        Set<String> names = new HashSet<>();
        for (FixUp f : fixUps) {
            if (!names.add(f.name())) {
                throw new IllegalArgumentException("two fix-ups are named '" + f.name() + "'; give each its own name");
            }
        }
        if (nic && names.contains(NetworkFixUp.NAME)) {
            throw new IllegalArgumentException("CloneOptions.nic and the network fix-up each hot-plug a NIC; use the "
                    + "network fix-up alone (it adds the NIC and configures the guest), or nic(true) without it");
        }
    }

    /**
     * @return the defaults: manifest's QEMU, temp dir, resume, no NIC, fresh UUID, 30 s to
     *         restore, disks deleted, wait for the agent up to 30 s, {@link FixUps#standard()}
     */
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
                .restoreTimeout(restoreTimeout).listener(listener).keepDisks(keepDisks).awaitAgent(awaitAgent)
                .agentTimeout(agentTimeout).fixUps(fixUps);
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
        private boolean keepDisks;
        private boolean awaitAgent = true;
        private Duration agentTimeout = Duration.ofSeconds(30);
        private final List<FixUp> fixUps = new ArrayList<>(FixUps.standard());

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
         * @param nic whether to hot-plug a NIC with a MAC from the owner's allocator, unconfigured
         *            (default false); see {@link FixUps#network()} for one the guest is set up with
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

        /**
         * @param keep whether each clone's disk overlays stay in its work directory when it
         *             closes (default false: deleted with the directory)
         * @return this
         */
        public Builder keepDisks(boolean keep) {
            this.keepDisks = keep;
            return this;
        }

        /**
         * @param await whether a clone with an agent channel is handed out only once its agent
         *              answers (default true)
         * @return this
         */
        public Builder awaitAgent(boolean await) {
            this.awaitAgent = await;
            return this;
        }

        /**
         * @param timeout how long a resumed clone's agent may take to answer (default 30 s); never null
         * @return this
         */
        public Builder agentTimeout(Duration timeout) {
            this.agentTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Replaces the fix-ups (default {@link FixUps#standard()}).
         *
         * @param fixUps the fix-ups, in the order they run; none for none; never null
         * @return this
         */
        public Builder fixUps(FixUp... fixUps) {
            return fixUps(List.of(fixUps));
        }

        /**
         * Replaces the fix-ups (default {@link FixUps#standard()}).
         *
         * @param fixUps the fix-ups, in the order they run; empty for none; never null
         * @return this
         */
        public Builder fixUps(List<FixUp> fixUps) {
            List<FixUp> copy = List.copyOf(fixUps);
            this.fixUps.clear();
            this.fixUps.addAll(copy);
            return this;
        }

        /**
         * Appends a fix-up to those set so far (initially {@link FixUps#standard()}).
         *
         * @param fixUp the fix-up; never null
         * @return this
         */
        public Builder addFixUp(FixUp fixUp) {
            this.fixUps.add(Objects.requireNonNull(fixUp, "fixUp"));
            return this;
        }

        /**
         * @return the options
         * @throws IllegalArgumentException as {@link CloneOptions#CloneOptions} describes
         */
        public CloneOptions build() {
            return new CloneOptions(binary, workDir, resume, nic, freshUuid, restoreTimeout, listener, keepDisks,
                    awaitAgent, agentTimeout, fixUps);
        }
    }
}
