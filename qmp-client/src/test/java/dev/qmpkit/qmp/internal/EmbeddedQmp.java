package dev.qmpkit.qmp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpEvent;
import dev.qmpkit.qmp.QmpProtocolException;
import dev.qmpkit.testing.FakeMonitor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.HashedWheelTimer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client's pipeline (framer, {@link QmpHandshakeHandler}, {@link QmpConnection}) in an
 * {@link EmbeddedChannel}, with a recording owner. Test helper.
 */
final class EmbeddedQmp implements QmpConnection.Owner {
    static final HashedWheelTimer TIMER = new HashedWheelTimer(10, TimeUnit.MILLISECONDS);

    final AtomicLong ids = new AtomicLong();
    final List<QmpEvent> events = new CopyOnWriteArrayList<>();
    final List<QmpProtocolException> protocolErrors = new CopyOnWriteArrayList<>();
    volatile QmpConnectionException closedWith;
    final QmpHandshakeHandler handshake;
    final QmpConnection connection;
    final EmbeddedChannel channel;

    EmbeddedQmp(int maxMessageSize) {
        this(maxMessageSize, true);
    }

    private EmbeddedQmp(int maxMessageSize, boolean withHandshake) {
        handshake = withHandshake ? new QmpHandshakeHandler("embedded", ids::incrementAndGet, true,
                Duration.ofSeconds(60), maxMessageSize) : null;
        connection = new QmpConnection(this, "embedded", TIMER, maxMessageSize);
        channel = new EmbeddedChannel();
        Transports.initPipeline(channel, maxMessageSize, handshake, connection);
        channel.pipeline().fireChannelActive();
    }

    EmbeddedQmp() {
        this(1 << 20);
    }

    /** @return the pipeline of a protocol without a greeting: framer and connection only */
    static EmbeddedQmp withoutHandshake() {
        return new EmbeddedQmp(1 << 20, false);
    }

    @Override
    public void onEvent(QmpEvent event) {
        events.add(event);
    }

    @Override
    public void onProtocolError(QmpProtocolException problem) {
        protocolErrors.add(problem);
    }

    @Override
    public void onClosed(QmpConnection c, QmpConnectionException cause) {
        closedWith = cause;
    }

    void feed(String text) {
        feed(text.getBytes(StandardCharsets.UTF_8));
    }

    void feed(byte[] bytes) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes));
        channel.runPendingTasks();
    }

    /** @return the next message the client wrote, as text, or null */
    String written() {
        channel.runPendingTasks();
        Object o = channel.readOutbound();
        if (o == null) {
            return null;
        }
        if (o instanceof ByteBuf b) {
            try {
                return b.toString(StandardCharsets.UTF_8);
            } finally {
                b.release();
            }
        }
        return o.toString();
    }

    /** Greeting plus capabilities reply: the connection is running afterwards. */
    EmbeddedQmp negotiate() throws Exception {
        feed(FakeMonitor.GREETING_10_0 + "\r\n");
        JsonNode caps = new ObjectMapper().readTree(written());
        assertThat(caps.get("execute").asText()).isEqualTo("qmp_capabilities");
        feed("{\"return\": {}, \"id\": " + caps.get("id") + "}\r\n");
        assertThat(handshake.result()).isCompleted();
        assertThat(channel.pipeline().get(QmpHandshakeHandler.class)).isNull();
        return this;
    }

    PendingCommand send(String command, Object args) {
        return send(command, args, null);
    }

    PendingCommand send(String command, Object args, FileDescriptor fd) {
        long id = ids.incrementAndGet();
        PendingCommand p = new PendingCommand(id, command,
                QmpMessages.encodeCommand(ByteBufAllocator.DEFAULT, command, id, args, false), fd,
                TimeUnit.SECONDS.toNanos(60));
        connection.submit(p);
        channel.runPendingTasks();
        return p;
    }

    static String replyFor(PendingCommand p, String returnJson) {
        return "{\"return\": " + returnJson + ", \"id\": \"" + QmpMessages.wireId(p.id) + "\"}\r\n";
    }
}
