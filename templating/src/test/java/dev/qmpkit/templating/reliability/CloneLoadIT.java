package dev.qmpkit.templating.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.reliability.Resources;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many clones of one template on real QEMU 10.0 and 7.2: 20 started at the same moment, and
 * 100 clone/stop cycles in a row. Processes, descriptors, sockets, threads and files are
 * counted before and after: nothing may accumulate.
 */
@Timeout(300)
class CloneLoadIT extends SavedTemplateTests {

    CloneLoadIT() {
        super("qmpkit-clone-load-");
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void twentyClonesStartedAtOnce_allRunOnTheirOwn_andCloseLeavesNothing(QemuBinary qemu) throws Exception {
        Template t = templates.of(qemu);
        String version = t.manifest().qemu().version();
        Path work = Files.createDirectories(templates.root().resolve("twenty-" + version));
        long counterAtSave = BuiltinGuest.readCounter(t.ramFiles().get(0), 0);
        int templateFiles = Resources.entries(t.directory());
        Resources before = Resources.settle(r -> r.qemus() == 0, Duration.ofSeconds(5));
        int n = 20;
        ExecutorService starters = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<CloneVm>> starting = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return t.startClone(CloneOptions.builder().workDir(work).build());
            }, starters));
        }
        long t0 = System.nanoTime();
        go.countDown();
        List<CloneVm> clones = new ArrayList<>();
        List<Throwable> failures = new ArrayList<>();
        for (CompletableFuture<CloneVm> f : starting) {
            try {
                clones.add(f.get(120, TimeUnit.SECONDS));
            } catch (Exception e) {
                failures.add(e);
            }
        }
        long allUpMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        starters.shutdown();
        Resources during = Resources.now();
        long[] spawnToRunning = clones.stream().mapToLong(c -> c.spawnToRunning().toMillis()).sorted().toArray();
        try {
            assertThat(failures).isEmpty();
            assertThat(clones).hasSize(n);
            assertThat(during.qemus()).isEqualTo(before.qemus() + n);
            Set<Long> pids = new HashSet<>();
            Set<UUID> guids = new HashSet<>();
            for (CloneVm c : clones) {
                pids.add(c.pid());
                guids.add(c.vmgenid());
                assertThat(Futures.await(c.qmp().execute("query-status")).path("status").asText())
                        .isEqualTo("running");
            }
            assertThat(pids).hasSize(n);
            assertThat(guids).hasSize(n);
            for (CloneVm c : clones) {
                SerialLog log = SerialLog.awaitCountAbove(c.serialLog(), counterAtSave + 2, Duration.ofSeconds(60));
                assertThat(log.ready()).as("%s resumed, it did not boot again", c.name()).isFalse();
            }
        } finally {
            clones.forEach(CloneVm::close);
        }
        Resources after = Resources.settle(r -> r.noMoreThan(before, 2), Duration.ofSeconds(10));
        System.out.printf("[%s] %d clones started at once: all running after %d ms (spawn-to-running median %d ms,"
                        + " max %d ms); before %s, with %d up %s, after close %s%n", version, n, allUpMillis,
                spawnToRunning[spawnToRunning.length / 2], spawnToRunning[spawnToRunning.length - 1], before, n,
                during, after);
        assertThat(after.noMoreThan(before, 2)).as("%s -> %s", before, after).isTrue();
        assertThat(Resources.entries(work)).as("clone work directories removed").isZero();
        assertThat(Resources.entries(t.directory())).as("nothing added to the template").isEqualTo(templateFiles);
        t.verifyRamFiles();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void hundredSequentialCloneStopCycles_leakNoProcessFdSocketThreadOrFile(QemuBinary qemu) throws Exception {
        Template t = templates.of(qemu);
        String version = t.manifest().qemu().version();
        Path work = Files.createDirectories(templates.root().resolve("cycles-" + version));
        CloneOptions paused = CloneOptions.builder().workDir(work).resume(false).build();
        int warmup = 10;
        int cycles = 100;
        long[] millis = new long[cycles];
        Resources afterWarmup = null;
        long t0 = System.nanoTime();
        for (int i = 0; i < cycles; i++) {
            long c0 = System.nanoTime();
            long pid;
            try (CloneVm c = t.startClone(paused)) {
                pid = c.pid();
                assertThat(c.isAlive()).isTrue();
            }
            millis[i] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - c0);
            assertThat(Resources.alive(pid)).as("cycle %d: QEMU %d stopped", i, pid).isFalse();
            if (i == warmup - 1) {
                afterWarmup = Resources.settle(r -> r.qemus() == 0, Duration.ofSeconds(5));
            }
        }
        long totalMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        Resources base = afterWarmup;
        Resources end = Resources.settle(r -> r.noMoreThan(base, 1), Duration.ofSeconds(10));
        long[] sorted = millis.clone();
        Arrays.sort(sorted);
        System.out.printf("[%s] %d clone/stop cycles (paused clones) in %d ms: per cycle median %d ms, p95 %d ms,"
                        + " max %d ms; after %d cycles %s, after %d %s; work dir entries %d%n", version, cycles,
                totalMillis, sorted[cycles / 2], sorted[cycles * 95 / 100], sorted[cycles - 1], warmup, base, cycles,
                end, Resources.entries(work));
        assertThat(end.noMoreThan(base, 1)).as("after %d cycles %s, after %d %s", warmup, base, cycles, end).isTrue();
        assertThat(end.qemus()).isZero();
        assertThat(Resources.entries(work)).isZero();
    }
}
