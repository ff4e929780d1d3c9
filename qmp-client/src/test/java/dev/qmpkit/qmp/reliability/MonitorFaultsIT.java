package dev.qmpkit.qmp.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.CommandOptions;
import dev.qmpkit.qmp.ConnectionState;
import dev.qmpkit.qmp.EventSubscription;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpEvent;
import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.QmpTimeoutException;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The monitor goes away (SIGKILL) or silent (SIGSTOP) under a loaded client, on real QEMU 10.0
 * and 7.2: every future ends promptly with the cause, nothing hangs, and the JVM is left with
 * no extra process, descriptor, socket or thread.
 */
@Timeout(120)
class MonitorFaultsIT {

    @TempDir
    Path tmp;

    private QemuProcess start(QemuBinary qemu) {
        return QemuLauncher.builder(qemu).args("-M", "none", "-accel", "tcg", "-nodefaults").workDir(tmp)
                .name("faults").build().start();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void sigkillWithCommandsEventWaitersAndListenersInFlight_failsAllPromptlyWithTheCause_leavesNothing(
            QemuBinary qemu) throws Exception {
        // Warm up: the shared event loop, timer and launcher pools exist before the baseline.
        try (QemuProcess warm = start(qemu)) {
            warm.qmp().blocking().execute("query-status");
        }
        Resources before = Resources.settle(r -> r.qemus() == 0, Duration.ofSeconds(5));
        long worstMillis = 0;
        int failed = 0;
        int rounds = 3;
        for (int round = 0; round < rounds; round++) {
            QemuProcess p = start(qemu);
            long pid = p.pid();
            QmpClient c = p.qmp();
            List<QmpEvent> seen = new ArrayList<>();
            EventSubscription sub = c.subscribe(null, null, seen::add);
            // Frozen first, so every command is certainly unanswered when QEMU dies.
            Resources.signal(pid, "STOP");
            List<CompletableFuture<?>> inFlight = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                inFlight.add(c.execute("human-monitor-command", Map.of("command-line", "print " + (i + 1))));
            }
            inFlight.add(c.awaitEvent("RESUME", null, Duration.ofSeconds(60)));
            Thread.sleep(100);
            assertThat(inFlight).noneMatch(CompletableFuture::isDone);
            long t0 = System.nanoTime();
            Resources.signal(pid, "KILL");
            for (CompletableFuture<?> f : inFlight) {
                long left = TimeUnit.SECONDS.toNanos(1) - (System.nanoTime() - t0);
                try {
                    f.get(Math.max(1, left), TimeUnit.NANOSECONDS);
                    throw new AssertionError("a command succeeded against a killed QEMU");
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(QmpConnectionException.class)
                            .hasMessageContaining("lost");
                    failed++;
                }
            }
            worstMillis = Math.max(worstMillis, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
            QmpException reason = c.closeFuture().get(1, TimeUnit.SECONDS);
            assertThat(reason).isInstanceOf(QmpConnectionException.class)
                    .hasMessageContaining("lost").hasMessageContaining(c.qemuVersion().toString());
            assertThat(c.state()).isEqualTo(ConnectionState.CLOSED);
            // a command after the loss fails at once, it is not queued for ever
            assertThat(c.execute("query-status")).failsWithin(Duration.ofMillis(200));
            assertThat(p.onExit().get(5, TimeUnit.SECONDS)).isEqualTo(128 + 9);
            sub.close();
            p.close();
            assertThat(Resources.alive(pid)).isFalse();
            assertThat(p.runDir()).doesNotExist();
        }
        Resources after = Resources.settle(r -> r.noMoreThan(before, 2), Duration.ofSeconds(10));
        System.out.printf("[%s] SIGKILL x%d: %d futures failed, the slowest %d ms after the kill; before %s, after %s%n",
                qemu.executable(), rounds, failed, worstMillis, before, after);
        assertThat(failed).isEqualTo(rounds * 201);
        assertThat(worstMillis).isLessThan(1000);
        assertThat(after.noMoreThan(before, 2)).as("before %s, after %s", before, after).isTrue();
        assertThat(tmp.toFile().list()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void sigstopTimesOutSixtyFourCommandsAndAnEventWait_lateRepliesAreDropped_afterSigcontRepliesAreRight(
            QemuBinary qemu) throws Exception {
        try (QemuProcess p = start(qemu)) {
            QmpClient c = p.qmp();
            Resources.signal(p.pid(), "STOP");
            List<CompletableFuture<JsonNode>> frozen = new ArrayList<>();
            CompletableFuture<QmpEvent> event;
            long t0 = System.nanoTime();
            try {
                for (int i = 0; i < 64; i++) {
                    frozen.add(c.execute("human-monitor-command", Map.of("command-line", "print " + (i + 1)),
                            CommandOptions.timeout(Duration.ofMillis(500))));
                }
                event = c.awaitEvent("STOP", null, Duration.ofMillis(500));
                for (CompletableFuture<JsonNode> f : frozen) {
                    assertThat(f).failsWithin(Duration.ofSeconds(3)).withThrowableOfType(ExecutionException.class)
                            .withCauseInstanceOf(QmpTimeoutException.class);
                }
                assertThat(event).failsWithin(Duration.ofSeconds(3)).withThrowableOfType(ExecutionException.class)
                        .withCauseInstanceOf(QmpTimeoutException.class);
            } finally {
                Resources.signal(p.pid(), "CONT");
            }
            long timedOutMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            // QEMU now answers the 64 stale commands; none of those replies may complete a new one.
            List<CompletableFuture<Boolean>> fresh = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                int n = 1000 + i;
                fresh.add(c.execute("human-monitor-command", Map.of("command-line", "print " + n))
                        .thenApply(r -> r.asText().trim().equals("0x" + Integer.toHexString(n))));
            }
            int right = 0;
            for (CompletableFuture<Boolean> f : fresh) {
                if (f.get(10, TimeUnit.SECONDS)) {
                    right++;
                }
            }
            System.out.printf("[%s] SIGSTOP: 64 commands and an event wait timed out within %d ms; after SIGCONT"
                    + " %d/64 new commands got their own reply%n", qemu.executable(), timedOutMillis, right);
            assertThat(timedOutMillis).isLessThan(3000);
            assertThat(right).isEqualTo(64);
            assertThat(c.state()).isEqualTo(ConnectionState.RUNNING);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void sigstoppedQemuIsClosedCleanly_evenWithCommandsPending(QemuBinary qemu) throws Exception {
        Resources before = Resources.now();
        QemuProcess p = QemuLauncher.builder(qemu).args("-M", "none", "-accel", "tcg", "-nodefaults").workDir(tmp)
                .stopTimeout(Duration.ofMillis(300)).build().start();
        long pid = p.pid();
        Resources.signal(pid, "STOP");
        List<CompletableFuture<JsonNode>> pending = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            pending.add(p.qmp().execute("query-status"));
        }
        long t0 = System.nanoTime();
        p.close(); // quit is unanswered, SIGTERM ignored by a stopped process: SIGKILL
        long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        for (CompletableFuture<JsonNode> f : pending) {
            assertThat(f).failsWithin(Duration.ofMillis(500));
        }
        Resources after = Resources.settle(r -> r.qemus() <= before.qemus(), Duration.ofSeconds(5));
        System.out.printf("[%s] close() of a SIGSTOPped QEMU with 16 commands pending: %d ms; %s -> %s%n",
                qemu.executable(), closeMillis, before, after);
        assertThat(closeMillis).isLessThan(10_000);
        assertThat(Resources.alive(pid)).isFalse();
        assertThat(after.qemus()).isEqualTo(before.qemus());
        assertThat(tmp.toFile().list()).isEmpty();
    }
}
