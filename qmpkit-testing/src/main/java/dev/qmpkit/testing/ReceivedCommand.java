package dev.qmpkit.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.channel.Channel;
import java.util.Objects;

/**
 * A command as a {@link FakeMonitor} received it, with the ways to answer it. A
 * {@link FakeMonitor.Handler} answers it on the monitor's I/O thread; a withheld command (see
 * {@link #withhold()}) can be answered later from any thread. Answer a command once: the
 * monitor sends whatever it is told, a second reply included, as a faulty QEMU would.
 */
public final class ReceivedCommand {
    private final FakeMonitor monitor;
    private final Channel channel;
    private final JsonNode message;

    ReceivedCommand(FakeMonitor monitor, Channel channel, JsonNode message) {
        this.monitor = monitor;
        this.channel = channel;
        this.message = message;
    }

    /**
     * @return the command name (of {@code execute} or {@code exec-oob}); empty when the
     *         message had neither; never null
     */
    public String name() {
        JsonNode n = message.has("execute") ? message.get("execute") : message.get("exec-oob");
        return n == null ? "" : n.asText();
    }

    /** @return whether it was sent with {@code exec-oob} */
    public boolean outOfBand() {
        return message.has("exec-oob");
    }

    /** @return the id as sent (any JSON value), or null when it had none */
    public JsonNode id() {
        return message.get("id");
    }

    /** @return the {@code arguments} member, or null when it had none */
    public JsonNode arguments() {
        return message.get("arguments");
    }

    /** @return the whole message as received; never null */
    public JsonNode message() {
        return message;
    }

    /**
     * Answers with a scripted reply or fault.
     *
     * @param reply what to send; never null
     */
    public void respond(Reply reply) {
        Objects.requireNonNull(reply, "reply");
        monitor.respond(channel, id(), reply);
    }

    /**
     * Answers with success, {@code {"return": VALUE, "id": ID}}. The text is sent as given, not
     * parsed (fast enough for a pipelining client); {@link Reply#returning} checks it is JSON.
     *
     * @param returnJson the {@code return} value as JSON text; never null
     */
    public void reply(String returnJson) {
        StringBuilder sb = new StringBuilder(returnJson.length() + 40).append("{\"return\": ").append(returnJson);
        JsonNode id = id();
        if (id != null) {
            sb.append(", \"id\": ").append(id);
        }
        monitor.send(channel, sb.append("}\r\n").toString());
    }

    /**
     * Answers with an error, {@code {"error": {"class": CLASS, "desc": DESC}, "id": ID}}.
     *
     * @param errorClass QEMU's error class, e.g. {@code "GenericError"}; never null
     * @param desc the description; never null
     */
    public void error(String errorClass, String desc) {
        respond(Reply.error(errorClass, desc));
    }

    /**
     * Answers with a recorded reply (see {@link RecordedQemu#reply(String)}), this command's id
     * in place of the recorded one.
     *
     * @param reply a reply object ({@code {"return": ...}} or {@code {"error": ...}}); never null
     */
    public void replyRecorded(JsonNode reply) {
        respond(Reply.recorded(reply));
    }

    /**
     * Leaves the command unanswered for now and puts it in {@link FakeMonitor#withheld()}, from
     * where a test answers it later, from any thread, or never.
     */
    public void withhold() {
        monitor.withheld().add(this);
    }

    @Override
    public String toString() {
        return "ReceivedCommand" + message;
    }
}
