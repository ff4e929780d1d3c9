package dev.qmpkit.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link FakeMonitor} sends for one command: a reply as QEMU would write it (the
 * command's id added), or a fault real QEMU cannot be made to produce on demand. Immutable;
 * every modifier returns a new reply, so one value can be queued many times.
 *
 * <pre>{@code
 * monitor.enqueue("query-status",
 *         Reply.returning("{\"status\": \"running\", \"running\": true}").splitAt(1, 9, 10),
 *         Reply.raw("{\"return\": [1, 2 3]}\r\n"),                  // malformed JSON
 *         Reply.none().thenDisconnect());                           // QEMU crashed mid-command
 * }</pre>
 */
public final class Reply {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The reply's JSON object without its id, as compact text; null for {@link #raw} and {@link #none}. */
    private final String body;
    /** The exact text of {@link #raw}; null otherwise. */
    private final String raw;
    private final List<String> eventsBefore;
    private final Duration delay;
    private final int[] splits;
    private final boolean disconnect;

    private Reply(String body, String raw, List<String> eventsBefore, Duration delay, int[] splits,
                  boolean disconnect) {
        this.body = body;
        this.raw = raw;
        this.eventsBefore = List.copyOf(eventsBefore);
        this.delay = delay;
        this.splits = splits;
        this.disconnect = disconnect;
    }

    private static Reply of(ObjectNode body, String raw) {
        return new Reply(body == null ? null : body.toString(), raw, List.of(), Duration.ZERO, new int[0], false);
    }

    /**
     * A success reply, {@code {"return": VALUE, "id": ID}}.
     *
     * @param returnJson the {@code return} value as JSON text, e.g. {@code "{}"}; never null
     * @return the reply
     * @throws IllegalArgumentException when {@code returnJson} is not JSON (use {@link #raw} to
     *         send malformed JSON on purpose)
     */
    public static Reply returning(String returnJson) {
        Objects.requireNonNull(returnJson, "returnJson");
        ObjectNode o = MAPPER.createObjectNode();
        o.set("return", parse(returnJson));
        return of(o, null);
    }

    /**
     * An error reply, {@code {"error": {"class": CLASS, "desc": DESC}, "id": ID}}.
     *
     * @param errorClass QEMU's error class, e.g. {@code "GenericError"} or {@code "DeviceNotFound"};
     *                   never null
     * @param desc the description; never null
     * @return the reply
     */
    public static Reply error(String errorClass, String desc) {
        Objects.requireNonNull(errorClass, "errorClass");
        Objects.requireNonNull(desc, "desc");
        ObjectNode o = MAPPER.createObjectNode();
        o.putObject("error").put("class", errorClass).put("desc", desc);
        return of(o, null);
    }

    /**
     * A recorded reply, e.g. one of {@link RecordedQemu#reply(String)}: its {@code return} or
     * {@code error} member as recorded, with the command's id in place of the recorded one.
     *
     * @param reply a reply object ({@code {"return": ...}} or {@code {"error": ...}}); never null
     * @return the reply
     * @throws IllegalArgumentException when {@code reply} is not a JSON object
     */
    public static Reply recorded(JsonNode reply) {
        Objects.requireNonNull(reply, "reply");
        if (!reply.isObject()) {
            throw new IllegalArgumentException("a recorded reply is a JSON object, not " + reply.getNodeType());
        }
        ObjectNode o = reply.deepCopy();
        o.remove("id");
        return of(o, null);
    }

    /**
     * Exactly this text on the wire, no id added: malformed JSON, a reply with a wrong or
     * missing id, a second greeting, a message too large for the client. QEMU ends its
     * messages with {@code "\r\n"}; add it when the test needs it.
     *
     * @param text what to send; never null
     * @return the reply
     */
    public static Reply raw(String text) {
        return of(null, Objects.requireNonNull(text, "text"));
    }

    /**
     * No reply at all (QEMU busy, stopped, or lost the command); combine with
     * {@link #thenDisconnect()} for a monitor that dies mid-command.
     *
     * @return the reply
     */
    public static Reply none() {
        return of(null, null);
    }

    /**
     * @param delay how long to wait before sending (the events of {@link #afterEvent} included);
     *              zero or positive; never null
     * @return this reply, sent after {@code delay}
     * @throws IllegalArgumentException when {@code delay} is negative
     */
    public Reply delayed(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, got " + delay);
        }
        return new Reply(body, raw, eventsBefore, delay, splits, disconnect);
    }

    /**
     * Cuts the reply's bytes (UTF-8) at these offsets and writes each piece with its own flush,
     * a millisecond apart, so the client usually reads them separately: a frame split inside a
     * string, a number, an escape or a multi-byte character. Offsets past the end are ignored.
     *
     * @param offsets byte offsets, strictly increasing, each at least 1
     * @return this reply, split
     * @throws IllegalArgumentException when the offsets are not positive and strictly increasing
     */
    public Reply splitAt(int... offsets) {
        int[] o = offsets.clone();
        for (int i = 0; i < o.length; i++) {
            if (o[i] < 1 || (i > 0 && o[i] <= o[i - 1])) {
                throw new IllegalArgumentException("split offsets must be positive and strictly increasing: "
                        + Arrays.toString(o));
            }
        }
        return new Reply(body, raw, eventsBefore, delay, o, disconnect);
    }

    /**
     * @return this reply, after which the monitor closes the connection (as QEMU does when it
     *         quits or crashes); the server keeps listening for a reconnect
     */
    public Reply thenDisconnect() {
        return new Reply(body, raw, eventsBefore, delay, splits, true);
    }

    /**
     * Sends an event before the reply, as QEMU sends {@code STOP} before answering {@code stop}.
     *
     * @param name the event name, e.g. {@code "STOP"}; never null
     * @param dataJson its {@code data} member as JSON text, or null for none
     * @return this reply, preceded by the event (after any events added before)
     */
    public Reply afterEvent(String name, String dataJson) {
        List<String> events = new ArrayList<>(eventsBefore);
        events.add(FakeMonitor.eventJson(name, dataJson));
        return new Reply(body, raw, events, delay, splits, disconnect);
    }

    /**
     * @param id the command's id, or null when it had none
     * @return the reply's wire text, or null for {@link #none()}
     */
    String wireText(JsonNode id) {
        if (raw != null) {
            return raw;
        }
        if (body == null) {
            return null;
        }
        if (id == null) {
            return body + "\r\n";
        }
        // The body is a compact JSON object: the id goes in before its closing brace.
        String members = body.substring(0, body.length() - 1);
        return members + (members.length() > 1 ? ", " : "") + "\"id\": " + id + "}\r\n";
    }

    List<String> eventsBefore() {
        return eventsBefore;
    }

    Duration delay() {
        return delay;
    }

    int[] splits() {
        return splits;
    }

    boolean disconnect() {
        return disconnect;
    }

    private static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + json + " (Reply.raw sends malformed JSON on purpose)",
                    e);
        }
    }

    @Override
    public String toString() {
        String what = raw != null ? "raw " + raw.strip() : body == null ? "none" : body;
        return "Reply[" + what + (delay.isZero() ? "" : ", delayed " + delay.toMillis() + " ms")
                + (splits.length == 0 ? "" : ", split at " + Arrays.toString(splits))
                + (eventsBefore.isEmpty() ? "" : ", after " + eventsBefore.size() + " event(s)")
                + (disconnect ? ", then disconnect" : "") + "]";
    }
}
