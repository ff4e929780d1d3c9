package dev.qmpkit.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** CPU time of this JVM and of other processes, in nanoseconds, for the benchmarks' CPU figures. */
final class ProcCpu {

    private ProcCpu() {
    }

    private static final long SELF = ProcessHandle.current().pid();

    /**
     * @return the CPU time of this JVM's live threads (ns), from /proc like {@link #threads}:
     *         {@code getProcessCpuTime()} counts in clock ticks (10 ms) here, too coarse for one clone
     */
    static long jvm() {
        return threads(SELF);
    }

    /**
     * @param pid a process
     * @return the CPU time of every live thread of it, from /proc/PID/task/TID/schedstat (ns); 0 when it is gone
     */
    static long threads(long pid) {
        return threads(pid, null);
    }

    /**
     * The CPU time of a QEMU without its vCPU threads ({@code CPU 0/TCG}, ...): what it spent
     * starting, restoring and serving its monitor, without the guest's own run, which a clone
     * starts the moment {@code cont} is answered and which would bill a clone for the time it
     * waited to be measured.
     *
     * @param pid a QEMU
     * @return the CPU time of its live threads except the vCPUs (ns); 0 when it is gone
     */
    static long qemu(long pid) {
        return threads(pid, "CPU ");
    }

    private static long threads(long pid, String skipPrefix) {
        long sum = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks.toList()) {
                try {
                    if (skipPrefix != null && Files.readString(t.resolve("comm")).startsWith(skipPrefix)) {
                        continue;
                    }
                    String st = Files.readString(t.resolve("schedstat"));
                    sum += Long.parseLong(st.substring(0, st.indexOf(' ')));
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return sum;
    }

    /**
     * @param pid a process
     * @return the CPU time of its live threads (ns) by thread name with digits removed (e.g. {@code GC Thread#})
     */
    static java.util.Map<String, Long> byThreadName(long pid) {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String st = Files.readString(t.resolve("schedstat"));
                    String name = Files.readString(t.resolve("comm")).strip().replaceAll("[0-9]+", "");
                    out.merge(name, Long.parseLong(st.substring(0, st.indexOf(' '))), Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }
}
