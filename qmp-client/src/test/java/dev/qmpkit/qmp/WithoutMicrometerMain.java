package dev.qmpkit.qmp;

import dev.qmpkit.testing.FakeMonitor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Run by {@link WithoutMicrometerTest} in a JVM whose class path lacks Micrometer: the client
 * works with the default metrics and with a recorder of its own.
 */
public final class WithoutMicrometerMain {
    private WithoutMicrometerMain() {
    }

    /**
     * @param args none
     * @throws Exception when the client fails
     */
    public static void main(String[] args) throws Exception {
        try {
            Class.forName("io.micrometer.core.instrument.MeterRegistry");
            System.out.println("Micrometer is on the class path");
            System.exit(3);
        } catch (ClassNotFoundException expected) {
            System.out.println("no Micrometer");
        }
        AtomicInteger finished = new AtomicInteger();
        QmpMetrics counting = new QmpMetrics() {
            @Override
            public void commandFinished(String command, CommandOutcome outcome, long durationNanos) {
                finished.incrementAndGet();
            }
        };
        try (FakeMonitor monitor = FakeMonitor.start();
             QmpClient plain = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()), QmpOptions.defaults());
             QmpClient measured = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()),
                     QmpOptions.builder().metrics(counting).build())) {
            System.out.println("status: " + plain.blocking().execute("query-status").path("status").asText());
            measured.blocking().execute("query-status");
            measured.blocking().execute("query-version");
        }
        System.out.println("measured commands: " + finished.get());
    }
}
