package dev.qmpkit.qmp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.QmpCommandException;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpProtocolException;
import dev.qmpkit.testing.FakeMonitor;
import io.netty.channel.unix.FileDescriptor;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The protocol handler alone, in Netty's EmbeddedChannel: framing, handshake, routing, faults. */
class QmpConnectionTest {

    @Test
    void noCommandGoesOutBeforeNegotiation_andHandshakeParsesTheGreeting() throws Exception {
        EmbeddedQmp q = new EmbeddedQmp();
        assertThat(q.written()).isNull();
        q.feed(FakeMonitor.GREETING_10_0 + "\r\n");
        String caps = q.written();
        assertThat(caps).contains("\"execute\":\"qmp_capabilities\"").contains("\"enable\":[\"oob\"]")
                .contains("\"id\":\"qk1\"");
        assertThat(q.handshake.result()).isNotDone();
        q.feed("{\"return\": {}, \"id\": \"qk1\"}");
        assertThat(q.handshake.result().join().greeting().version().major()).isEqualTo(10);
        assertThat(q.handshake.result().join().oob()).isTrue();
        assertThat(q.channel.pipeline().get(QmpHandshakeHandler.class)).isNull();
    }

    @Test
    void everyByteSplit_greetingRepliesAndEvents() throws Exception {
        EmbeddedQmp q = new EmbeddedQmp();
        for (byte b : (FakeMonitor.GREETING_10_0 + "\r\n").getBytes(StandardCharsets.UTF_8)) {
            q.feed(new byte[] {b});
        }
        q.written();
        byte[] capsReply = "{\"return\": {}, \"id\": \"qk1\"}\r\n".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < capsReply.length; i++) {
            if (i <= capsReply.length - 3) { // done once the closing brace arrives, before \r\n
                assertThat(q.handshake.result()).isNotDone();
            }
            q.feed(new byte[] {capsReply[i]});
        }
        assertThat(q.handshake.result()).isCompleted();
        PendingCommand p = q.send("query-status", null);
        assertThat(q.written()).contains("query-status");
        String both = FakeMonitor.eventJson("STOP", null)
                + "{\n  \"return\": {\"s\": \"a}{\\\"b\"},\n  \"id\": \"qk2\"\n}\r\n";
        byte[] bytes = both.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (i <= bytes.length - 3) {
                assertThat(p.future).isNotDone();
            }
            q.feed(new byte[] {bytes[i]});
        }
        assertThat(p.future.join().get("s").asText()).isEqualTo("a}{\"b");
        assertThat(q.events).extracting(e -> e.name()).containsExactly("STOP");
        assertThat(q.protocolErrors).isEmpty();
    }

    @Test
    void routesByIdNotOrder_andMapsErrors() throws Exception {
        EmbeddedQmp q = new EmbeddedQmp().negotiate();
        PendingCommand a = q.send("a", null);
        PendingCommand b = q.send("b", Map.of("x", 1));
        PendingCommand c = q.send("c", null);
        q.feed(EmbeddedQmp.replyFor(c, "{\"c\": 1}") + EmbeddedQmp.replyFor(a, "{\"a\": 1}")
                + "{\"error\": {\"class\": \"DeviceNotFound\", \"desc\": \"no such device\"}, \"id\": \"qk"
                + b.id + "\"}");
        assertThat(a.future.join().has("a")).isTrue();
        assertThat(c.future.join().has("c")).isTrue();
        assertThat(b.future).isCompletedExceptionally();
        try {
            b.future.join();
        } catch (CompletionException e) {
            assertThat(e.getCause()).isInstanceOfSatisfying(QmpCommandException.class, ce -> {
                assertThat(ce.command()).isEqualTo("b");
                assertThat(ce.errorClass()).isEqualTo("DeviceNotFound");
                assertThat(ce.description()).isEqualTo("no such device");
                assertThat(ce.getMessage()).contains("10.0.2");
            });
        }
    }

    @Test
    void idLessError_isAProtocolError_unlessItIsTheExpectedFdStrayByteError() throws Exception {
        EmbeddedQmp q = new EmbeddedQmp().negotiate();
        PendingCommand plain = q.send("slow", null);
        q.written();
        q.feed("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u0000'\"}}");
        assertThat(q.protocolErrors).hasSize(1);
        assertThat(plain.future).isNotDone();
        PendingCommand withFd = q.send("add-fd", Map.of("fdset-id", 1), new FileDescriptor(12345));
        // the descriptor goes out immediately before its command
        assertThat(q.written()).contains("12345");
        assertThat(q.written()).contains("add-fd");
        q.feed("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\u0000'\"}}");
        assertThat(q.protocolErrors).hasSize(1);
        assertThat(withFd.future).isNotDone();
        q.feed(EmbeddedQmp.replyFor(withFd, "{\"fdset-id\": 1, \"fd\": 10}"));
        assertThat(withFd.future.join().get("fd").asInt()).isEqualTo(10);
        assertThat(plain.future).isNotDone();
    }

    @Test
    void unknownAndLateIds() throws Exception {
        EmbeddedQmp q = new EmbeddedQmp().negotiate();
        PendingCommand p = q.send("x", null);
        q.feed(EmbeddedQmp.replyFor(p, "{}"));
        q.feed(EmbeddedQmp.replyFor(p, "{\"dup\": 1}")); // a duplicate of an answered id: dropped quietly
        assertThat(q.protocolErrors).isEmpty();
        q.feed("{\"return\": {}, \"id\": \"qk77\"}{\"return\": {}, \"id\": 5}{\"return\": {}, \"id\": \"foo\"}");
        assertThat(q.protocolErrors).hasSize(3);
        assertThat(p.future.join().has("dup")).isFalse();
    }

    @Test
    void malformedJson_deepNesting_andNonObjects_areReported_withoutClosingOrCompleting() throws Exception {
        EmbeddedQmp q = new EmbeddedQmp().negotiate();
        PendingCommand p = q.send("x", null);
        q.feed("{\"return\": {\"a\": nope}, \"id\": \"qk" + p.id + "\"}");
        q.feed("{\"return\": " + "[".repeat(5000) + "]".repeat(5000) + ", \"id\": \"qk" + p.id + "\"}");
        q.feed("[1, 2, 3]");
        q.feed("{\"neither\": 1}");
        q.feed("{\"QMP\": {}}");
        assertThat(q.protocolErrors).hasSize(5);
        assertThat(q.protocolErrors.get(1).getMessage()).containsIgnoringCase("nesting");
        assertThat(p.future).isNotDone();
        assertThat(q.channel.isActive()).isTrue();
        q.feed(EmbeddedQmp.replyFor(p, "{\"ok\": true}"));
        assertThat(p.future.join().get("ok").asBoolean()).isTrue();
    }

    @Test
    void garbageOutsideAnObject_closesTheConnection_andFailsPendingWithTheProtocolCause() throws Exception {
        EmbeddedQmp q = new EmbeddedQmp().negotiate();
        PendingCommand p = q.send("x", null);
        q.feed(new byte[] {(byte) 0xde, (byte) 0xad, 0x00});
        q.channel.checkException();
        assertThat(q.channel.isActive()).isFalse();
        assertThat(p.future).isCompletedExceptionally();
        assertThat(p.future.handle((v, e) -> e).join()).isInstanceOf(QmpConnectionException.class)
                .hasCauseInstanceOf(QmpProtocolException.class);
        assertThat(q.closedWith).isNotNull();
        assertThat(q.protocolErrors).hasSize(1);
    }

    @Test
    void oversizedMessage_closesTheConnection() throws Exception {
        EmbeddedQmp q = new EmbeddedQmp(64 * 1024).negotiate();
        PendingCommand p = q.send("x", null);
        q.feed("{\"return\": \"" + "z".repeat(70 * 1024) + "\", \"id\": \"qk" + p.id + "\"}");
        assertThat(q.channel.isActive()).isFalse();
        assertThat(p.future.handle((v, e) -> e).join()).isInstanceOf(QmpConnectionException.class)
                .cause().isInstanceOf(QmpProtocolException.class).hasMessageContaining("size limit");
    }

    @Test
    void aMessageOfExactlyTheLimitIsAccepted() throws Exception {
        EmbeddedQmp q = new EmbeddedQmp(64 * 1024).negotiate();
        PendingCommand p = q.send("x", null);
        String head = "{\"return\": \"";
        String tail = "\", \"id\": \"qk" + p.id + "\"}";
        String exact = head + "a".repeat(64 * 1024 - head.length() - tail.length()) + tail;
        assertThat(exact.length()).isEqualTo(64 * 1024);
        for (int i = 0; i < 3; i++) { // leading whitespace and several reads do not count against it
            q.feed("\r\n  ");
        }
        q.feed(exact.substring(0, 1000));
        q.feed(exact.substring(1000));
        assertThat(p.future.join().asText()).hasSize(64 * 1024 - head.length() - tail.length());
        assertThat(q.channel.isActive()).isTrue();
    }

    @Test
    void nonQemuGreeting_failsTheHandshake_andCloses() {
        EmbeddedQmp q = new EmbeddedQmp();
        q.feed("{\"return\": {}}");
        assertThat(q.handshake.result()).isCompletedExceptionally();
        assertThat(q.handshake.result().handle((v, e) -> e).join()).isInstanceOf(QmpProtocolException.class);
        assertThat(q.channel.isActive()).isFalse();
        assertThat(q.written()).isNull();
    }

    @Test
    void commandsQueuedAfterClose_failAtOnce() throws Exception {
        EmbeddedQmp q = new EmbeddedQmp().negotiate();
        q.channel.close();
        PendingCommand p = q.send("x", null);
        assertThat(p.future.handle((v, e) -> e).join()).isInstanceOf(QmpConnectionException.class);
    }

    @Test
    void withoutAHandshake_aGreetingLessProtocolRoutesFromTheStart() throws Exception {
        // The guest agent speaks QMP's framing and replies without a greeting: its pipeline leaves
        // the handshake out, and the connection routes replies and events at once.
        EmbeddedQmp q = EmbeddedQmp.withoutHandshake();
        PendingCommand p = q.send("guest-ping", null);
        assertThat(q.written()).contains("\"execute\":\"guest-ping\"");
        q.feed(FakeMonitor.eventJson("X", null) + EmbeddedQmp.replyFor(p, "{}"));
        assertThat(p.future.join().isEmpty()).isTrue();
        assertThat(q.events).extracting(e -> e.name()).containsExactly("X");
        assertThat(q.protocolErrors).isEmpty();
    }

    @Test
    void duringTheHandshake_otherMessagesPassOnToTheConnection() throws Exception {
        EmbeddedQmp q = new EmbeddedQmp();
        q.feed(FakeMonitor.GREETING_10_0 + "\r\n");
        q.written();
        // before the capabilities reply: an event, a stray reply; the reply to qmp_capabilities
        // and an event in the same read as it
        q.feed(FakeMonitor.eventJson("EARLY", null) + "{\"return\": {}, \"id\": \"qk99\"}");
        assertThat(q.handshake.result()).isNotDone();
        q.feed("{\"return\": {}, \"id\": \"qk1\"}" + FakeMonitor.eventJson("LATE", null));
        assertThat(q.handshake.result()).isCompleted();
        assertThat(q.events).extracting(e -> e.name()).containsExactly("EARLY", "LATE");
        assertThat(q.protocolErrors).singleElement().extracting(Throwable::getMessage).asString()
                .contains("never sent");
    }
}
