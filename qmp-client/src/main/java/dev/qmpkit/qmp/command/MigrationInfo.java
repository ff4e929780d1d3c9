package dev.qmpkit.qmp.command;

import java.util.List;

/**
 * The reply of {@code query-migrate} ({@code MigrationInfo}). Before any migration QEMU
 * returns an empty object: the status is then {@link MigrationStatus#NONE} and the rest null.
 *
 * @param status the migration state; never null
 * @param ram RAM statistics; null before a migration started
 * @param totalTime milliseconds since the migration started; may be null
 * @param expectedDowntime expected downtime in milliseconds while active; may be null
 * @param downtime actual downtime in milliseconds once completed; may be null
 * @param setupTime setup time in milliseconds; may be null
 * @param errorDesc why it failed, when {@link MigrationStatus#FAILED}; may be null
 * @param blockedReasons why a migration is blocked (QEMU 8.0+); may be null
 */
public record MigrationInfo(MigrationStatus status, MigrationStats ram, Long totalTime, Long expectedDowntime,
                           Long downtime, Long setupTime, String errorDesc, List<String> blockedReasons) {
    /**
     * Defaults the status and copies the list.
     *
     * @param status the migration state; never null
     * @param ram RAM statistics; null before a migration started
     * @param totalTime milliseconds since the migration started; may be null
     * @param expectedDowntime expected downtime in milliseconds while active; may be null
     * @param downtime actual downtime in milliseconds once completed; may be null
     * @param setupTime setup time in milliseconds; may be null
     * @param errorDesc why it failed, when {@link MigrationStatus#FAILED}; may be null
     * @param blockedReasons why a migration is blocked (QEMU 8.0+); may be null
     */
    public MigrationInfo {
        status = status == null ? MigrationStatus.NONE : status;
        blockedReasons = blockedReasons == null ? null : List.copyOf(blockedReasons);
    }
}
