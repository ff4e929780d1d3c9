package dev.qmpkit.qmp.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.CommandOutcome;
import dev.qmpkit.qmp.ConnectionState;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpMetrics;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.ReconnectPolicy;
import dev.qmpkit.testing.FakeMonitor;
import dev.qmpkit.testing.Reply;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Reconnects, lost connections and a broken recorder: faults a real QEMU cannot be made to
 * produce on demand, so a fake monitor (qmpkit-testing) plays QEMU.
 */
class MicrometerQmpMetricsTest {

    @Test
    void reconnectAttemptsAndCommandsLostWithTheConnection() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        FakeMonitor monitor = FakeMonitor.start();
        try (QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()), QmpOptions.builder()
                .reconnectPolicy(ReconnectPolicy.fixedDelay(2, Duration.ofMillis(50)))
                .metrics(MicrometerQmpMetrics.qmp(registry)).build())) {
            monitor.enqueue("migrate", Reply.none().thenDisconnect());
            CompletableFuture<JsonNode> lost = c.execute("migrate");
            assertThatThrownBy(() -> lost.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(QmpConnectionException.class);
            waitFor(() -> reconnects(registry, "success") == 1 && c.state() == ConnectionState.RUNNING);
            c.blocking().execute("query-status");

            monitor.close(); // gone for good: both attempts fail, and the client gives up
            waitFor(() -> c.state() == ConnectionState.CLOSED);
            assertThat(reconnects(registry, "failure")).isEqualTo(2);
            assertThat(reconnects(registry, "success")).isEqualTo(1);
        } finally {
            monitor.close();
        }
        assertThat(registry.get("qmpkit.qmp.commands").tags("command", "migrate", "outcome", "disconnected").timer()
                .count()).isEqualTo(1);
        assertThat(registry.get("qmpkit.qmp.commands").tags("command", "query-status", "outcome", "success").timer()
                .count()).isEqualTo(1);
        assertThat(registry.get("qmpkit.qmp.commands.active").gauge().value()).isZero();
    }

    @Test
    void aRecorderThatThrowsCostsNoReply() throws Exception {
        QmpMetrics broken = new QmpMetrics() {
            @Override
            public void commandStarted(String command) {
                throw new IllegalStateException("broken recorder");
            }

            @Override
            public void commandFinished(String command, CommandOutcome outcome, long durationNanos) {
                throw new IllegalStateException("broken recorder");
            }
        };
        try (FakeMonitor monitor = FakeMonitor.start();
             QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()),
                     QmpOptions.builder().metrics(broken).build())) {
            for (int i = 0; i < 3; i++) {
                assertThat(c.blocking().execute("query-status").path("running").asBoolean()).isTrue();
            }
        }
    }

    private static double reconnects(SimpleMeterRegistry registry, String outcome) {
        return registry.get("qmpkit.qmp.reconnects").tag("outcome", outcome).counter().count();
    }

    private static void waitFor(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.sleep(10);
        }
    }
}
