package dev.qmpkit.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.testing.FakeMonitor;
import dev.qmpkit.qmp.testing.ProtocolErrors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Events: subscriptions, awaitEvent, ordering, interleaving with replies, floods. */
@Timeout(30)
class QmpEventsTest {
    private FakeMonitor monitor;

    @BeforeEach
    void start() {
        monitor = FakeMonitor.start();
    }

    @AfterEach
    void stop() {
        monitor.close();
    }

    @Test
    void eventsInterleavedWithReplies_reachListenersInOrder_offTheIoThread() throws Exception {
        // The monitor answers "stop" with events before and after the reply, as QEMU does.
        monitor.on("stop", r -> {
            monitor.sendEvent("STOP", null);
            r.reply("{}");
            monitor.sendEvent("CUSTOM", "{\"n\": 1}");
        });
        try (QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()), QmpOptions.defaults())) {
            List<String> names = new CopyOnWriteArrayList<>();
            List<String> threads = new CopyOnWriteArrayList<>();
            CountDownLatch got = new CountDownLatch(20);
            try (EventSubscription all = c.subscribe(null, null, e -> {
                names.add(e.name());
                threads.add(Thread.currentThread().getName());
                got.countDown();
            })) {
                for (int i = 0; i < 10; i++) {
                    assertThat(c.blocking().execute("stop").isObject()).isTrue();
                }
                assertThat(got.await(5, TimeUnit.SECONDS)).isTrue();
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    expected.add("STOP");
                    expected.add("CUSTOM");
                }
                assertThat(names).isEqualTo(expected);
                assertThat(threads).noneMatch(t -> t.contains("qmpkit-io"));
                assertThat(all.droppedEvents()).isZero();
            }
        }
    }

    @Test
    void subscribeFiltersByNameAndPredicate() throws Exception {
        try (QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()), QmpOptions.defaults())) {
            List<Integer> got = new CopyOnWriteArrayList<>();
            CountDownLatch done = new CountDownLatch(1);
            c.subscribe("JOB", e -> e.data().path("n").asInt() % 2 == 0, e -> got.add(e.data().get("n").asInt()));
            c.subscribe("END", null, e -> done.countDown());
            for (int i = 0; i < 6; i++) {
                monitor.sendEvent("JOB", "{\"n\": " + i + "}");
                monitor.sendEvent("OTHER", null);
            }
            monitor.sendEvent("END", null);
            assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(100);
            assertThat(got).containsExactly(0, 2, 4);
        }
    }

    @Test
    void awaitEventRegisteredBeforeTheCommand_cannotMissAnEventSentBeforeTheReply() throws Exception {
        monitor.on("cont", r -> {
            monitor.sendEvent("RESUME", null);
            r.reply("{}");
        });
        try (QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()), QmpOptions.defaults())) {
            CompletableFuture<QmpEvent> resume = c.awaitEvent("RESUME", null, Duration.ofSeconds(5));
            c.blocking().execute("cont");
            QmpEvent e = resume.get(5, TimeUnit.SECONDS);
            assertThat(e.name()).isEqualTo("RESUME");
            assertThat(e.timestamp().getEpochSecond()).isPositive();
            assertThat(e.data().isObject()).isTrue();
        }
    }

    @Test
    void awaitEventTimesOut_andFailsWhenTheConnectionCloses() {
        try (QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()), QmpOptions.defaults())) {
            assertThatThrownBy(() -> Futures.await(c.awaitEvent("NEVER", null, Duration.ofMillis(100))))
                    .isInstanceOf(QmpTimeoutException.class).hasMessageContaining("NEVER");
            CompletableFuture<QmpEvent> pending = c.awaitEvent("NEVER", null, Duration.ofSeconds(30));
            monitor.dropConnections();
            assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(QmpConnectionException.class);
        }
    }

    @Test
    void malformedEventIsReported_notDelivered() throws Exception {
        CompletableFuture<QmpProtocolException> reported = new CompletableFuture<>();
        try (QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()), QmpOptions.builder()
                .connectionListener(ProtocolErrors.to(reported::complete)).build())) {
            List<QmpEvent> got = new CopyOnWriteArrayList<>();
            c.subscribe(null, null, got::add);
            monitor.sendRaw("{\"event\": 42, \"data\": []}\r\n");
            monitor.sendRaw("{\"event\": \"ODD\", \"data\": [1], \"timestamp\": \"yesterday\"}\r\n");
            assertThat(reported.get(5, TimeUnit.SECONDS).getMessage()).contains("event");
            assertThat(c.blocking().execute("query-status")).isNotNull();
            Thread.sleep(100);
            assertThat(got).extracting(QmpEvent::name).containsExactly("ODD");
        }
    }

    @Test
    void eventFloodWithASlowListener_isBounded_dropsOldest_andDoesNotStarveReplies() throws Exception {
        int capacity = 16;
        try (QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()),
                QmpOptions.builder().eventQueueCapacity(capacity).build())) {
            CountDownLatch release = new CountDownLatch(1);
            List<Integer> delivered = new CopyOnWriteArrayList<>();
            EventSubscription slow = c.subscribe("FLOOD", null, e -> {
                try {
                    release.await();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                delivered.add(e.data().get("n").asInt());
            });
            StringBuilder flood = new StringBuilder();
            int total = 5000;
            for (int i = 0; i < total; i++) {
                flood.append(FakeMonitor.eventJson(i % 2 == 0 ? "FLOOD" : "FLOOD", "{\"n\": " + i + "}"));
            }
            monitor.sendRaw(flood.toString());
            // replies keep flowing while the listener is stuck
            long t0 = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                JsonNode r = c.execute("query-status").get(2, TimeUnit.SECONDS);
                assertThat(r.get("running").asBoolean()).isTrue();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (slow.droppedEvents() < total - capacity - 1 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            release.countDown();
            Thread.sleep(300);
            // the queue never held more than its capacity (+1 being delivered); the newest survived
            assertThat(slow.droppedEvents()).isGreaterThanOrEqualTo(total - capacity - 1);
            assertThat(delivered.size()).isLessThanOrEqualTo(capacity + 1);
            assertThat(delivered).contains(total - 1);
            assertThat(delivered).isSorted();
            slow.close();
        }
    }

    @Test
    void closedSubscriptionReceivesNothing() throws Exception {
        // Listeners run inline on the I/O thread here, in arrival order: once the marker Y (sent
        // after X) has been delivered, X has been offered to every subscription, so a delivery to
        // the closed one would already be in "got". The open subscription proves X arrived.
        try (QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()),
                QmpOptions.builder().eventExecutor(Runnable::run).build())) {
            List<QmpEvent> got = new CopyOnWriteArrayList<>();
            List<QmpEvent> open = new CopyOnWriteArrayList<>();
            EventSubscription s = c.subscribe("X", null, got::add);
            c.subscribe("X", null, open::add);
            s.close();
            s.close();
            CompletableFuture<QmpEvent> marker = c.awaitEvent("Y", null, Duration.ofSeconds(5));
            monitor.sendEvent("X", null);
            monitor.sendEvent("Y", null);
            marker.get(5, TimeUnit.SECONDS);
            assertThat(open).extracting(QmpEvent::name).containsExactly("X");
            assertThat(got).isEmpty();
        }
    }

    @Test
    void anErrorFromAListenerReachesTheExecutor_andLaterEventsStillArrive() throws Exception {
        // An Error (OutOfMemoryError, a failed assertion) must not be swallowed and logged like a
        // listener's bug: it reaches the executor's thread. The subscription is not wedged by it.
        List<Throwable> escaped = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Executor recording = r -> pool.execute(() -> {
            try {
                r.run();
            } catch (Throwable t) {
                escaped.add(t);
            }
        });
        try (QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()),
                QmpOptions.builder().eventExecutor(recording).build())) {
            List<Integer> got = new CopyOnWriteArrayList<>();
            CountDownLatch last = new CountDownLatch(1);
            c.subscribe("E", null, e -> {
                int n = e.data().get("n").asInt();
                if (n == 0) {
                    throw new OutOfMemoryError("simulated");
                }
                if (n == 1) {
                    throw new IllegalStateException("a bug in the listener");
                }
                got.add(n);
                last.countDown();
            });
            monitor.sendEvent("E", "{\"n\": 0}");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (escaped.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            monitor.sendEvent("E", "{\"n\": 1}");
            monitor.sendEvent("E", "{\"n\": 2}");
            assertThat(last.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(escaped).singleElement().isInstanceOf(OutOfMemoryError.class);
            assertThat(got).containsExactly(2);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void oneSubscriptionForSeveralEvents_keepsTheirOrder_andRefusesBadNames() throws Exception {
        try (QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()), QmpOptions.defaults())) {
            List<String> got = new CopyOnWriteArrayList<>();
            CountDownLatch end = new CountDownLatch(1);
            EventSubscription s = c.subscribeAny(List.of("STOP", "RESUME", "STOP"), null, e -> got.add(e.name()));
            c.subscribe("END", null, e -> end.countDown());
            assertThat(s.eventNames()).containsExactlyInAnyOrder("STOP", "RESUME");
            for (String name : List.of("STOP", "OTHER", "RESUME", "STOP", "SHUTDOWN", "RESUME", "END")) {
                monitor.sendEvent(name, null);
            }
            assertThat(end.await(5, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(100);
            assertThat(got).containsExactly("STOP", "RESUME", "STOP", "RESUME");
            assertThat(c.subscribe(null, null, e -> { }).eventNames()).isEmpty();
            assertThatThrownBy(() -> c.subscribeAny(List.of(), null, e -> { }))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subscribe(null");
            assertThatThrownBy(() -> c.subscribeAny(java.util.Arrays.asList("STOP", null), null, e -> { }))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> c.subscribeAny(List.of("STOP", " "), null, e -> { }))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aSubscriptionThatFallsBehind_isReportedOnceWhenDroppingStarts_andOnceWhenItCaughtUp() throws Exception {
        List<Long> caughtUpDrops = new CopyOnWriteArrayList<>();
        List<EventSubscription> reported = new CopyOnWriteArrayList<>();
        BlockingQueue<String> notices = new LinkedBlockingQueue<>();
        ConnectionListener listener = new ConnectionListener() {
            @Override
            public void onSubscriptionFellBehind(QmpClient client, EventSubscription subscription) {
                reported.add(subscription);
                notices.add("behind");
            }

            @Override
            public void onSubscriptionCaughtUp(QmpClient client, EventSubscription subscription, long dropped) {
                reported.add(subscription);
                caughtUpDrops.add(dropped);
                notices.add("caught up");
            }
        };
        int capacity = 4;
        try (QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()), QmpOptions.builder()
                .eventQueueCapacity(capacity).connectionListener(listener).build())) {
            AtomicReference<CountDownLatch> gate = new AtomicReference<>();
            List<Integer> delivered = new CopyOnWriteArrayList<>();
            EventSubscription slow = c.subscribe("FLOOD", null, e -> {
                try {
                    gate.get().await();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                delivered.add(e.data().get("n").asInt());
            });

            for (int round = 0; round < 2; round++) {
                long droppedBefore = slow.droppedEvents();
                gate.set(new CountDownLatch(1)); // the listener is idle: the last round caught up
                StringBuilder flood = new StringBuilder();
                for (int i = 0; i < 100; i++) {
                    flood.append(FakeMonitor.eventJson("FLOOD", "{\"n\": " + (round * 100 + i) + "}"));
                }
                // Events are offered to subscriptions in arrival order: once END is delivered, the
                // whole flood has been offered to the slow subscription.
                CompletableFuture<QmpEvent> end = c.awaitEvent("END", null, Duration.ofSeconds(5));
                monitor.sendRaw(flood + FakeMonitor.eventJson("END", null));
                end.get(5, TimeUnit.SECONDS);
                assertThat(notices.poll(5, TimeUnit.SECONDS)).isEqualTo("behind");
                gate.get().countDown();
                assertThat(notices.poll(5, TimeUnit.SECONDS)).isEqualTo("caught up");
                assertThat(caughtUpDrops.get(round)).isPositive()
                        .isEqualTo(slow.droppedEvents() - droppedBefore);
            }
            // once per episode, never per dropped event; each time about the slow subscription
            assertThat(notices.poll(200, TimeUnit.MILLISECONDS)).isNull();
            assertThat(reported).hasSize(4).allMatch(s -> s == slow);
            assertThat(delivered).isSorted().contains(99, 199);
        }
    }
}
