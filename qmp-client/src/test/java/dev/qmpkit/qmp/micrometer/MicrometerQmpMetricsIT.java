package dev.qmpkit.qmp.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.CommandOptions;
import dev.qmpkit.qmp.EventSubscription;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpCommandException;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.QmpTimeoutException;
import dev.qmpkit.qmp.agent.AgentCommandException;
import dev.qmpkit.qmp.agent.AgentOptions;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.reliability.Resources;
import dev.qmpkit.qmp.testing.HostAgent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a {@code SimpleMeterRegistry} holds after real commands: a real QEMU (10.0 and 7.2) that
 * answers, refuses, goes silent (SIGSTOP) and floods a slow subscription with events; a real
 * qemu-ga for the agent's meters.
 */
@Timeout(180)
class MicrometerQmpMetricsIT {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void latencyByCommandErrorsTimeoutsInFlightAndDroppedEvents(QemuBinary qemu) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        QmpOptions options = QmpOptions.builder().metrics(MicrometerQmpMetrics.qmp(registry)).eventQueueCapacity(4)
                .build();
        try (QemuProcess p = QemuLauncher.builder(qemu).args("-M", "none", "-accel", "tcg", "-nodefaults")
                .workDir(tmp).name("metrics").qmpOptions(options).build().start()) {
            QmpClient c = p.qmp();
            for (int i = 0; i < 25; i++) {
                c.blocking().execute("query-name");
            }
            assertThatThrownBy(() -> c.blocking().execute("device_del", Map.of("id", "nope")))
                    .isInstanceOf(QmpCommandException.class);

            // A listener that does not keep up with 40 events in a queue of 4.
            CountDownLatch release = new CountDownLatch(1);
            EventSubscription slow = c.subscribe(null, null, e -> await(release));
            for (int i = 0; i < 20; i++) {
                c.blocking().execute("stop");
                c.blocking().execute("cont");
            }
            long dropped = slow.droppedEvents();
            release.countDown();
            slow.close();
            assertThat(dropped).isGreaterThan(30);
            double stopsAndResumes = registry.find("qmpkit.qmp.events.dropped").counters().stream()
                    .mapToDouble(Counter::count).sum();
            assertThat(stopsAndResumes).isEqualTo(dropped);
            assertThat(registry.get("qmpkit.qmp.events.dropped").tag("event", "RESUME").counter().count())
                    .isPositive();

            // QEMU goes silent: the command is in flight until its timeout.
            Resources.signal(p.pid(), "STOP");
            try {
                CompletableFuture<JsonNode> silent = c.execute("query-uuid", null,
                        CommandOptions.timeout(Duration.ofSeconds(2)));
                waitFor(() -> active(registry) == 1.0);
                assertThatThrownBy(() -> silent.get(10, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(QmpTimeoutException.class);
            } finally {
                Resources.signal(p.pid(), "CONT");
            }
            assertThat(c.blocking().execute("query-status").path("status").asText()).isEqualTo("running");
            assertThat(active(registry)).as("nothing in flight once answered or timed out").isZero();
        }

        Timer queryName = registry.get("qmpkit.qmp.commands").tags("command", "query-name", "outcome", "success")
                .timer();
        assertThat(queryName.count()).isEqualTo(25);
        assertThat(queryName.totalTime(TimeUnit.NANOSECONDS)).isPositive();
        assertThat(queryName.max(TimeUnit.SECONDS)).isLessThan(30);
        assertThat(registry.get("qmpkit.qmp.commands").tags("command", "device_del", "outcome", "error").timer()
                .count()).isEqualTo(1);
        Timer timedOut = registry.get("qmpkit.qmp.commands").tags("command", "query-uuid", "outcome", "timeout")
                .timer();
        assertThat(timedOut.count()).isEqualTo(1);
        assertThat(timedOut.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(2000);
        assertThat(registry.get("qmpkit.qmp.commands").tags("command", "stop", "outcome", "success").timer().count())
                .isEqualTo(20);
        assertThat(registry.find("qmpkit.qmp.commands").tag("command", "query-name").tag("outcome", "timeout")
                .timer()).as("a series appears with its first command").isNull();
        assertThat(active(registry)).isZero();
        assertThat(registry.get("qmpkit.qmp.reconnects").tag("outcome", "success").counter().count()).isZero();
    }

    @Test
    void agentCommandsOfARealQemuGa() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AgentOptions options = AgentOptions.builder().metrics(MicrometerQmpMetrics.agent(registry)).build();
        try (HostAgent agent = HostAgent.start(tmp);
             GuestAgentClient client = GuestAgentClient.open(agent.socket(), options)) {
            for (int i = 0; i < 10; i++) {
                client.ping().get(30, TimeUnit.SECONDS);
            }
            assertThatThrownBy(() -> client.execute("guest-no-such-command", null).get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(AgentCommandException.class);
        }
        assertThat(registry.get("qmpkit.agent.commands").tags("command", "guest-ping", "outcome", "success").timer()
                .count()).isEqualTo(10);
        assertThat(registry.get("qmpkit.agent.commands").tags("command", "guest-no-such-command", "outcome", "error")
                .timer().count()).isEqualTo(1);
        assertThat(registry.get("qmpkit.agent.commands.active").gauge().value()).isZero();
        assertThat(registry.find("qmpkit.qmp.commands").timers()).as("agent meters have their own names").isEmpty();
    }

    private static double active(SimpleMeterRegistry registry) {
        return registry.get("qmpkit.qmp.commands.active").gauge().value();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
