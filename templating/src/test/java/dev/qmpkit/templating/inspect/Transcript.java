package dev.qmpkit.templating.inspect;

import dev.qmpkit.qmp.QmpEndpoint;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.testing.FakeMonitor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Replays QMP replies recorded from real QEMU (see {@code record-transcripts.py} next to the
 * JSON files) through a {@link FakeMonitor}. A request that was not recorded gets a
 * {@code GenericError} naming it, so a checker that starts asking for more fails loudly.
 */
final class Transcript implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final FakeMonitor monitor;
    private final Map<String, JsonNode> replies = new HashMap<>();
    private final Set<String> commands = new HashSet<>();
    private QmpClient client;

    private Transcript(JsonNode recorded) {
        monitor = FakeMonitor.start().greeting(recorded.get("greeting").toString());
        for (JsonNode entry : recorded.get("transcript")) {
            replies.put(key(entry.get("execute").asText(), entry.get("arguments")), entry.get("reply"));
            commands.add(entry.get("execute").asText());
        }
        for (String command : commands) {
            monitor.on(command, request -> {
                JsonNode reply = replies.get(key(request.name(), request.arguments()));
                if (reply == null) {
                    request.error("GenericError", "not in the transcript: " + request.message()
                            + " (re-run record-transcripts.py)");
                } else {
                    request.replyRecorded(reply);
                }
            });
        }
    }

    /** @param resource a JSON file next to this class */
    static Transcript load(String resource) {
        try (InputStream in = Transcript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no transcript " + resource);
            }
            return new Transcript(MAPPER.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces one recorded reply's {@code return} value, for a state only a running guest could produce. */
    Transcript override(String execute, Map<String, ?> arguments, Object returnValue) {
        JsonNode args = arguments == null ? null : MAPPER.valueToTree(arguments);
        String key = key(execute, args);
        if (!replies.containsKey(key)) {
            throw new IllegalArgumentException("nothing recorded for " + key);
        }
        replies.put(key, MAPPER.createObjectNode().set("return", MAPPER.valueToTree(returnValue)));
        return this;
    }

    QmpClient client() {
        if (client == null) {
            client = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()), QmpOptions.defaults());
        }
        return client;
    }

    private static String key(String execute, JsonNode arguments) {
        return execute + " " + (arguments == null || arguments instanceof NullNode ? "{}" : arguments.toString());
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        monitor.close();
    }
}
