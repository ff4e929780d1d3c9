package dev.qmpkit.templating.guest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A minimal guest-agent client for tests, until the SDK has one: one request at a time over
 * the VM's agent chardev socket. Replies are single JSON lines; a 0xFF byte precedes the reply
 * to {@code guest-sync-delimited}, and anything before the reply carrying our sync id is stale.
 */
final class AgentSocket implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SocketChannel channel;
    private final Selector selector;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    private AgentSocket(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        this.selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
    }

    /** What guest-exec-status reported for a finished command. */
    record ExecResult(int exitCode, String out, String err) {
    }

    static AgentSocket connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        return new AgentSocket(ch);
    }

    /**
     * Sends {@code guest-sync-delimited} (again every second, as the agent may not run yet) until
     * the reply with our id arrives.
     */
    void sync(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long id = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE >> 12);
            send("guest-sync-delimited", Map.of("id", id));
            long until = Math.min(deadline, System.nanoTime() + Duration.ofSeconds(1).toNanos());
            for (JsonNode reply; (reply = readLine(until)) != null; ) {
                if (reply.path("return").asLong() == id) {
                    return;
                }
            }
            if (System.nanoTime() >= deadline) {
                throw new IOException("the guest agent did not answer guest-sync-delimited within " + timeout);
            }
        }
    }

    /** @return the {@code return} member of the reply; fails on an error reply */
    JsonNode execute(String command, Map<String, ?> args, Duration timeout) throws IOException {
        send(command, args);
        JsonNode reply = readLine(System.nanoTime() + timeout.toNanos());
        if (reply == null) {
            throw new IOException(command + ": no reply within " + timeout);
        }
        if (reply.has("error")) {
            throw new IOException(command + " failed: " + reply.get("error"));
        }
        return reply.path("return");
    }

    /** Runs {@code /bin/sh -c script} in the guest and waits for it. */
    ExecResult sh(String script, Duration timeout) throws IOException, InterruptedException {
        long pid = execute("guest-exec", Map.of("path", "/bin/sh", "arg", List.of("-c", script),
                "capture-output", true), timeout).path("pid").asLong();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode st = execute("guest-exec-status", Map.of("pid", pid), timeout);
            if (st.path("exited").asBoolean()) {
                return new ExecResult(st.path("exitcode").asInt(-1), decode(st.path("out-data")),
                        decode(st.path("err-data")));
            }
            if (System.nanoTime() >= deadline) {
                throw new IOException("'" + script + "' did not finish within " + timeout);
            }
            Thread.sleep(50);
        }
    }

    private static String decode(JsonNode b64) {
        return b64.isTextual() ? new String(Base64.getDecoder().decode(b64.asText()), StandardCharsets.UTF_8) : "";
    }

    private void send(String command, Map<String, ?> args) throws IOException {
        ObjectNode req = JSON.createObjectNode().put("execute", command);
        req.set("arguments", JSON.valueToTree(args));
        ByteBuffer buf = ByteBuffer.wrap((JSON.writeValueAsString(req) + "\n").getBytes(StandardCharsets.UTF_8));
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    /** @return the next reply line (leading 0xFF bytes dropped), or null when none came before {@code deadline} */
    private JsonNode readLine(long deadline) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        while (true) {
            byte[] bytes = pending.toByteArray();
            for (int i = 0; i < bytes.length; i++) {
                if (bytes[i] == '\n') {
                    pending.reset();
                    pending.write(bytes, i + 1, bytes.length - i - 1);
                    int start = 0;
                    while (start < i && (bytes[start] & 0xff) == 0xff) {
                        start++;
                    }
                    String line = new String(bytes, start, i - start, StandardCharsets.UTF_8).strip();
                    if (!line.isEmpty()) {
                        return JSON.readTree(line);
                    }
                    bytes = pending.toByteArray();
                    i = -1;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            selector.select(Math.max(1, left / 1_000_000));
            selector.selectedKeys().clear();
            buf.clear();
            int n = channel.read(buf);
            if (n < 0) {
                throw new IOException("the agent socket was closed");
            }
            pending.write(buf.array(), 0, n);
        }
    }

    @Override
    public void close() throws IOException {
        selector.close();
        channel.close();
    }
}
