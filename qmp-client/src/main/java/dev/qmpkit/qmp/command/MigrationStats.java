package dev.qmpkit.qmp.command;

/**
 * RAM statistics of a migration ({@code MigrationStats}). Counters QEMU 7.2 lacks are null.
 *
 * @param transferred bytes sent
 * @param remaining bytes left
 * @param total total RAM bytes
 * @param duplicate pages that were all zero
 * @param normal pages sent in full
 * @param normalBytes bytes of the pages sent in full
 * @param dirtyPagesRate pages dirtied per second
 * @param mbps throughput in megabits per second
 * @param dirtySyncCount number of dirty-bitmap syncs
 * @param postcopyRequests page requests during postcopy
 * @param pageSize the target page size
 * @param multifdBytes bytes sent over multifd channels
 * @param pagesPerSecond pages sent per second
 * @param precopyBytes bytes sent in the precopy phase; may be null
 * @param downtimeBytes bytes sent while the VM was stopped; may be null
 * @param postcopyBytes bytes sent in the postcopy phase; may be null
 */
public record MigrationStats(long transferred, long remaining, long total, long duplicate, long normal,
                             long normalBytes, long dirtyPagesRate, double mbps, long dirtySyncCount,
                             long postcopyRequests, long pageSize, Long multifdBytes, Long pagesPerSecond,
                             Long precopyBytes, Long downtimeBytes, Long postcopyBytes) {
}
