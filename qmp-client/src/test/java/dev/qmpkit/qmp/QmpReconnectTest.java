package dev.qmpkit.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.testing.FakeMonitor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Opt-in reconnect: re-handshake, no replay, connection events; and giving up. */
@Timeout(30)
class QmpReconnectTest {

    /** Records connection events as strings, in order. */
    static final class Recorder implements ConnectionListener {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();

        @Override
        public void onConnected(QmpClient client, Greeting greeting, boolean reconnect) {
            events.add("connected reconnect=" + reconnect);
        }

        @Override
        public void onDisconnected(QmpClient client, QmpException cause, boolean willReconnect) {
            events.add("disconnected willReconnect=" + willReconnect);
        }

        @Override
        public void onReconnecting(QmpClient client, int attempt) {
            events.add("reconnecting " + attempt);
        }

        String next() throws InterruptedException {
            return events.poll(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void reconnectsAfterTheMonitorDropsTheConnection_withoutReplayingCommands() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.start()) {
            monitor.withhold("slow");
            Recorder rec = new Recorder();
            try (QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()), QmpOptions.builder()
                    .reconnectPolicy(ReconnectPolicy.fixedDelay(5, Duration.ofMillis(50)))
                    .connectionListener(rec).build())) {
                assertThat(rec.next()).isEqualTo("connected reconnect=false");
                CompletableFuture<JsonNode> inFlight = c.execute("slow");
                monitor.withheld().poll(5, TimeUnit.SECONDS);
                monitor.dropConnections();
                assertThatThrownBy(() -> inFlight.get(2, TimeUnit.SECONDS)).cause()
                        .isInstanceOf(QmpConnectionException.class);
                assertThat(rec.next()).isEqualTo("disconnected willReconnect=true");
                assertThat(rec.next()).isEqualTo("reconnecting 1");
                assertThat(rec.next()).isEqualTo("connected reconnect=true");
                assertThat(c.state()).isEqualTo(ConnectionState.RUNNING);
                assertThat(c.blocking().execute("query-status").get("running").asBoolean()).isTrue();
                // negotiated twice, the withheld command was sent once and never replayed
                assertThat(monitor.received()).containsExactly("qmp_capabilities", "slow", "qmp_capabilities",
                        "query-status");
                assertThat(c.closeFuture()).isNotDone();
                // events flow on the new connection
                CompletableFuture<QmpEvent> ev = c.awaitEvent("AFTER", null, Duration.ofSeconds(5));
                monitor.sendEvent("AFTER", null);
                assertThat(ev.get(5, TimeUnit.SECONDS).name()).isEqualTo("AFTER");
            }
        }
    }

    @Test
    void commandsIssuedWhileReconnectingFailFast_andGivingUpClosesForGood() throws Exception {
        FakeMonitor monitor = FakeMonitor.start();
        Recorder rec = new Recorder();
        QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()), QmpOptions.builder()
                .reconnectPolicy(ReconnectPolicy.fixedDelay(2, Duration.ofMillis(300)))
                .connectionListener(rec).build());
        assertThat(rec.next()).isEqualTo("connected reconnect=false");
        monitor.close(); // the monitor is gone for good: every attempt fails
        assertThat(rec.next()).isEqualTo("disconnected willReconnect=true");
        assertThat(c.state()).isEqualTo(ConnectionState.RECONNECTING);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> Futures.await(c.execute("query-status"))).isInstanceOf(QmpConnectionException.class)
                .hasMessageContaining("reconnecting");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(200));
        List<String> rest = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 3; i++) {
            rest.add(rec.next());
        }
        assertThat(rest).containsExactly("reconnecting 1", "reconnecting 2", "disconnected willReconnect=false");
        QmpException reason = c.closeFuture().get(5, TimeUnit.SECONDS);
        assertThat(reason).isInstanceOf(QmpConnectionException.class).hasMessageContaining("2 attempt");
        assertThat(c.state()).isEqualTo(ConnectionState.CLOSED);
        c.close();
    }

    @Test
    void withoutAPolicyALostConnectionClosesTheClient() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.start()) {
            Recorder rec = new Recorder();
            QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()),
                    QmpOptions.builder().connectionListener(rec).build());
            assertThat(rec.next()).isEqualTo("connected reconnect=false");
            monitor.dropConnections();
            assertThat(rec.next()).isEqualTo("disconnected willReconnect=false");
            assertThat(c.closeFuture().get(5, TimeUnit.SECONDS).getCause()).isNotNull();
            assertThat(c.state()).isEqualTo(ConnectionState.CLOSED);
            Thread.sleep(200);
            assertThat(monitor.openConnections()).isZero();
            c.close();
        }
    }

    @Test
    void closeWhileReconnecting_stopsReconnecting_andReportsTheEndOnce() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.start()) {
            Recorder rec = new Recorder();
            QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()), QmpOptions.builder()
                    .reconnectPolicy(ReconnectPolicy.fixedDelay(5, Duration.ofMillis(300)))
                    .connectionListener(rec).build());
            assertThat(rec.next()).isEqualTo("connected reconnect=false");
            monitor.dropConnections();
            assertThat(rec.next()).isEqualTo("disconnected willReconnect=true");
            assertThat(c.state()).isEqualTo(ConnectionState.RECONNECTING);
            c.close();
            assertThat(c.state()).isEqualTo(ConnectionState.CLOSED);
            assertThat(rec.next()).isEqualTo("disconnected willReconnect=false");
            Thread.sleep(600); // past the reconnect delay: no attempt is made
            assertThat(rec.events).isEmpty();
            assertThat(monitor.openConnections()).isZero();
            assertThat(monitor.received()).containsExactly("qmp_capabilities");
        }
    }

    @Test
    void closeRacingALostConnection_endsTheClientOnce() throws Exception {
        try (FakeMonitor monitor = FakeMonitor.start()) {
            for (int i = 0; i < 20; i++) {
                Recorder rec = new Recorder();
                QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()),
                        QmpOptions.builder().connectionListener(rec).build());
                assertThat(rec.next()).isEqualTo("connected reconnect=false");
                CompletableFuture<Void> drop = CompletableFuture.runAsync(monitor::dropConnections);
                c.close();
                drop.get(5, TimeUnit.SECONDS);
                assertThat(rec.next()).isEqualTo("disconnected willReconnect=false");
                assertThat(c.closeFuture().get(5, TimeUnit.SECONDS)).isInstanceOf(QmpConnectionException.class);
                assertThat(c.state()).isEqualTo(ConnectionState.CLOSED);
                assertThat(rec.events.poll(50, TimeUnit.MILLISECONDS)).isNull();
            }
        }
    }
}
