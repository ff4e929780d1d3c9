package dev.qmpkit.qmp.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.EventSubscription;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpCommandException;
import dev.qmpkit.qmp.QmpEvent;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Load on one connection to real QEMU: many threads for a long time, and an event flood with a
 * slow listener. Every reply must reach the command that asked for it; a slow listener must
 * cost bounded memory and must not hold up replies.
 */
@Timeout(300)
class LoadIT {

    private static final int THREADS = 64;

    @TempDir
    Path tmp;

    private QemuProcess start(QemuBinary qemu, QmpOptions options) {
        return QemuLauncher.builder(qemu).args("-M", "none", "-accel", "tcg", "-nodefaults").workDir(tmp)
                .name("load").qmpOptions(options).build().start();
    }

    /**
     * 64 threads, one connection, 60 s on QEMU 10.0 (15 s on 7.2, to keep the suite short).
     * Each command names its own number: HMP {@code print N} answers N in hex, and every tenth
     * command is a {@code qom-get} of a path {@code /qmpkit-load-N} that does not exist, whose
     * error names the path. A reply or an error that lands on the wrong future is counted.
     */
    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void sixtyFourThreadsOnOneConnection_everyFutureCompletesWithItsOwnReplyOrError(QemuBinary qemu)
            throws Exception {
        try (QemuProcess warm = start(qemu, QmpOptions.defaults())) {
            warm.qmp().blocking().execute("query-status");
        }
        Resources before = Resources.settle(r -> r.qemus() == 0, Duration.ofSeconds(5));
        AtomicLong issued = new AtomicLong();
        AtomicLong ownReply = new AtomicLong();
        AtomicLong ownError = new AtomicLong();
        AtomicLong wrong = new AtomicLong();
        AtomicReference<String> firstWrong = new AtomicReference<>();
        long[][] latencies = new long[THREADS][];
        int[] counts = new int[THREADS];
        Duration run;
        long elapsed;
        try (QemuProcess p = start(qemu, QmpOptions.defaults())) {
            QmpClient c = p.qmp();
            run = p.version().major() >= 10 ? Duration.ofSeconds(60) : Duration.ofSeconds(15);
            long deadline = System.nanoTime() + run.toNanos();
            List<Thread> threads = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                latencies[t] = new long[1 << 16];
                Thread th = new Thread(() -> {
                    int seq = 0;
                    while (System.nanoTime() < deadline) {
                        int n = (thread << 20) | ++seq;
                        boolean error = seq % 10 == 0;
                        long s0 = System.nanoTime();
                        issued.incrementAndGet();
                        CompletableFuture<JsonNode> f = error
                                ? c.execute("qom-get", Map.of("path", "/qmpkit-load-" + n, "property", "type"))
                                : c.execute("human-monitor-command", Map.of("command-line", "print " + n));
                        try {
                            JsonNode r = f.get(30, TimeUnit.SECONDS);
                            if (!error && r.asText().trim().equals("0x" + Integer.toHexString(n))) {
                                ownReply.incrementAndGet();
                            } else {
                                wrong.incrementAndGet();
                                firstWrong.compareAndSet(null, "#" + n + " got " + r);
                            }
                        } catch (ExecutionException e) {
                            if (error && e.getCause() instanceof QmpCommandException q
                                    && q.description().contains("'/qmpkit-load-" + n + "'")) {
                                ownError.incrementAndGet();
                            } else {
                                wrong.incrementAndGet();
                                firstWrong.compareAndSet(null, "#" + n + " failed " + e.getCause());
                            }
                        } catch (Exception e) {
                            wrong.incrementAndGet();
                            firstWrong.compareAndSet(null, "#" + n + " did not complete: " + e);
                        }
                        if (counts[thread] < latencies[thread].length) {
                            latencies[thread][counts[thread]++] = System.nanoTime() - s0;
                        }
                    }
                }, "load-" + t);
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join(run.plusSeconds(60).toMillis());
                assertThat(th.isAlive()).as("thread %s finished", th.getName()).isFalse();
            }
            elapsed = System.nanoTime() - t0;
        }
        long[] all = Arrays.stream(latencies).flatMapToLong(a -> Arrays.stream(a)).filter(x -> x > 0).sorted()
                .toArray();
        Resources after = Resources.settle(r -> r.noMoreThan(before, 2), Duration.ofSeconds(10));
        System.out.printf("[%s] %d threads x %d s on one connection: %d commands (%.0f/s), %d own replies, %d own"
                        + " errors, %d wrong or missing; latency p50 %.2f ms, p99 %.2f ms, max %.1f ms; %s -> %s%n",
                qemu.executable(), THREADS, run.toSeconds(), issued.get(), issued.get() / (elapsed / 1e9),
                ownReply.get(), ownError.get(), wrong.get(), pct(all, 0.50), pct(all, 0.99), all[all.length - 1] / 1e6,
                before, after);
        assertThat(wrong.get()).as("first wrong: %s", firstWrong.get()).isZero();
        assertThat(ownReply.get() + ownError.get()).isEqualTo(issued.get());
        assertThat(ownError.get()).isPositive();
        assertThat(issued.get()).isGreaterThan(THREADS * 10L);
        assertThat(after.noMoreThan(before, 2)).as("%s -> %s", before, after).isTrue();
    }

    /**
     * Thousands of STOP/RESUME pairs from real {@code stop}/{@code cont}, with a listener that
     * takes 2 ms per event behind a queue of 64: the queue drops its oldest events (counted in
     * {@link EventSubscription#droppedEvents()}), never holds more than its capacity, keeps the
     * newest and the order; every event reaches the client (a second, counting listener's
     * deliveries plus its own drops add up to all of them: on a busy 2-core machine even a fast
     * listener can fall 64 behind); and a command sent every few milliseconds during the flood
     * is answered without delay.
     */
    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void stopContFloodWithASlowListener_dropsOldestBounded_everyEventReachesTheClient_repliesNotStarved(QemuBinary qemu)
            throws Exception {
        int capacity = 64;
        int pairs = 3000;
        try (QemuProcess p = start(qemu, QmpOptions.builder().eventQueueCapacity(capacity).build())) {
            QmpClient c = p.qmp();
            AtomicInteger fast = new AtomicInteger();
            AtomicInteger slowDelivered = new AtomicInteger();
            List<QmpEvent> slowSeen = java.util.Collections.synchronizedList(new ArrayList<>());
            EventSubscription all = c.subscribe(null, e -> e.name().equals("STOP") || e.name().equals("RESUME"),
                    e -> fast.incrementAndGet());
            EventSubscription slow = c.subscribe(null, e -> e.name().equals("STOP") || e.name().equals("RESUME"),
                    e -> {
                        slowSeen.add(e);
                        slowDelivered.incrementAndGet();
                        try {
                            Thread.sleep(2);
                        } catch (InterruptedException ex) {
                            Thread.currentThread().interrupt();
                        }
                    });
            AtomicBoolean flooding = new AtomicBoolean(true);
            List<Long> probe = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicInteger maxQueued = new AtomicInteger();
            Thread prober = new Thread(() -> {
                while (flooding.get()) {
                    long s0 = System.nanoTime();
                    c.execute("query-name").join();
                    probe.add(System.nanoTime() - s0);
                    // received (as the fast listener counts them) minus handled: what sits in the slow queue
                    int queued = (int) (fast.get() + all.droppedEvents() - slowDelivered.get() - slow.droppedEvents());
                    maxQueued.accumulateAndGet(queued, Math::max);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "probe");
            System.gc();
            long heapBefore = usedHeap();
            prober.start();
            long t0 = System.nanoTime();
            for (int i = 0; i < pairs; i++) {
                c.execute("stop").join();
                c.execute("cont").join();
            }
            long floodMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            flooding.set(false);
            prober.join(10_000);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while ((fast.get() + all.droppedEvents() < 2L * pairs
                    || slowDelivered.get() + slow.droppedEvents() < 2L * pairs)
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            long heapAfter = usedHeap();
            long[] lat = probe.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("[%s] flood: %d STOP/RESUME events in %d ms; fast listener got %d (dropped %d); slow listener"
                            + " (2 ms, queue %d) got %d, dropped %d, queue peak ~%d; %d probe commands during the flood: p50"
                            + " %.2f ms, p99 %.2f ms, max %.1f ms; heap %d -> %d MiB%n",
                    qemu.executable(), 2 * pairs, floodMillis, fast.get(), all.droppedEvents(), capacity,
                    slowDelivered.get(),
                    slow.droppedEvents(), maxQueued.get(), lat.length, pct(lat, 0.5), pct(lat, 0.99),
                    lat[lat.length - 1] / 1e6, heapBefore >> 20, heapAfter >> 20);
            assertThat(fast.get() + all.droppedEvents()).as("every event reached the client").isEqualTo(2L * pairs);
            assertThat(all.droppedEvents()).as("a listener that keeps up loses (almost) nothing")
                    .isLessThan(slow.droppedEvents() / 10);
            assertThat(slow.droppedEvents()).as("the documented drop-oldest policy is visible").isPositive();
            assertThat(slowDelivered.get() + slow.droppedEvents()).isEqualTo(2L * pairs);
            assertThat(maxQueued.get()).as("never more queued than the capacity").isLessThanOrEqualTo(capacity + 1);
            List<QmpEvent> seen = List.copyOf(slowSeen);
            assertThat(seen).extracting(QmpEvent::timestamp).isSortedAccordingTo(Instant::compareTo);
            assertThat(seen.get(seen.size() - 1).name()).as("the newest event survives").isEqualTo("RESUME");
            assertThat(lat.length).isGreaterThan(10);
            assertThat(pct(lat, 0.99)).as("replies are not starved by the flood").isLessThan(500);
            assertThat(c.blocking().execute("query-status").get("status").asText()).isEqualTo("running");
            all.close();
            slow.close();
        }
    }

    private static long usedHeap() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /** @return the percentile of sorted nanosecond values, in milliseconds */
    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))] / 1e6;
    }
}
