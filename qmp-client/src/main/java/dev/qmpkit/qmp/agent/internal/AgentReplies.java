package dev.qmpkit.qmp.agent.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.type.TypeFactory;
import dev.qmpkit.qmp.QmpProtocolException;
import dev.qmpkit.qmp.agent.AgentCommandException;
import dev.qmpkit.qmp.agent.AgentCommandUnavailableException;
import dev.qmpkit.qmp.agent.ExecResult;
import dev.qmpkit.qmp.agent.FsFreezeStatus;
import dev.qmpkit.qmp.agent.GuestAgentCommandInfo;
import dev.qmpkit.qmp.agent.GuestAgentInfo;
import dev.qmpkit.qmp.agent.GuestFileRead;
import dev.qmpkit.qmp.agent.GuestNetworkInterface;
import dev.qmpkit.qmp.internal.Replies;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Turns the agent's replies into the records of {@code dev.qmpkit.qmp.agent}, and its error
 * replies into exceptions. Values are read by the client's one reply policy ({@link Replies}:
 * kebab-case names, unknown fields ignored, missing ones null). A reply that
 * does not have the documented shape is a {@link QmpProtocolException} naming the command.
 */
final class AgentReplies {

    /** Error objects only; values go through the one reply policy, {@link Replies}. */
    private static final ObjectMapper ERRORS = new ObjectMapper();

    /** For replies read as a stream; the frame's size was bounded by the framer already. */
    private static final JsonFactory STREAMING = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
            .build();

    private static final JavaType INTERFACES = TypeFactory.defaultInstance()
            .constructCollectionType(List.class, GuestNetworkInterface.class);

    private AgentReplies() {
    }

    /**
     * @param command the command that failed; never null
     * @param errorClass the agent's error class; never null
     * @param description the agent's description; never null
     * @param agent where the agent is; never null
     * @return the exception for an error reply, typed when the command is unavailable
     */
    static AgentCommandException error(String command, String errorClass, String description, String agent) {
        String d = description.toLowerCase(Locale.ROOT);
        AgentCommandUnavailableException.Reason reason = null;
        if (errorClass.equals("CommandNotFound")) {
            // qemu-ga answers a blocked command with CommandNotFound "... has been disabled".
            reason = d.contains("disabled") ? AgentCommandUnavailableException.Reason.DISABLED
                    : AgentCommandUnavailableException.Reason.NOT_FOUND;
        } else if (errorClass.equals("CommandDisabled")) {
            reason = AgentCommandUnavailableException.Reason.DISABLED;
        } else if (errorClass.equals("Unsupported") || d.contains("not currently supported")) {
            reason = AgentCommandUnavailableException.Reason.UNSUPPORTED;
        }
        return reason == null ? new AgentCommandException(command, errorClass, description, agent)
                : new AgentCommandUnavailableException(command, errorClass, description, agent, reason);
    }

    static <T> T convert(String command, JsonNode value, Class<T> type) {
        return convert(command, value, TypeFactory.defaultInstance().constructType(type));
    }

    static List<GuestNetworkInterface> interfaces(JsonNode value) {
        return convert("guest-network-get-interfaces", value, INTERFACES);
    }

    private static <T> T convert(String command, JsonNode value, JavaType type) {
        return Replies.convert(command, value, type);
    }

    static GuestAgentInfo info(JsonNode value) {
        JsonNode commands = value.get("supported_commands");
        if (!value.path("version").isTextual() || commands == null || !commands.isArray()) {
            throw malformed("guest-info", value, "no version or supported_commands", null);
        }
        List<GuestAgentCommandInfo> list = new ArrayList<>();
        for (JsonNode c : commands) {
            list.add(new GuestAgentCommandInfo(c.path("name").asText(), c.path("enabled").asBoolean(true),
                    c.path("success-response").asBoolean(true)));
        }
        return new GuestAgentInfo(value.get("version").asText(), list);
    }

    static long integer(String command, JsonNode value) {
        if (!value.isIntegralNumber()) {
            throw malformed(command, value, "not an integer", null);
        }
        return value.asLong();
    }

    /** The agent counts nanoseconds since 1970; a {@code long} of them reaches the year 2262. */
    static Instant instant(String command, JsonNode value) {
        long ns = integer(command, value);
        return Instant.ofEpochSecond(Math.floorDiv(ns, 1_000_000_000L), Math.floorMod(ns, 1_000_000_000L));
    }

    static long nanos(Instant time) {
        try {
            return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000_000L), time.getNano());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("time " + time + " is outside what the agent can set (nanoseconds since "
                    + "1970 in a signed 64-bit number, up to the year 2262)", e);
        }
    }

    static FsFreezeStatus freezeStatus(JsonNode value) {
        if (value.isTextual()) {
            for (FsFreezeStatus s : FsFreezeStatus.values()) {
                if (s.name().equalsIgnoreCase(value.asText())) {
                    return s;
                }
            }
        }
        throw malformed("guest-fsfreeze-status", value, "not thawed or frozen", null);
    }

    static String hostName(JsonNode value) {
        JsonNode n = value.get("host-name");
        if (n == null || !n.isTextual()) {
            throw malformed("guest-get-host-name", value, "no host-name", null);
        }
        return n.asText();
    }

    static long execPid(JsonNode value) {
        return integer("guest-exec", value.path("pid"));
    }

    static ExecResult execStatus(long pid, JsonNode value) {
        JsonNode exited = value.get("exited");
        if (exited == null || !exited.isBoolean()) {
            throw malformed("guest-exec-status", value, "no exited flag", null);
        }
        JsonNode code = value.get("exitcode");
        JsonNode signal = value.get("signal");
        return new ExecResult(pid, exited.asBoolean(),
                code != null && code.isIntegralNumber() ? code.asInt() : null,
                signal != null && signal.isIntegralNumber() ? signal.asInt() : null,
                base64("guest-exec-status", value, "out-data"), base64("guest-exec-status", value, "err-data"),
                value.path("out-truncated").asBoolean(false), value.path("err-truncated").asBoolean(false));
    }

    /**
     * Reads a {@code guest-file-read} reply from its bytes, streaming: the base64 is decoded
     * straight from the input, without building a string of it first (a chunk is megabytes).
     *
     * @param reply the reply, unparsed; never null
     * @param agent where the agent is; never null
     * @return the chunk
     * @throws AgentCommandException when the agent answered with an error
     * @throws QmpProtocolException when the reply is not as documented, or answers another command
     */
    static GuestFileRead fileReadFrame(DefaultGuestAgentClient.RawReply reply, String agent) {
        byte[] data = null;
        long count = -1;
        boolean eof = false;
        JsonNode error = null;
        String id = null;
        try (JsonParser p = STREAMING.createParser(reply.frame())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken t = p.nextToken();
                if (field.equals("return") && t == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        JsonToken v = p.nextToken();
                        switch (name) {
                            case "buf-b64" -> data = v == JsonToken.VALUE_STRING ? p.getBinaryValue() : null;
                            case "count" -> count = v.isNumeric() ? p.getLongValue() : -1;
                            case "eof" -> eof = v == JsonToken.VALUE_TRUE;
                            default -> p.skipChildren();
                        }
                    }
                } else if (field.equals("error") && t == JsonToken.START_OBJECT) {
                    error = ERRORS.readTree(p);
                } else if (field.equals("id") && t == JsonToken.VALUE_STRING) {
                    id = p.getText();
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new QmpProtocolException("the guest agent's reply to '" + reply.command() + "' does not parse ("
                    + reply.frame().length + " bytes): " + e.getMessage(), e);
        }
        if (id != null && !id.equals(reply.wireId())) {
            throw new QmpProtocolException("the guest agent answered '" + reply.command() + "' (id " + reply.wireId()
                    + ") with the reply to id " + id + ": the channel is out of sync");
        }
        if (error != null) {
            throw error(reply.command(), error.path("class").asText("GenericError"),
                    error.path("desc").asText("(no description)"), agent);
        }
        if (data == null || count != data.length) {
            throw new QmpProtocolException("the guest agent's reply to '" + reply.command() + "' is not as documented "
                    + "(count " + count + ", " + (data == null ? "no buf-b64" : data.length + " bytes of buf-b64") + ")");
        }
        return new GuestFileRead(data, eof);
    }

    private static byte[] base64(String command, JsonNode value, String field) {
        JsonNode n = value.get(field);
        if (n == null || n.isNull()) {
            return new byte[0];
        }
        try {
            return Base64.getDecoder().decode(n.asText());
        } catch (IllegalArgumentException e) {
            throw malformed(command, value, field + " is not base64: " + e.getMessage(), e);
        }
    }

    private static QmpProtocolException malformed(String command, JsonNode value, String what, Throwable cause) {
        String text = String.valueOf(value);
        return new QmpProtocolException("the guest agent's reply to '" + command + "' is not as documented ("
                + what + "): " + (text.length() > 300 ? text.substring(0, 300) + "..." : text), cause);
    }
}
