package dev.qmpkit.qmp.reliability;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * What a leak would show up in, counted for this JVM: QEMU child processes (live, not
 * zombies), open file descriptors, of which sockets, and live threads. Reliability tests take
 * one before and one after and compare; {@link #toString()} is the figure the docs quote.
 *
 * @param qemus live QEMU processes descended from this JVM
 * @param fds entries in {@code /proc/self/fd}
 * @param sockets of those, the ones that are sockets
 * @param threads live JVM threads, except idle-expiring pool threads
 * @param pooledThreads threads of shared pools that end by themselves when idle (the launcher's
 *                      callbacks and the event executor: 30-60 s; the JDK's process reaper and
 *                      common pool): a burst of work leaves them for a while, which is not a leak
 */
public record Resources(int qemus, int fds, int sockets, int threads, int pooledThreads) {

    private static final List<String> EXPIRING_POOLS = List.of("qmpkit-launcher", "qmpkit-events",
            "process reaper", "ForkJoinPool.commonPool");

    /** @return the counts now */
    public static Resources now() {
        int fds = 0;
        int sockets = 0;
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : s.toList()) {
                fds++;
                try {
                    if (Files.readSymbolicLink(p).toString().startsWith("socket:")) {
                        sockets++;
                    }
                } catch (IOException e) {
                    // the descriptor used to list the directory is gone by now
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int pooled = (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> EXPIRING_POOLS.stream().anyMatch(t.getName()::startsWith)).count();
        int all = ManagementFactory.getThreadMXBean().getThreadCount();
        return new Resources(qemuPids().size(), fds, sockets, all - pooled, pooled);
    }

    /** @return PIDs of live QEMU processes descended from this JVM */
    public static List<Long> qemuPids() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> c.contains("qemu-system")).orElse(false))
                .map(ProcessHandle::pid)
                .filter(Resources::alive)
                .toList();
    }

    /** @return whether {@code pid} runs and is not a zombie (in a container nobody may reap it) */
    public static boolean alive(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Waits until the counts satisfy {@code ok} (pools close idle threads, the JDK reaps
     * processes asynchronously), or the time is up.
     *
     * @return the last counts taken
     */
    public static Resources settle(Predicate<Resources> ok, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        Resources r = now();
        while (!ok.test(r) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            r = now();
        }
        return r;
    }

    /**
     * @param before a baseline
     * @param slack tolerance for fds and threads the JDK or Netty creates lazily and keeps
     * @return whether nothing grew beyond the slack and no QEMU is left
     */
    public boolean noMoreThan(Resources before, int slack) {
        return qemus <= before.qemus && fds <= before.fds + slack && sockets <= before.sockets + slack
                && threads <= before.threads + slack;
    }

    /** Sends a signal by PID, as an operator or the OOM killer would (not through the SDK). */
    public static void signal(long pid, String signal) {
        try {
            Process p = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * @param pid a process
     * @param file a file; compared by its real path
     * @return the access mode ({@code O_ACCMODE}: 0 read-only, 1 write-only, 2 read-write) of each
     *         descriptor {@code pid} holds on {@code file}, from {@code /proc/PID/fdinfo}
     */
    public static List<Integer> openModes(long pid, Path file) throws IOException {
        List<Integer> modes = new ArrayList<>();
        Path real = file.toRealPath();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                Path target;
                try {
                    target = Files.readSymbolicLink(fd);
                } catch (IOException gone) {
                    continue;
                }
                if (target.equals(real)) {
                    String info = Files.readString(Path.of("/proc", Long.toString(pid), "fdinfo",
                            fd.getFileName().toString()));
                    String flags = info.lines().filter(l -> l.startsWith("flags:")).findFirst().orElseThrow()
                            .substring("flags:".length()).trim();
                    modes.add(Integer.parseInt(flags, 8) & 3);
                }
            }
        }
        return modes;
    }

    /** @return how many entries {@code dir} holds (0 when it does not exist) */
    public static int entries(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return (int) s.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return qemus + " QEMU, " + fds + " fds (" + sockets + " sockets), " + threads + " threads (+" + pooledThreads
                + " idle-expiring pool threads)";
    }
}
