package dev.qmpkit.templating.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.reliability.Resources;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.ClonePool;
import dev.qmpkit.templating.CloneRestoreException;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.ProgressListener;
import dev.qmpkit.templating.Step;
import dev.qmpkit.templating.Template;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Clones' QEMU killed with SIGKILL at the worst moments, on real QEMU 10.0 and 7.2: while the
 * clone loads its state (the incoming migration is running), and while a pool holds paused
 * clones. The caller gets a prompt, explained failure; the pool replaces its dead members; no
 * process, descriptor, thread or work directory is left behind.
 */
@Timeout(180)
class CloneFaultsIT extends SavedTemplateTests {

    CloneFaultsIT() {
        super("qmpkit-clone-faults-");
    }

    /**
     * To kill QEMU in the middle of loading, the clone reads its state through a FIFO that
     * replaces the (verified) state file of a copy of the template once the checks passed: the
     * test writes the first half of the real state, gives QEMU time to read it, and sends
     * SIGKILL while QEMU waits for the rest.
     */
    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void sigkillWhileTheCloneLoadsItsState_failsPromptlyWithTheCause_leavesNothing(QemuBinary qemu)
            throws Exception {
        Template t = templates.of(qemu);
        String version = t.manifest().qemu().version();
        Path work = Files.createDirectories(templates.root().resolve("kill-restore-" + version));
        // warm up the shared pools so the baseline holds them
        try (CloneVm warm = t.startClone(CloneOptions.builder().workDir(work).resume(false).build())) {
            assertThat(warm.isAlive()).isTrue();
        }
        Path copy = Files.createDirectories(templates.root().resolve("fifo-" + version));
        String stateName = t.manifest().state().file();
        try (var files = Files.list(t.directory())) {
            for (Path f : files.toList()) {
                if (f.getFileName().toString().equals(stateName)) {
                    Files.copy(f, copy.resolve(stateName));
                } else {
                    Files.createSymbolicLink(copy.resolve(f.getFileName()), f);
                }
            }
        }
        Template viaFifo = Template.open(copy);
        byte[] state = Files.readAllBytes(copy.resolve(stateName));
        Resources before = Resources.settle(r -> r.qemus() == 0, Duration.ofSeconds(5));
        // QEMUs another test class may have left running in this JVM are never touched
        List<Long> others = Resources.qemuPids();
        AtomicReference<Long> killedPid = new AtomicReference<>();
        AtomicReference<Throwable> feederFailure = new AtomicReference<>();
        long[] killNanos = new long[1];
        Thread[] feeder = new Thread[1];
        ProgressListener swapInFifo = new ProgressListener() {
            @Override
            public void stepStarted(Step step, String vmName) {
                if (step != Step.CLONE_LAUNCH) {
                    return;
                }
                Path fifo = copy.resolve(stateName);
                try {
                    Files.delete(fifo);
                    Process mk = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).inheritIO().start();
                    assertThat(mk.waitFor()).isZero();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                feeder[0] = new Thread(() -> {
                    try (OutputStream out = Files.newOutputStream(fifo)) { // opens once the reader does
                        out.write(state, 0, state.length / 2);
                        out.flush();
                        Thread.sleep(200);
                        List<Long> pids = new ArrayList<>(Resources.qemuPids());
                        pids.removeAll(others);
                        assertThat(pids).as("exactly the clone's QEMU is new").hasSize(1);
                        killedPid.set(pids.get(0));
                        killNanos[0] = System.nanoTime();
                        Resources.signal(killedPid.get(), "KILL");
                    } catch (IOException broken) {
                        // the reader died: expected after the kill
                    } catch (Throwable e) {
                        feederFailure.set(e);
                    }
                }, "state-feeder");
                feeder[0].start();
            }
        };
        assertThatThrownBy(() -> viaFifo.startClone(CloneOptions.builder().workDir(work).listener(swapInFifo)
                .build()))
                .isInstanceOfSatisfying(CloneRestoreException.class,
                        e -> assertThat(e.step()).isEqualTo(Step.RESTORE_STATE))
                .hasMessageContaining(version)
                .hasMessageContaining(copy.toString());
        long failMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killNanos[0]);
        feeder[0].join(5000);
        assertThat(feederFailure.get()).isNull();
        assertThat(killedPid.get()).as("QEMU was killed mid-load, not before").isNotNull();
        Resources after = Resources.settle(r -> r.noMoreThan(before, 2), Duration.ofSeconds(10));
        System.out.printf("[%s] clone SIGKILLed after reading %d of %d state bytes: startClone failed %d ms later;"
                + " %s -> %s%n", version, state.length / 2, state.length, failMillis, before, after);
        assertThat(failMillis).isLessThan(2000);
        assertThat(Resources.alive(killedPid.get())).isFalse();
        assertThat(after.noMoreThan(before, 2)).as("%s -> %s", before, after).isTrue();
        assertThat(Resources.entries(work)).as("the clone's work directory is removed").isZero();
        t.verifyRamFiles();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void sigkillOfPausedPoolMembers_poolReplacesThem_acquireStillWorks_closeLeavesNothing(QemuBinary qemu)
            throws Exception {
        Template t = templates.of(qemu);
        Path work = Files.createDirectories(templates.root().resolve("pool-" + t.manifest().qemu().version()));
        Resources before = Resources.settle(r -> r.qemus() == 0, Duration.ofSeconds(5));
        List<Long> others = Resources.qemuPids();
        int size = 3;
        Set<Long> killed = new HashSet<>();
        long replacedMillis;
        try (ClonePool pool = ClonePool.start(t, size, CloneOptions.builder().workDir(work).build())) {
            awaitAvailable(pool, size, Duration.ofSeconds(60));
            List<Long> members = new ArrayList<>(Resources.qemuPids());
            members.removeAll(others);
            assertThat(members).hasSize(size);
            long t0 = System.nanoTime();
            for (long pid : members) {
                Resources.signal(pid, "KILL");
                killed.add(pid);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((pool.replacedCount() < size || pool.available() < size) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            replacedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(pool.replacedCount()).isEqualTo(size);
            assertThat(pool.available()).isEqualTo(size);
            List<Long> now = new ArrayList<>(Resources.qemuPids());
            now.removeAll(others);
            assertThat(now).hasSize(size).doesNotContainAnyElementsOf(killed);
            try (CloneVm vm = pool.acquire(Duration.ofSeconds(30))) {
                assertThat(killed).doesNotContain(vm.pid());
                assertThat(Futures.await(vm.qmp().execute("query-status")).path("status").asText())
                        .isEqualTo("running");
            }
            // Killing one more while the pool refills after that acquire: acquire never hands out a dead one.
            List<CloneVm> taken = new ArrayList<>();
            try {
                for (int i = 0; i < size; i++) {
                    List<Long> waiting = new ArrayList<>();
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    while (waiting.isEmpty() && System.nanoTime() < until) {
                        waiting.addAll(Resources.qemuPids());
                        waiting.removeAll(others);
                        taken.forEach(vm -> waiting.remove(vm.pid()));
                        Thread.sleep(10);
                    }
                    assertThat(waiting).as("a pool member to kill (taken: %s)", taken).isNotEmpty();
                    Resources.signal(waiting.get(0), "KILL");
                    killed.add(waiting.get(0));
                    CloneVm vm = pool.acquire(Duration.ofSeconds(30));
                    taken.add(vm);
                    assertThat(vm.isAlive()).isTrue();
                    assertThat(killed).doesNotContain(vm.pid());
                    assertThat(Futures.await(vm.qmp().execute("query-status")).path("status").asText())
                            .isEqualTo("running");
                }
            } finally {
                taken.forEach(CloneVm::close);
            }
        }
        for (long pid : killed) {
            assertThat(Resources.alive(pid)).isFalse();
        }
        Resources after = Resources.settle(r -> r.noMoreThan(before, 2), Duration.ofSeconds(10));
        System.out.printf("[%s] pool of %d: all %d paused members SIGKILLed, replaced within %d ms; %d killed in"
                + " all; %s -> %s%n", t.manifest().qemu().version(), size, size, replacedMillis, killed.size(), before,
                after);
        assertThat(after.noMoreThan(before, 2)).as("%s -> %s", before, after).isTrue();
        assertThat(Resources.entries(work)).as("every member's work directory is removed").isZero();
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(th -> th.getName().startsWith("qmpkit-pool-"));
    }

    private static void awaitAvailable(ClonePool pool, int n, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (pool.available() < n && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(pool.available()).isEqualTo(n);
    }
}
