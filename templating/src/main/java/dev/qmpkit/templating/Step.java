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
    /** SHA-256 of the state file and, with {@link SaveOptions.RamChecksum#FULL}, of the RAM files. */
    CHECKSUM,
    /** Writing {@code manifest.json} (temporary file, fsync, atomic rename). */
    WRITE_MANIFEST,
    /** Checking a template directory against its manifest before a clone is launched. */
    VERIFY_MANIFEST,
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
    RESUME
}
