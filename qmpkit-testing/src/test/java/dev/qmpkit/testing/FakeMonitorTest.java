package dev.qmpkit.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The kit seen from a plain socket (no qmp-client: the fake and the client share no code), one
 * line per message as the fake writes them: what a test script sets up is what a client reads.
 */
class FakeMonitorTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(10);

    /** A blocking line-based client on the fake's socket. */
    private static final class Wire implements AutoCloseable {
        final SocketChannel channel;
        final BufferedReader in;
        final OutputStream out;

        Wire(FakeMonitor m) throws IOException {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(m.socketPath()));
            in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            out = Channels.newOutputStream(channel);
        }

        void send(String json) throws IOException {
            out.write((json + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String line() throws IOException {
            return in.readLine();
        }

        JsonNode message() throws IOException {
            String l = line();
            assertThat(l).as("a message before the end of the stream").isNotNull();
            return MAPPER.readTree(l);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    @Test
    void greetsNegotiatesAndKeepsEveryCommandForInspection() throws Exception {
        try (FakeMonitor m = FakeMonitor.start(); Wire w = new Wire(m)) {
            assertThat(m.awaitConnection(WAIT)).isTrue();
            assertThat(w.message().at("/QMP/version/qemu/major").asInt()).isEqualTo(10);
            w.send("{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}, \"id\": 1}");
            assertThat(w.message().toString()).isEqualTo("{\"return\":{},\"id\":1}");
            w.send("{\"execute\": \"query-status\", \"id\": \"str-7\"}");
            assertThat(w.message().get("id").asText()).as("ids come back as sent, of any type").isEqualTo("str-7");
            w.send("{\"exec-oob\": \"no-such-command\", \"id\": 3}");
            assertThat(w.message().at("/error/class").asText()).isEqualTo("CommandNotFound");

            ReceivedCommand first = m.takeCommand(WAIT);
            assertThat(first.name()).isEqualTo("qmp_capabilities");
            assertThat(first.arguments().toString()).isEqualTo("{\"enable\":[\"oob\"]}");
            assertThat(m.capabilitiesArguments()).isEqualTo(first.arguments());
            assertThat(m.takeCommand(WAIT).id().asText()).isEqualTo("str-7");
            ReceivedCommand oob = m.takeCommand(WAIT);
            assertThat(oob.outOfBand()).isTrue();
            assertThat(oob.name()).isEqualTo("no-such-command");
            assertThat(m.received()).containsExactly("qmp_capabilities", "query-status", "no-such-command");
            assertThat(m.commandCount()).isEqualTo(3);
        }
    }

    @Test
    void queuedRepliesComeFirstInOrderThenTheHandler() throws Exception {
        try (FakeMonitor m = FakeMonitor.start().greeting(null); Wire w = new Wire(m)) {
            m.returns("query-name", "{\"name\": \"standing\"}")
                    .enqueue("query-name", Reply.returning("{\"name\": \"first\"}"),
                            Reply.error("GenericError", "second fails"));
            for (int i = 1; i <= 3; i++) {
                w.send("{\"execute\": \"query-name\", \"id\": " + i + "}");
            }
            assertThat(w.message().toString()).isEqualTo("{\"return\":{\"name\":\"first\"},\"id\":1}");
            assertThat(w.message().toString())
                    .isEqualTo("{\"error\":{\"class\":\"GenericError\",\"desc\":\"second fails\"},\"id\":2}");
            assertThat(w.message().toString()).isEqualTo("{\"return\":{\"name\":\"standing\"},\"id\":3}");
        }
    }

    @Test
    void aWithheldCommandIsAnsweredLaterFromTheTest() throws Exception {
        try (FakeMonitor m = FakeMonitor.start().greeting(null); Wire w = new Wire(m)) {
            m.withhold("stop");
            w.send("{\"execute\": \"stop\", \"id\": 5}");
            w.send("{\"execute\": \"query-status\", \"id\": 6}");
            assertThat(w.message().get("id").asInt()).as("the next command is not held up").isEqualTo(6);
            ReceivedCommand stop = m.withheld().poll(10, TimeUnit.SECONDS);
            assertThat(stop.name()).isEqualTo("stop");
            stop.reply("{}");
            assertThat(w.message().toString()).isEqualTo("{\"return\":{},\"id\":5}");
        }
    }

    @Test
    void eventsBeforeTheReplyAndEventsPushedByTheTest() throws Exception {
        try (FakeMonitor m = FakeMonitor.start().greeting(null); Wire w = new Wire(m)) {
            m.on("stop", Reply.returning("{}").afterEvent("STOP", null));
            w.send("{\"execute\": \"stop\", \"id\": 1}");
            JsonNode event = w.message();
            assertThat(event.get("event").asText()).isEqualTo("STOP");
            assertThat(event.at("/timestamp/seconds").asLong()).isPositive();
            assertThat(w.message().get("id").asInt()).isEqualTo(1);
            m.sendEvent("BALLOON_CHANGE", "{\"actual\": 1024}");
            assertThat(w.message().at("/data/actual").asInt()).isEqualTo(1024);
        }
    }

    @Test
    void malformedJsonAndRawBytesGoOutAsGiven() throws Exception {
        try (FakeMonitor m = FakeMonitor.start().greeting(null); Wire w = new Wire(m)) {
            m.enqueue("query-status", Reply.raw("{\"return\": [1, 2 3]}\r\n"));
            w.send("{\"execute\": \"query-status\", \"id\": 1}");
            assertThat(w.line()).isEqualTo("{\"return\": [1, 2 3]}");
            w.send("{\"execute\": \"query-status\", \"id\": 2 oops}");
            assertThat(w.message().toString()).as("QEMU's answer to a message it cannot parse: no id")
                    .isEqualTo("{\"error\":{\"class\":\"GenericError\",\"desc\":\"JSON parse error\"}}");
            m.sendRaw(new byte[] {'"', (byte) 0xC3, '"', '\n'});
            assertThat(w.line()).isEqualTo("\"\uFFFD\"");
        }
    }

    @Test
    void aSplitReplyArrivesWholeAfterItsPieces() throws Exception {
        try (FakeMonitor m = FakeMonitor.start().greeting(null); Wire w = new Wire(m)) {
            // On the wire: {"return":{"desc":"a\nb é"}, "id": 1}. Cut inside "return", between the
            // escape's backslash and its letter, and inside "é" (2 bytes in UTF-8).
            String value = "{\"desc\": \"a\\nb \u00e9\"}";
            m.enqueue("query-x", Reply.returning(value).splitAt(4, 21, 25));
            w.send("{\"execute\": \"query-x\", \"id\": 1}");
            assertThat(w.message().at("/return/desc").asText()).isEqualTo("a\nb \u00e9");
        }
    }

    @Test
    void aDelayedReplyWaitsAndDoesNotHoldUpOthers() throws Exception {
        try (FakeMonitor m = FakeMonitor.start().greeting(null); Wire w = new Wire(m)) {
            m.enqueue("migrate", Reply.returning("{}").delayed(Duration.ofMillis(300)));
            long t0 = System.nanoTime();
            w.send("{\"execute\": \"migrate\", \"id\": 1}");
            w.send("{\"execute\": \"query-status\", \"id\": 2}");
            assertThat(w.message().get("id").asInt()).isEqualTo(2);
            assertThat(w.message().get("id").asInt()).isEqualTo(1);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        }
    }

    @Test
    void noReplyThenDisconnectIsAMonitorThatDiesMidCommand() throws Exception {
        try (FakeMonitor m = FakeMonitor.start().greeting(null); Wire w = new Wire(m)) {
            m.enqueue("quit", Reply.none().thenDisconnect());
            w.send("{\"execute\": \"quit\", \"id\": 1}");
            assertThat(w.line()).as("end of stream, no reply").isNull();
            try (Wire again = new Wire(m)) {
                again.send("{\"execute\": \"quit\", \"id\": 2}");
                assertThat(again.message().toString()).as("a queued reply is used once; then QEMU's error")
                        .contains("CommandNotFound");
            }
        }
    }

    @Test
    void dropConnectionsEndsEveryClientButKeepsListening() throws Exception {
        try (FakeMonitor m = FakeMonitor.start().greeting(null); Wire w = new Wire(m)) {
            assertThat(m.awaitConnection(WAIT)).isTrue();
            m.dropConnections();
            assertThat(w.line()).isNull();
            try (Wire again = new Wire(m)) {
                assertThat(m.awaitConnection(WAIT)).isTrue();
                assertThat(m.openConnections()).isEqualTo(1);
            }
        }
    }

    @Test
    void scriptingMistakesAreRefusedAtOnce() {
        assertThatThrownBy(() -> Reply.returning("{not json")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Reply.raw");
        assertThatThrownBy(() -> Reply.none().splitAt(5, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Reply.none().delayed(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RecordedQemu.QEMU_7_2.reply("query-nothing"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("query-status-after");
        try (FakeMonitor m = FakeMonitor.start()) {
            assertThatThrownBy(() -> m.sendEvent("STOP", null)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no client is connected");
            m.close(); // and once more by try-with-resources: closing is idempotent
            assertThat(m.socketPath()).doesNotExist();
        }
    }

    @ParameterizedTest
    @EnumSource(RecordedQemu.class)
    void replayingARecordedQemuAnswersAsItDid(RecordedQemu qemu) throws Exception {
        try (FakeMonitor m = FakeMonitor.replaying(qemu); Wire w = new Wire(m)) {
            JsonNode greeting = w.message();
            assertThat(greeting.at("/QMP/version/qemu/major").asInt() + "." + greeting.at("/QMP/version/qemu/minor")
                    .asInt()).isEqualTo(qemu.version());
            w.send("{\"execute\": \"qmp_capabilities\", \"id\": 1}");
            assertThat(w.message().get("id").asInt()).isEqualTo(1);
            w.send("{\"execute\": \"device_del\", \"arguments\": {\"id\": \"nope\"}, \"id\": 2}");
            JsonNode error = w.message();
            assertThat(error.at("/error/class").asText()).isEqualTo("DeviceNotFound");
            assertThat(error.get("id").asInt()).isEqualTo(2);
            w.send("{\"execute\": \"query-version\", \"id\": 3}");
            JsonNode version = w.message();
            assertThat(version.get("return")).isEqualTo(qemu.reply("query-version").get("return"));
            assertThat(version.get("id").asInt()).isEqualTo(3);
        }
        // Every recording is there, readable, and says which command it answers.
        assertThat(qemu.recordings()).contains("query-qmp-schema", "query-status-after", "device_del-error")
                .hasSizeGreaterThan(20);
        for (String r : qemu.recordings()) {
            assertThat(qemu.reply(r).has("return") || qemu.reply(r).has("error")).as(r).isTrue();
            assertThat(r).startsWith(qemu.command(r));
        }
        assertThat(qemu.arguments("qom-get").get("property").asText()).isEqualTo("type");
    }

    @Test
    void handlersRunOnTheMonitorsThreadSoSlowOnesCanBeMovedOff() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (FakeMonitor m = FakeMonitor.start().greeting(null); Wire w = new Wire(m)) {
            m.on("slow", c -> pool.execute(() -> c.reply("\"done\"")));
            w.send("{\"execute\": \"slow\", \"id\": 1}");
            Future<JsonNode> reply = pool.submit(w::message);
            assertThat(reply.get(10, TimeUnit.SECONDS).get("return").asText()).isEqualTo("done");
        } finally {
            pool.shutdownNow();
        }
    }
}
