package dev.qmpkit.templating;

/** The steps of the templating workflow, as reported to a {@link ProgressListener}. */
public enum Step {
    /** Starting QEMU for a template (RAM files created, monitor negotiated). */
    TEMPLATE_LAUNCH,
    /** Checking that the running VM can serve as a template (readiness findings). */
    READINESS_CHECK,
    /** {@code stop}: pausing the template's vCPUs. */
    STOP,
    /** {@code migrate-set-capabilities}: {@code x-ignore-shared} and {@code events}. */
    SET_CAPABILITIES,
    /** {@code migrate}: writing the device state (RAM is skipped: it is in the shared files). */
    SAVE_STATE,
    /** {@code quit}: the template must never run again once its RAM files are a template. */
    QUIT_TEMPLATE,
    /** fsync of the state and RAM files, atomic rename of the state file. */
    MAKE_DURABLE,
    /**
     * Freezing each {@link Disk}'s layer after the template quit (QEMU flushed it at {@code stop}):
     * fsync, read-only, and with {@link SaveOptions.RamChecksum#FULL} the SHA-256 of the layer and
     * its base image.
     */
    FREEZE_DISKS,
    /** SHA-256 of the state file and, with {@link SaveOptions.RamChecksum#FULL}, of the RAM files. */
    CHECKSUM,
    /**
     * SHA-256 of the RAM files recorded in the manifest after a save with
     * {@link SaveOptions.RamChecksum#BACKGROUND} (the default): reported on the owner's
     * background thread, after the save returned, while clones may already start.
     */
    RAM_CHECKSUM,
    /** Writing {@code manifest.json} (temporary file, fsync, atomic rename). */
    WRITE_MANIFEST,
    /** Checking a template directory against its manifest before a clone is launched. */
    VERIFY_MANIFEST,
    /** Creating the clone's own qcow2 overlay on each frozen disk layer of the template, in its work directory. */
    CLONE_DISKS,
    /** Starting QEMU for a clone with {@code -incoming defer}. */
    CLONE_LAUNCH,
    /** {@code migrate-incoming}: loading the template's device state into the clone. */
    RESTORE_STATE,
    /** Giving the clone its own identity (hot-plugged NIC with a fresh MAC). */
    IDENTITY,
    /**
     * Checking the restored clone, still paused, as QEMU runs it
     * ({@link dev.qmpkit.templating.inspect.CloneGuard}: devices by QOM type, memory backends,
     * capabilities); an error stops it before any vCPU runs. Also when the clone stays paused.
     */
    CLONE_CHECK,
    /** {@code cont}: the clone runs. */
    RESUME,
    /**
     * Waiting until the clone's guest agent answers ({@code guest-sync-delimited}): the clone's
     * readiness signal when its description has an agent channel.
     */
    AWAIT_AGENT,
    /**
     * The post-clone fix-ups (clock, entropy, identity, network, user hooks), each also reported
     * on its own with {@link ProgressListener#fixUpFinished}.
     */
    FIX_UPS
}
