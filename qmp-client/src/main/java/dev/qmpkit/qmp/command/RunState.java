package dev.qmpkit.qmp.command;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The VM run state ({@code RunState} in QEMU's {@code qapi/run-state.json}). A state a newer
 * QEMU adds reads as {@link #UNKNOWN}; {@link StatusInfo#statusName()} keeps QEMU's own word.
 */
public enum RunState {
    /** QEMU is in a debugger. */
    DEBUG,
    /** Waiting for an incoming migration. */
    INMIGRATE,
    /** An internal error stopped the VM. */
    INTERNAL_ERROR,
    /** An I/O error stopped the VM. */
    IO_ERROR,
    /** Paused by {@code stop}. */
    PAUSED,
    /** Stopped after an outgoing migration completed. */
    POSTMIGRATE,
    /** Not started yet ({@code -S}). */
    PRELAUNCH,
    /** Finishing an outgoing migration. */
    FINISH_MIGRATE,
    /** Loading a snapshot. */
    RESTORE_VM,
    /** Running. */
    RUNNING,
    /** Saving a snapshot. */
    SAVE_VM,
    /** Shut down (with {@code -no-shutdown}). */
    SHUTDOWN,
    /** Suspended (ACPI S3). */
    SUSPENDED,
    /** A watchdog fired and paused the VM. */
    WATCHDOG,
    /** The guest panicked. */
    GUEST_PANICKED,
    /** COLO fault tolerance. */
    COLO,
    /** A state this SDK does not know (a newer QEMU). */
    UNKNOWN;

    /**
     * @param name QEMU's name, e.g. {@code inmigrate}; may be null
     * @return the state, {@link #UNKNOWN} for null or an unknown name
     */
    @JsonCreator
    public static RunState fromQapi(String name) {
        if (name == null) {
            return UNKNOWN;
        }
        return QapiEnums.fromQapi(RunState.class, name, UNKNOWN);
    }

    /** @return QEMU's name for the state, e.g. {@code finish-migrate}; never null */
    @JsonValue
    public String qapiName() {
        return QapiEnums.qapiName(this);
    }
}
