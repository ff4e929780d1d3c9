package dev.qmpkit.qmp.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted stand-in for qemu-ga on a Unix socket, only for what the real agent cannot be
 * made to do (garbage before its sentinel, replies split at every byte, oversized replies) or
 * must not do on a host (shut down, freeze file systems). It behaves like qemu-ga where not
 * told otherwise: one client at a time, an id-less parse error for each 0xFF it receives,
 * {@code guest-sync-delimited} answered with 0xFF and the id, ids echoed, and
 * {@code CommandNotFound} for commands without a handler.
 */
final class FakeAgent implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final byte[] PARSE_ERROR = "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray '\\uFFFD'\"}}\n"
            .getBytes(StandardCharsets.UTF_8);

    /** Answers one request; may do nothing (no reply, as qemu-ga on a successful guest-shutdown). */
    @FunctionalInterface
    interface Handler {
        /** @param request the request @throws IOException when writing fails */
        void handle(Request request) throws IOException;
    }

    /** A request as received, with ways to answer it. */
    final class Request {
        private final JsonNode message;
        private final OutputStream out;
        private final SocketChannel channel;

        Request(JsonNode message, OutputStream out, SocketChannel channel) {
            this.message = message;
            this.out = out;
            this.channel = channel;
        }

        String name() {
            return message.path("execute").asText();
        }

        JsonNode arguments() {
            return message.path("arguments");
        }

        /** @param returnJson the return value as JSON text */
        void reply(String returnJson) throws IOException {
            send("{\"return\": " + returnJson + idMember() + "}\n");
        }

        void error(String errorClass, String desc) throws IOException {
            send("{\"error\": {\"class\": " + MAPPER.writeValueAsString(errorClass) + ", \"desc\": "
                    + MAPPER.writeValueAsString(desc) + "}" + idMember() + "}\n");
        }

        void send(String text) throws IOException {
            raw(text.getBytes(StandardCharsets.UTF_8));
        }

        /** @param bytes written as they are (split into single bytes when {@link #splitWrites} is on) */
        void raw(byte[] bytes) throws IOException {
            write(out, bytes);
        }

        void closeConnection() throws IOException {
            channel.close();
        }

        private String idMember() {
            JsonNode id = message.get("id");
            return id == null || !echoIds ? "" : ", \"id\": " + id;
        }
    }

    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile byte[] beforeSentinel = new byte[0];
    private volatile boolean splitWrites;
    private volatile boolean echoIds = true;

    private FakeAgent(Path socket) throws IOException {
        this.socket = socket;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        on("guest-sync-delimited", r -> {
            r.raw(beforeSentinel);
            r.raw(new byte[] {(byte) 0xFF});
            r.reply(r.arguments().path("id").toString());
        });
        on("guest-ping", r -> r.reply("{}"));
        on("guest-sync", r -> r.reply(r.arguments().path("id").toString()));
        thread = new Thread(this::serve, "fake-agent");
        thread.setDaemon(true);
        thread.start();
    }

    /** @param socket where to listen; must not exist @return a running fake agent */
    static FakeAgent start(Path socket) throws IOException {
        return new FakeAgent(socket);
    }

    Path socket() {
        return socket;
    }

    /** @param name a command @param handler how to answer it @return this */
    FakeAgent on(String name, Handler handler) {
        handlers.put(name, handler);
        return this;
    }

    /** @param bytes written before the sentinel of every guest-sync-delimited answer (stale output, garbage) */
    void beforeSentinel(byte[] bytes) {
        this.beforeSentinel = bytes.clone();
    }

    /** @param split whether every reply goes out one byte per write */
    void splitWrites(boolean split) {
        this.splitWrites = split;
    }

    /** @param echo whether replies carry the request's id (agents before QEMU 2.x did not) */
    void echoIds(boolean echo) {
        this.echoIds = echo;
    }

    /** @return every request received, in order */
    List<JsonNode> received() {
        return received;
    }

    /** @param name a command @return how many times it was received */
    long count(String name) {
        return received.stream().filter(m -> m.path("execute").asText().equals(name)).count();
    }

    int connections() {
        return connections.get();
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel ch = server.accept()) {
                connections.incrementAndGet();
                OutputStream out = Channels.newOutputStream(ch);
                InputStream in = new SentinelFilter(Channels.newInputStream(ch), out);
                try (MappingIterator<JsonNode> it = MAPPER.readerFor(JsonNode.class).readValues(in)) {
                    while (it.hasNextValue()) {
                        JsonNode m = it.nextValue();
                        received.add(m);
                        Handler h = handlers.get(m.path("execute").asText());
                        Request r = new Request(m, out, ch);
                        if (h == null) {
                            r.error("CommandNotFound", "The command " + r.name() + " has not been found");
                        } else {
                            h.handle(r);
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the client went away, or the test closed the connection: wait for the next one
            }
        }
    }

    private void write(OutputStream out, byte[] bytes) throws IOException {
        synchronized (out) {
            if (splitWrites) {
                for (byte b : bytes) {
                    out.write(b);
                    out.flush();
                }
            } else {
                out.write(bytes);
            }
            out.flush();
        }
    }

    /** Drops the client's 0xFF bytes and answers each with qemu-ga's id-less parse error. */
    private final class SentinelFilter extends FilterInputStream {
        private final OutputStream out;

        SentinelFilter(InputStream in, OutputStream out) {
            super(in);
            this.out = out;
        }

        @Override
        public int read() throws IOException {
            int b;
            while ((b = super.read()) == 0xFF) {
                write(out, PARSE_ERROR);
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            while (true) {
                int n = super.read(buf, off, len);
                if (n <= 0) {
                    return n;
                }
                int w = off;
                for (int i = off; i < off + n; i++) {
                    if (buf[i] == (byte) 0xFF) {
                        write(out, PARSE_ERROR);
                    } else {
                        buf[w++] = buf[i];
                    }
                }
                if (w > off) {
                    return w - off;
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        thread.interrupt();
        java.nio.file.Files.deleteIfExists(socket);
    }
}
