package dev.qmpkit.templating;

import dev.qmpkit.templating.internal.Smaps;

/**
 * How much host memory one QEMU process uses, from Linux's {@code /proc/PID/smaps_rollup}.
 * A clone's {@link #pssKiB() Pss} counts pages it shares with other clones (the template's
 * page cache) only in part, so it shows what templating saves.
 *
 * @param rssKiB resident set size
 * @param pssKiB proportional set size (shared pages divided among their users)
 * @param privateKiB {@code Private_Clean + Private_Dirty}
 * @param sharedKiB {@code Shared_Clean + Shared_Dirty}
 */
public record MemoryUsage(long rssKiB, long pssKiB, long privateKiB, long sharedKiB) {

    /**
     * @param pid a process id
     * @return that process's memory usage
     * @throws TemplatingException when {@code /proc/PID/smaps_rollup} cannot be read (not Linux,
     *         Linux before 4.14, the process ended, or no permission)
     */
    public static MemoryUsage ofPid(long pid) {
        return Smaps.read(pid);
    }

    @Override
    public String toString() {
        return String.format("Rss %d KiB, Pss %d KiB, private %d KiB, shared %d KiB", rssKiB, pssKiB, privateKiB,
                sharedKiB);
    }
}
