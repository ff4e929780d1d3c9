package dev.qmpkit.qmp.command;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The state of a migration ({@code MigrationStatus} in QEMU's {@code qapi/migration.json}).
 * A state a newer QEMU adds reads as {@link #UNKNOWN}.
 */
public enum MigrationStatus {
    /** No migration has run. */
    NONE,
    /** Setting up. */
    SETUP,
    /** Being cancelled. */
    CANCELLING,
    /** Cancelled. */
    CANCELLED,
    /** In progress. */
    ACTIVE,
    /** Postcopy phase. */
    POSTCOPY_ACTIVE,
    /** Postcopy paused by a failure. */
    POSTCOPY_PAUSED,
    /** Setting up postcopy recovery. */
    POSTCOPY_RECOVER_SETUP,
    /** Recovering postcopy. */
    POSTCOPY_RECOVER,
    /** Completed. */
    COMPLETED,
    /** Failed; see {@link MigrationInfo#errorDesc()}. */
    FAILED,
    /** COLO. */
    COLO,
    /** Paused before switchover ({@code pause-before-switchover}). */
    PRE_SWITCHOVER,
    /** Migrating device state. */
    DEVICE,
    /** Waiting for a device unplug. */
    WAIT_UNPLUG,
    /** A state this SDK does not know (a newer QEMU). */
    UNKNOWN;

    /**
     * @param name QEMU's name, e.g. {@code postcopy-active}; may be null
     * @return the state, {@link #UNKNOWN} for an unknown name, {@link #NONE} for null
     */
    @JsonCreator
    public static MigrationStatus fromQapi(String name) {
        if (name == null) {
            return NONE;
        }
        return QapiEnums.fromQapi(MigrationStatus.class, name, UNKNOWN);
    }

    /** @return QEMU's name, e.g. {@code postcopy-active}; never null */
    @JsonValue
    public String qapiName() {
        return QapiEnums.qapiName(this);
    }

    /** @return whether the migration has ended (completed, failed or cancelled) */
    public boolean isFinal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}
