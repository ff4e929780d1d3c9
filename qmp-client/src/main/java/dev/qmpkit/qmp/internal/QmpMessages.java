package dev.qmpkit.qmp.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qmpkit.qmp.Greeting;
import dev.qmpkit.qmp.QemuVersion;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpEvent;
import dev.qmpkit.qmp.QmpProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place QMP messages are parsed and commands are serialised. Parsing reads a framed
 * JSON object once with Jackson and classifies it; serialising writes a command straight into a
 * {@link ByteBuf} on the caller's thread, so the I/O thread only copies bytes to the socket.
 */
public final class QmpMessages {

    /** Jackson's default nesting limit (1000) is kept; deeper input is a protocol error, never a stack overflow. */
    private static final int MAX_NESTING = 1000;

    /**
     * Serialises command arguments, with Jackson's defaults (names as the caller wrote them).
     * Never handed out: replies are converted by {@link Replies}, the one reply policy.
     */
    private static final ObjectMapper ARGUMENTS = new ObjectMapper();

    private static final JsonNode EMPTY_OBJECT = JsonNodeFactory.instance.objectNode();

    private QmpMessages() {
    }

    /** Kinds of message the peer sends. */
    public enum Kind { GREETING, RETURN, ERROR, EVENT, UNKNOWN }

    /**
     * A parsed inbound message.
     *
     * @param kind what it is
     * @param node the whole message
     * @param id the command id when it carries one of ours ({@value QmpClient#ID_PREFIX}N), else -1
     * @param rawId the id as sent, or null when absent
     */
    public record Inbound(Kind kind, JsonNode node, long id, JsonNode rawId) {
        /** @return the {@code return} member */
        public JsonNode returnValue() {
            JsonNode r = node.get("return");
            return r == null ? EMPTY_OBJECT : r;
        }

        /** @return the error class, never null */
        public String errorClass() {
            JsonNode e = node.get("error");
            JsonNode c = e == null ? null : e.get("class");
            return c != null && c.isTextual() ? c.asText() : "GenericError";
        }

        /** @return the error description, never null */
        public String errorDesc() {
            JsonNode e = node.get("error");
            JsonNode d = e == null ? null : e.get("desc");
            return d != null && d.isTextual() ? d.asText() : "(no description)";
        }
    }

    /** Parser for one connection, bound to its size limit. */
    public static final class Parser {
        private final ObjectMapper mapper;

        /** @param maxMessageSize the connection's message size limit */
        public Parser(int maxMessageSize) {
            JsonFactory factory = JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_NESTING)
                            .maxStringLength(Math.max(maxMessageSize, StreamReadConstraints.DEFAULT_MAX_STRING_LEN))
                            .build())
                    .build();
            this.mapper = new ObjectMapper(factory);
        }

        /**
         * Parses one framed message. Never returns null.
         *
         * @param frame one JSON object as framed by the decoder; not released here
         * @return the classified message
         * @throws QmpProtocolException when it is not a JSON object or does not parse
         */
        public Inbound parse(ByteBuf frame) {
            JsonNode node;
            try {
                node = mapper.readTree(new ByteBufInputStream(frame.duplicate()));
            } catch (IOException | RuntimeException e) {
                throw new QmpProtocolException("malformed JSON from the monitor (" + frame.readableBytes()
                        + " bytes): " + e.getClass().getSimpleName() + ": " + firstLine(e.getMessage()), e);
            }
            if (node == null || !node.isObject()) {
                throw new QmpProtocolException("monitor sent a JSON value that is not an object");
            }
            return classify(node);
        }
    }

    /**
     * @param node a JSON object from the monitor; never null
     * @return the classified message
     */
    public static Inbound classify(JsonNode node) {
        JsonNode rawId = node.get("id");
        long id = ourId(rawId);
        if (node.has("return")) {
            return new Inbound(Kind.RETURN, node, id, rawId);
        }
        if (node.has("error")) {
            return new Inbound(Kind.ERROR, node, id, rawId);
        }
        if (node.has("event")) {
            return new Inbound(Kind.EVENT, node, id, rawId);
        }
        if (node.has("QMP")) {
            return new Inbound(Kind.GREETING, node, id, rawId);
        }
        return new Inbound(Kind.UNKNOWN, node, id, rawId);
    }

    private static long ourId(JsonNode rawId) {
        if (rawId == null || !rawId.isTextual()) {
            return -1;
        }
        String s = rawId.asText();
        int p = QmpClient.ID_PREFIX.length();
        if (!s.startsWith(QmpClient.ID_PREFIX) || s.length() == p || s.length() > p + 18) {
            return -1;
        }
        long v = 0;
        for (int i = p; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /**
     * Reads QEMU's greeting: {@code {"QMP": {"version": {"qemu": {...}, "package": "..."}, "capabilities": [...]}}}.
     *
     * @param node the first message; never null
     * @return the greeting
     * @throws QmpProtocolException when the message is not a QEMU greeting
     */
    public static Greeting greeting(JsonNode node) {
        JsonNode qmp = node.get("QMP");
        JsonNode version = qmp == null ? null : qmp.get("version");
        JsonNode qemu = version == null ? null : version.get("qemu");
        JsonNode caps = qmp == null ? null : qmp.get("capabilities");
        if (qemu == null || !qemu.isObject() || !isInt(qemu.get("major")) || !isInt(qemu.get("minor"))
                || !isInt(qemu.get("micro")) || caps == null || !caps.isArray()) {
            throw new QmpProtocolException("the peer's first message is not a QEMU QMP greeting "
                    + "(expected {\"QMP\": {\"version\": {\"qemu\": ...}, \"capabilities\": [...]}}); "
                    + "is the socket a QMP monitor (-qmp / -mon mode=control)?");
        }
        List<String> capabilities = new ArrayList<>();
        for (JsonNode c : caps) {
            if (c.isTextual()) {
                capabilities.add(c.asText());
            }
        }
        JsonNode pkg = version.get("package");
        return new Greeting(new QemuVersion(qemu.get("major").asInt(), qemu.get("minor").asInt(),
                qemu.get("micro").asInt()), pkg != null && pkg.isTextual() ? pkg.asText().trim() : "", capabilities);
    }

    private static boolean isInt(JsonNode n) {
        return n != null && n.isIntegralNumber();
    }

    /**
     * @param node an event message; never null
     * @return the event, or null when its shape is not an event's (a protocol error)
     */
    public static QmpEvent event(JsonNode node) {
        JsonNode name = node.get("event");
        if (name == null || !name.isTextual()) {
            return null;
        }
        JsonNode data = node.get("data");
        if (data == null || data.isNull()) {
            data = EMPTY_OBJECT;
        }
        Instant ts = Instant.EPOCH;
        JsonNode t = node.get("timestamp");
        if (t != null && t.isObject()) {
            long sec = t.path("seconds").asLong(0);
            long usec = t.path("microseconds").asLong(0);
            if (sec >= 0 && usec >= 0 && usec < 1_000_000) {
                ts = Instant.ofEpochSecond(sec, usec * 1000);
            }
        }
        return new QmpEvent(name.asText(), data, ts);
    }

    /**
     * @param id a command number
     * @return the wire id
     */
    public static String wireId(long id) {
        return QmpClient.ID_PREFIX + id;
    }

    /**
     * Serialises a command into a new buffer.
     *
     * @param alloc the allocator; never null
     * @param command the command name; never null
     * @param id the command number
     * @param arguments null (or a JSON null node) for none, or anything that serialises to a JSON object
     * @param oob whether to use {@code exec-oob}
     * @return the buffer, owned by the caller
     * @throws IllegalArgumentException when the arguments do not serialise to a JSON object
     */
    public static ByteBuf encodeCommand(ByteBufAllocator alloc, String command, long id, Object arguments, boolean oob) {
        ByteBuf buf = alloc.buffer(64 + command.length());
        boolean ok = false;
        try (JsonGenerator g = ARGUMENTS.getFactory().createGenerator((java.io.OutputStream) new ByteBufOutputStream(buf),
                JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField(oob ? "exec-oob" : "execute", command);
            g.writeStringField("id", wireId(id));
            if (arguments != null && !(arguments instanceof JsonNode n && (n.isNull() || n.isMissingNode()))) {
                g.writeFieldName("arguments");
                g.flush();
                int start = buf.writerIndex();
                ARGUMENTS.writeValue(nonClosing(g), arguments);
                g.flush();
                if (!startsObject(buf, start)) {
                    throw new IllegalArgumentException("arguments of QMP command '" + command
                            + "' must serialise to a JSON object, but " + arguments.getClass().getName()
                            + " does not (pass a Map, a record, a POJO or an ObjectNode)");
                }
            }
            g.writeEndObject();
            g.flush();
            ok = true;
            return buf;
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("arguments of QMP command '" + command + "' cannot be serialised to JSON: "
                    + firstLine(e.getMessage()), e);
        } finally {
            if (!ok) {
                buf.release();
            }
        }
    }

    /** Jackson writes the ':' separator with the value, so skip it before looking for '{'. */
    private static boolean startsObject(ByteBuf buf, int from) {
        for (int i = from; i < buf.writerIndex(); i++) {
            byte b = buf.getByte(i);
            if (b != ':' && b != ' ') {
                return b == '{';
            }
        }
        return false;
    }

    private static JsonGenerator nonClosing(JsonGenerator g) {
        g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        return g;
    }

    static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
