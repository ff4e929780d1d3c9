package dev.qmpkit.qmp;

import dev.qmpkit.testing.RecordedQemu;
import dev.qmpkit.testing.ReceivedCommand;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.testing.FakeMonitor;
import dev.qmpkit.qmp.testing.ProtocolErrors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client against the fake monitor: the happy path, routing, timeouts, validation, close. */
@Timeout(30)
class QmpClientTest {
    private FakeMonitor monitor;

    @BeforeEach
    void start() {
        monitor = FakeMonitor.start();
    }

    @AfterEach
    void stop() {
        monitor.close();
    }

    private QmpClient connect(QmpOptions.Builder b) {
        return QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()), b.build());
    }

    @Test
    void negotiatesAndExecutes() {
        try (QmpClient c = connect(QmpOptions.builder())) {
            assertThat(c.state()).isEqualTo(ConnectionState.RUNNING);
            assertThat(c.qemuVersion()).isEqualTo(new QemuVersion(10, 0, 2));
            assertThat(c.greeting().packageName()).startsWith("Debian");
            assertThat(c.oobEnabled()).isTrue();
            assertThat(monitor.capabilitiesArguments().toString()).isEqualTo("{\"enable\":[\"oob\"]}");
            JsonNode status = c.blocking().execute("query-status");
            assertThat(status.get("status").asText()).isEqualTo("running");
            assertThat(monitor.received()).containsExactly("qmp_capabilities", "query-status");
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"10.0", "7.2"})
    void replaysRecordedQemuTranscripts(String version) {
        try (FakeMonitor recorded = FakeMonitor.replaying(RecordedQemu.of(version));
             QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(recorded.socketPath()), QmpOptions.defaults())) {
            assertThat(c.qemuVersion().toString()).startsWith(version);
            JsonNode v = c.blocking().execute("query-version");
            assertThat(v.at("/qemu/major").asInt()).isEqualTo(c.qemuVersion().major());
            assertThat(c.blocking().execute("query-qmp-schema").size()).isGreaterThan(1000);
            assertThat(RecordedQemu.of(version).reply("device_del-error").at("/error/class").asText())
                    .isEqualTo("DeviceNotFound");
        }
    }

    @Test
    void doesNotAskForOobWhenDisabled() {
        try (QmpClient c = connect(QmpOptions.builder().enableOob(false))) {
            assertThat(c.oobEnabled()).isFalse();
            assertThat(monitor.capabilitiesArguments()).isNull();
            assertThatThrownBy(() -> c.execute("query-status", null, CommandOptions.oob()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("oob");
        }
    }

    @Test
    void sendsArgumentsAndExecOob() throws Exception {
        List<JsonNode> seen = new CopyOnWriteArrayList<>();
        monitor.on("echo", r -> {
            seen.add(r.message());
            r.reply(r.arguments().toString());
        });
        try (QmpClient c = connect(QmpOptions.builder())) {
            record Args(String name, int n) { }
            assertThat(c.blocking().execute("echo", new Args("x", 3)).toString()).isEqualTo("{\"name\":\"x\",\"n\":3}");
            assertThat(c.execute("echo", Map.of("a", 1), CommandOptions.oob()).get().get("a").asInt()).isEqualTo(1);
            Args back = c.execute("echo", Map.of("name", "y", "n", 7), Args.class).get();
            assertThat(back).isEqualTo(new Args("y", 7));
            assertThat(seen.get(1).has("exec-oob")).isTrue();
            assertThat(seen.get(0).get("id").asText()).startsWith(QmpClient.ID_PREFIX);
        }
    }

    record Migration(String status, Long totalTime, int setupTime) { }

    @Test
    void executeWithAType_readsRepliesLikeTheTypedCommands_andAMismatchIsAProtocolError() {
        monitor.returns("query-migrate", "{\"status\": \"completed\", \"total-time\": 12, "
                + "\"a-field-from-a-newer-qemu\": [1]}");
        monitor.returns("odd", "{\"status\": \"completed\", \"setup-time\": \"soon\"}");
        try (QmpClient c = connect(QmpOptions.builder())) {
            // kebab-case names, unknown fields ignored, missing ones null (or 0 for primitives)
            assertThat(Futures.await(c.execute("query-migrate", null, Migration.class)))
                    .isEqualTo(new Migration("completed", 12L, 0));
            assertThat(Futures.await(c.execute("query-migrate", null, JsonNode.class)).get("total-time").asInt())
                    .isEqualTo(12);
            assertThatThrownBy(() -> Futures.await(c.execute("odd", null, Migration.class)))
                    .isInstanceOf(QmpProtocolException.class)
                    .hasMessageContaining("'odd'")
                    .hasMessageContaining(Migration.class.getName())
                    .hasMessageContaining("soon");
            assertThat(c.state()).isEqualTo(ConnectionState.RUNNING);
        }
    }

    @Test
    void errorReplyBecomesCommandException() {
        try (QmpClient c = connect(QmpOptions.builder())) {
            assertThatThrownBy(() -> c.blocking().execute("no-such-command"))
                    .isInstanceOfSatisfying(QmpCommandException.class, e -> {
                        assertThat(e.command()).isEqualTo("no-such-command");
                        assertThat(e.errorClass()).isEqualTo("CommandNotFound");
                        assertThat(e.getMessage()).contains("QEMU 10.0.2");
                    });
        }
    }

    @Test
    void validatesAtCallTime() {
        try (QmpClient c = connect(QmpOptions.builder())) {
            assertThatThrownBy(() -> c.execute(" ")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> c.execute(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> c.execute("x", List.of(1, 2))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("JSON object");
            assertThatThrownBy(() -> c.execute("x", "text")).isInstanceOf(IllegalArgumentException.class);
            Object unserialisable = new Object() {
                public Object getSelf() {
                    throw new IllegalStateException("boom");
                }
            };
            assertThatThrownBy(() -> c.execute("x", unserialisable)).isInstanceOf(IllegalArgumentException.class);
            // a JSON null means "no arguments", as in recorded transcripts
            assertThat(c.blocking().execute("query-status",
                    com.fasterxml.jackson.databind.node.NullNode.getInstance())).isNotNull();
            // the connection is still fine afterwards
            assertThat(c.blocking().execute("query-status").get("running").asBoolean()).isTrue();
        }
    }

    @Test
    void routesRepliesById_notByOrder() throws Exception {
        monitor.withhold("slow");
        try (QmpClient c = connect(QmpOptions.builder())) {
            CompletableFuture<JsonNode> first = c.execute("slow", Map.of("n", 1));
            CompletableFuture<JsonNode> second = c.execute("slow", Map.of("n", 2));
            ReceivedCommand r1 = monitor.withheld().poll(5, TimeUnit.SECONDS);
            ReceivedCommand r2 = monitor.withheld().poll(5, TimeUnit.SECONDS);
            r2.reply("{\"n\": 2}");
            assertThat(second.get(5, TimeUnit.SECONDS).get("n").asInt()).isEqualTo(2);
            assertThat(first).isNotDone();
            r1.reply("{\"n\": 1}");
            assertThat(first.get(5, TimeUnit.SECONDS).get("n").asInt()).isEqualTo(1);
        }
    }

    @Test
    void manyThreadsEachGetTheirOwnReply() throws Exception {
        monitor.on("echo", r -> r.reply(r.arguments().toString()));
        try (QmpClient c = connect(QmpOptions.builder())) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<CompletableFuture<Boolean>> all = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                all.add(CompletableFuture.supplyAsync(() -> {
                    List<CompletableFuture<Boolean>> mine = new ArrayList<>();
                    for (int i = 0; i < 2000; i++) {
                        int n = thread * 100_000 + i;
                        mine.add(c.execute("echo", Map.of("n", n)).thenApply(r -> r.get("n").asInt() == n));
                    }
                    return mine.stream().allMatch(CompletableFuture::join);
                }, pool));
            }
            for (CompletableFuture<Boolean> f : all) {
                assertThat(f.get(20, TimeUnit.SECONDS)).isTrue();
            }
            pool.shutdown();
        }
    }

    @Test
    void timeoutFires_andTheLateReplyIsDroppedNotGivenToTheNextCommand() throws Exception {
        monitor.withhold("slow");
        List<QmpProtocolException> protocolErrors = new CopyOnWriteArrayList<>();
        try (QmpClient c = connect(QmpOptions.builder().connectionListener(ProtocolErrors.to(protocolErrors::add)))) {
            CompletableFuture<JsonNode> slow = c.execute("slow", null, CommandOptions.timeout(Duration.ofMillis(200)));
            assertThatThrownBy(() -> Futures.await(slow)).isInstanceOf(QmpTimeoutException.class)
                    .hasMessageContaining("slow");
            ReceivedCommand late = monitor.withheld().poll(5, TimeUnit.SECONDS);
            // the next command is withheld too, then the late reply of the first arrives
            CompletableFuture<JsonNode> next = c.execute("slow", Map.of("next", true));
            ReceivedCommand nextReq = monitor.withheld().poll(5, TimeUnit.SECONDS);
            late.reply("{\"late\": true}");
            Thread.sleep(200);
            assertThat(next).isNotDone();
            nextReq.reply("{\"next\": true}");
            assertThat(next.get(5, TimeUnit.SECONDS).has("next")).isTrue();
            assertThat(protocolErrors).isEmpty();
            assertThat(c.state()).isEqualTo(ConnectionState.RUNNING);
        }
    }

    @Test
    void defaultTimeoutApplies() {
        monitor.withhold("slow");
        try (QmpClient c = connect(QmpOptions.builder().commandTimeout(Duration.ofMillis(150)))) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> c.blocking().execute("slow")).isInstanceOf(QmpTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        }
    }

    @Test
    void greetingThatNeverComes_timesOut() {
        monitor.greeting(null);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> connect(QmpOptions.builder().greetingTimeout(Duration.ofMillis(300))))
                .isInstanceOf(QmpTimeoutException.class).hasMessageContaining("greeting");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void greetingThatIsNotQemus_isAProtocolError() {
        monitor.greeting("{\"hello\": \"I am redis\"}");
        assertThatThrownBy(() -> connect(QmpOptions.builder())).isInstanceOf(QmpProtocolException.class)
                .hasMessageContaining("greeting");
        monitor.greeting("{\"QMP\": {\"version\": \"ten\", \"capabilities\": []}}");
        assertThatThrownBy(() -> connect(QmpOptions.builder())).isInstanceOf(QmpProtocolException.class);
        monitor.greeting("SSH-2.0-OpenSSH_9.2");
        assertThatThrownBy(() -> connect(QmpOptions.builder())).isInstanceOf(QmpException.class);
    }

    @Test
    void refusedCapabilitiesNegotiationFailsTheConnect() {
        monitor.errors("qmp_capabilities", "GenericError", "Capability negotiation is already complete");
        assertThatThrownBy(() -> connect(QmpOptions.builder())).isInstanceOf(QmpProtocolException.class)
                .hasMessageContaining("qmp_capabilities").hasMessageContaining("already complete");
        assertThat(monitor.received()).containsExactly("qmp_capabilities");
    }

    @Test
    void connectToMissingSocketFailsWithConnectionException() {
        assertThatThrownBy(() -> QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath().resolveSibling("nope")),
                QmpOptions.defaults())).isInstanceOf(QmpConnectionException.class).hasMessageContaining("nope");
    }

    @Test
    void connectToAPathThatIsNotASocket_failsClearly(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("not-a-socket"), "x");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> QmpClient.connectBlocking(QmpEndpoint.unix(file), QmpOptions.defaults()))
                .isInstanceOf(QmpConnectionException.class).hasMessageContaining(file.toString())
                .hasMessageContaining("server=on");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
        assertThat(java.nio.file.Files.readString(file)).isEqualTo("x");
    }

    @Test
    void bindRefusesAnExistingPath_andLeavesItAlone(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path file = java.nio.file.Files.writeString(dir.resolve("taken"), "keep me");
        assertThatThrownBy(() -> QmpListener.bind(file, QmpOptions.defaults()))
                .isInstanceOf(QmpConnectionException.class).hasMessageContaining("already exists");
        assertThat(java.nio.file.Files.readString(file)).isEqualTo("keep me");
        assertThatThrownBy(() -> QmpListener.bind(dir.resolve("no/such/dir/sock"), QmpOptions.defaults()))
                .isInstanceOf(QmpConnectionException.class);
    }

    @Test
    void acceptTimesOutWhenNobodyConnects_andAPeerThatNeverGreetsHitsTheGreetingTimeout(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path sock = dir.resolve("l.sock");
        try (QmpListener l = QmpListener.bind(sock, QmpOptions.builder().greetingTimeout(Duration.ofMillis(300)).build())) {
            assertThatThrownBy(() -> Futures.await(l.accept(Duration.ofMillis(200))))
                    .isInstanceOf(QmpTimeoutException.class).hasMessageContaining(sock.toString());
            CompletableFuture<QmpClient> next = l.accept(Duration.ofSeconds(10));
            try (java.nio.channels.SocketChannel silent = java.nio.channels.SocketChannel.open(
                    java.net.UnixDomainSocketAddress.of(sock))) {
                assertThat(silent.isConnected()).isTrue();
                assertThatThrownBy(() -> Futures.await(next)).isInstanceOf(QmpTimeoutException.class)
                        .hasMessageContaining("greeting");
            }
        }
    }

    @Test
    void closedResourcesFailTheConnectFuture() {
        QmpResources r = QmpResources.create(1);
        r.close();
        assertThatThrownBy(() -> connect(QmpOptions.builder().resources(r))).isInstanceOf(QmpConnectionException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void idLessErrorIsReported_andPendingCommandIsUnaffected() throws Exception {
        monitor.withhold("slow");
        CompletableFuture<QmpProtocolException> reported = new CompletableFuture<>();
        try (QmpClient c = connect(QmpOptions.builder().connectionListener(ProtocolErrors.to(reported::complete)))) {
            CompletableFuture<JsonNode> f = c.execute("slow");
            ReceivedCommand r = monitor.withheld().poll(5, TimeUnit.SECONDS);
            monitor.sendRaw("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray 'x'\"}}\r\n");
            assertThat(reported.get(5, TimeUnit.SECONDS).getMessage()).contains("without an id");
            assertThat(f).isNotDone();
            r.reply("{\"ok\": 1}");
            assertThat(f.get(5, TimeUnit.SECONDS).get("ok").asInt()).isEqualTo(1);
        }
    }

    @Test
    void unknownIdIsDroppedAndReported() throws Exception {
        CompletableFuture<QmpProtocolException> reported = new CompletableFuture<>();
        monitor.withhold("slow");
        try (QmpClient c = connect(QmpOptions.builder().connectionListener(ProtocolErrors.to(reported::complete)))) {
            CompletableFuture<JsonNode> f = c.execute("slow");
            ReceivedCommand r = monitor.withheld().poll(5, TimeUnit.SECONDS);
            monitor.sendRaw("{\"return\": {}, \"id\": \"someone-else-1\"}\r\n");
            monitor.sendRaw("{\"return\": {}, \"id\": \"" + QmpClient.ID_PREFIX + "999999\"}\r\n");
            assertThat(reported.get(5, TimeUnit.SECONDS).getMessage()).contains("never sent");
            assertThat(f).isNotDone();
            r.reply("{}");
            f.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void malformedJsonInsideAnObject_isReportedAndTheConnectionSurvives() throws Exception {
        CompletableFuture<QmpProtocolException> reported = new CompletableFuture<>();
        try (QmpClient c = connect(QmpOptions.builder().connectionListener(ProtocolErrors.to(reported::complete)))) {
            monitor.sendRaw("{\"return\": {\"a\": tru}, \"id\": \"qk1\"}\r\n");
            assertThat(reported.get(5, TimeUnit.SECONDS).getMessage()).contains("malformed JSON");
            assertThat(c.blocking().execute("query-status").get("running").asBoolean()).isTrue();
        }
    }

    @Test
    void binaryGarbage_closesTheConnection_pendingFailWithProtocolCause() throws Exception {
        monitor.withhold("slow");
        try (QmpClient c = connect(QmpOptions.builder())) {
            CompletableFuture<JsonNode> f = c.execute("slow");
            monitor.withheld().poll(5, TimeUnit.SECONDS);
            monitor.sendRaw(new byte[] {0, (byte) 0xff, 0x13, 0x37, '\n'});
            assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(QmpConnectionException.class)
                    .hasRootCauseInstanceOf(QmpProtocolException.class);
            assertThat(c.closeFuture().get(5, TimeUnit.SECONDS)).isInstanceOf(QmpConnectionException.class);
            assertThat(c.state()).isEqualTo(ConnectionState.CLOSED);
            assertThatThrownBy(() -> c.blocking().execute("query-status")).isInstanceOf(QmpConnectionException.class);
        }
    }

    @Test
    void oversizedMessage_closesTheConnection_pendingFailWithProtocolCause() throws Exception {
        monitor.withhold("slow");
        try (QmpClient c = connect(QmpOptions.builder().maxMessageSize(64 * 1024))) {
            CompletableFuture<JsonNode> f = c.execute("slow");
            monitor.withheld().poll(5, TimeUnit.SECONDS);
            monitor.sendRaw("{\"event\": \"BIG\", \"data\": {\"s\": \"" + "x".repeat(200_000) + "\"}}\r\n");
            assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
                    .isInstanceOf(java.util.concurrent.ExecutionException.class)
                    .cause().isInstanceOf(QmpConnectionException.class)
                    .cause().isInstanceOf(QmpProtocolException.class).hasMessageContaining("size limit");
        }
    }

    @Test
    void messageUnderTheLimitButLargerThanDefaultFramerLimit_isAccepted() {
        String big = "\"" + "y".repeat(3 * 1024 * 1024) + "\"";
        monitor.returns("big", "{\"s\": " + big + "}");
        try (QmpClient c = connect(QmpOptions.builder())) {
            assertThat(c.blocking().execute("big").get("s").asText()).hasSize(3 * 1024 * 1024);
        }
    }

    @Test
    void theSizeLimitAppliesToOneMessage_notToTheTrafficOfABusyConnection() {
        // Regression: Netty's JsonObjectDecoder compares its limit with the cumulation's writer
        // index, which closed this connection after 16 replies.
        monitor.returns("kb", "{\"s\": \"" + "x".repeat(1000) + "\"}");
        try (QmpClient c = connect(QmpOptions.builder().maxMessageSize(64 * 1024))) {
            List<CompletableFuture<JsonNode>> fs = new ArrayList<>();
            for (int i = 0; i < 5000; i++) {
                fs.add(c.execute("kb"));
            }
            for (CompletableFuture<JsonNode> f : fs) {
                assertThat(f.join().get("s").asText()).hasSize(1000);
            }
            assertThat(c.state()).isEqualTo(ConnectionState.RUNNING);
        }
    }

    @Test
    void framesSplitIntoSingleBytes_andPrettyPrintedJson() {
        monitor.splitWrites(1);
        monitor.returns("pretty", "{\n  \"a\": {\n    \"b\": [1,\n 2]\n  }\n}");
        try (QmpClient c = connect(QmpOptions.builder())) {
            assertThat(c.blocking().execute("pretty").at("/a/b/1").asInt()).isEqualTo(2);
            assertThat(c.blocking().execute("query-status").get("running").asBoolean()).isTrue();
        }
    }

    @Test
    void closeFailsPendingCommands_isIdempotent_andCompletesCloseFuture() throws Exception {
        monitor.withhold("slow");
        CountDownLatch disconnected = new CountDownLatch(1);
        QmpClient c = connect(QmpOptions.builder().connectionListener(new ConnectionListener() {
            @Override
            public void onDisconnected(QmpClient client, QmpException cause, boolean willReconnect) {
                disconnected.countDown();
            }
        }));
        CompletableFuture<JsonNode> f = c.execute("slow");
        monitor.withheld().poll(5, TimeUnit.SECONDS);
        c.close();
        c.close();
        assertThatThrownBy(() -> f.get(1, TimeUnit.SECONDS)).hasCauseInstanceOf(QmpConnectionException.class);
        assertThat(c.closeFuture()).isDone();
        assertThat(c.state()).isEqualTo(ConnectionState.CLOSED);
        assertThat(disconnected.await(5, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> Futures.await(c.execute("query-status"))).isInstanceOf(QmpConnectionException.class);
    }

    @Test
    void peerClosingFailsPendingPromptly() throws Exception {
        monitor.withhold("slow");
        try (QmpClient c = connect(QmpOptions.builder())) {
            List<CompletableFuture<JsonNode>> fs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                fs.add(c.execute("slow"));
            }
            while (monitor.withheld().size() < 10) {
                Thread.sleep(10);
            }
            long t0 = System.nanoTime();
            monitor.dropConnections();
            for (CompletableFuture<JsonNode> f : fs) {
                assertThatThrownBy(() -> f.get(1, TimeUnit.SECONDS)).cause()
                        .isInstanceOf(QmpConnectionException.class).hasMessageContaining("lost")
                        .cause().isNotNull();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
            assertThat(c.closeFuture().get(1, TimeUnit.SECONDS)).isInstanceOf(QmpConnectionException.class);
        }
    }

    @Test
    void borrowedResourcesAreNotClosed() {
        try (QmpResources r = QmpResources.create(1)) {
            QmpClient c = connect(QmpOptions.builder().resources(r));
            c.close();
            try (QmpClient c2 = connect(QmpOptions.builder().resources(r))) {
                assertThat(c2.blocking().execute("query-status").get("running").asBoolean()).isTrue();
            }
        }
        QmpResources.shared().close(); // a no-op
        try (QmpClient c = connect(QmpOptions.builder())) {
            assertThat(c.blocking().execute("query-status")).isNotNull();
        }
    }

    @Test
    void anErrorFromAConnectionListenerReachesTheExecutor_andLaterCallbacksStillRun() throws Exception {
        List<Throwable> escaped = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        java.util.concurrent.Executor recording = r -> pool.execute(() -> {
            try {
                r.run();
            } catch (Throwable t) {
                escaped.add(t);
            }
        });
        CountDownLatch disconnected = new CountDownLatch(1);
        try {
            QmpClient c = connect(QmpOptions.builder().eventExecutor(recording).connectionListener(
                    new ConnectionListener() {
                        @Override
                        public void onConnected(QmpClient client, Greeting greeting, boolean reconnect) {
                            throw new OutOfMemoryError("simulated");
                        }

                        @Override
                        public void onDisconnected(QmpClient client, QmpException cause, boolean willReconnect) {
                            disconnected.countDown();
                        }
                    }));
            c.close();
            assertThat(disconnected.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(escaped).singleElement().isInstanceOf(OutOfMemoryError.class);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void oneConnectionListenerServesManyClients_eachCallNamesItsClient() throws Exception {
        java.util.concurrent.BlockingQueue<String> calls = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.Map<QmpClient, String> names = new java.util.concurrent.ConcurrentHashMap<>();
        ConnectionListener shared = new ConnectionListener() {
            @Override
            public void onConnected(QmpClient client, Greeting greeting, boolean reconnect) {
                calls.add("connected " + client.options().commandTimeout().toSeconds());
            }

            @Override
            public void onDisconnected(QmpClient client, QmpException cause, boolean willReconnect) {
                calls.add("disconnected " + names.get(client));
            }
        };
        try (FakeMonitor other = FakeMonitor.start()) {
            QmpClient a = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()), QmpOptions.builder()
                    .commandTimeout(Duration.ofSeconds(11)).connectionListener(shared).build());
            QmpClient b = QmpClient.connectBlocking(QmpEndpoint.unix(other.socketPath()), QmpOptions.builder()
                    .commandTimeout(Duration.ofSeconds(22)).connectionListener(shared).build());
            names.put(a, "a");
            names.put(b, "b");
            assertThat(List.of(calls.poll(5, TimeUnit.SECONDS), calls.poll(5, TimeUnit.SECONDS)))
                    .containsExactlyInAnyOrder("connected 11", "connected 22");
            other.dropConnections();
            assertThat(calls.poll(5, TimeUnit.SECONDS)).isEqualTo("disconnected b");
            a.close();
            assertThat(calls.poll(5, TimeUnit.SECONDS)).isEqualTo("disconnected a");
            b.close();
            assertThat(calls.poll(200, TimeUnit.MILLISECONDS)).isNull();
        }
    }
}
