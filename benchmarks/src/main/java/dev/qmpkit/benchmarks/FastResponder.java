package dev.qmpkit.benchmarks;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A minimal QMP responder for measuring the client alone: one thread, blocking JDK socket,
 * no JSON library. It frames objects by brace depth (string-aware), copies the request's id
 * verbatim into a canned {@code query-status} reply, and writes all replies of one read in
 * one write. It spends far less CPU per command than a general fake monitor, so on a small
 * machine more of the CPU goes to the client under test.
 */
final class FastResponder implements Closeable {

    static final String GREETING = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 2, \"minor\": 0, \"major\": 10}, "
            + "\"package\": \"Debian 1:10.0.2+ds-2+deb13u1~bpo12+1\"}, \"capabilities\": [\"oob\"]}}\r\n";
    private static final byte[] REPLY_HEAD = "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": "
            .getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CAPS_REPLY_HEAD = "{\"return\": {}, \"id\": ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CAPS = "qmp_capabilities".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ID = "\"id\"".getBytes(StandardCharsets.US_ASCII);

    private static final byte[] SCHEMA = "query-qmp-schema".getBytes(StandardCharsets.US_ASCII);

    private final Path dir;
    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final java.util.Set<SocketChannel> conns = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** A recorded {@code query-qmp-schema} reply line without its id, e.g. from QEMU; null: none. */
    private volatile byte[] schemaReply;

    FastResponder() throws IOException {
        dir = Files.createTempDirectory("qmpkit-bench-");
        socket = dir.resolve("fast.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        thread = new Thread(this::serve, "fast-responder");
        thread.setDaemon(true);
        thread.start();
    }

    Path socket() {
        return socket;
    }

    /** @param recordedReply a QEMU reply line {@code {"return": [...], "id": N}}; its id is replaced per request */
    void schemaReply(byte[] recordedReply) {
        String line = new String(recordedReply, StandardCharsets.UTF_8).strip();
        int at = line.lastIndexOf(", \"id\":");
        schemaReply = (at < 0 ? line.substring(0, line.length() - 1) : line.substring(0, at))
                .concat(", \"id\": ").getBytes(StandardCharsets.UTF_8);
    }

    private void serve() {
        try {
            while (true) {
                SocketChannel c = server.accept();
                conns.add(c);
                Thread t = new Thread(() -> {
                    try (c) {
                        handle(c);
                    } catch (IOException e) {
                        // the client went away
                    } finally {
                        conns.remove(c);
                    }
                }, "fast-responder-conn");
                t.setDaemon(true);
                t.start();
            }
        } catch (IOException e) {
            if (server.isOpen()) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private void handle(SocketChannel c) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(1 << 20);
        out.put(GREETING.getBytes(StandardCharsets.US_ASCII)).flip();
        while (out.hasRemaining()) {
            c.write(out);
        }
        ByteBuffer in = ByteBuffer.allocate(1 << 16);
        byte[] a = in.array();
        int depth = 0;
        boolean inString = false;
        boolean escape = false;
        int objStart = 0;
        while (c.read(in) >= 0) {
            out.clear();
            int end = in.position();
            for (int i = 0; i < end; i++) {
                byte b = a[i];
                if (inString) {
                    if (escape) {
                        escape = false;
                    } else if (b == '\\') {
                        escape = true;
                    } else if (b == '"') {
                        inString = false;
                    }
                } else if (b == '"') {
                    inString = true;
                } else if (b == '{') {
                    if (depth++ == 0) {
                        objStart = i;
                    }
                } else if (b == '}' && --depth == 0) {
                    out = reply(a, objStart, i + 1, out);
                    objStart = i + 1;
                }
            }
            // Keep the incomplete object for the next read.
            int keep = depth > 0 || inString ? end - objStart : 0;
            int from = end - keep;
            System.arraycopy(a, from, a, 0, keep);
            objStart = 0;
            in.position(keep);
            out.flip();
            while (out.hasRemaining()) {
                c.write(out);
            }
        }
    }

    private ByteBuffer reply(byte[] a, int from, int to, ByteBuffer out) {
        boolean caps = indexOf(a, from, to, CAPS) >= 0;
        byte[] schema = schemaReply;
        boolean isSchema = schema != null && indexOf(a, from, to, SCHEMA) >= 0;
        int k = indexOf(a, from, to, ID);
        if (k < 0) {
            out.put("{\"return\": {}}\r\n".getBytes(StandardCharsets.US_ASCII));
            return out;
        }
        byte[] head = isSchema ? schema : caps ? CAPS_REPLY_HEAD : REPLY_HEAD;
        if (out.remaining() < head.length + 64) {
            ByteBuffer bigger = ByteBuffer.allocate(out.capacity() + head.length + 1024);
            out.flip();
            bigger.put(out);
            out = bigger;
        }
        out.put(head);
        int v = k + ID.length;
        while (a[v] == ' ' || a[v] == ':') {
            v++;
        }
        int e = v;
        if (a[v] == '"') {
            e++;
            while (a[e] != '"') {
                e++;
            }
            e++;
        } else {
            while (a[e] != ',' && a[e] != '}' && a[e] != ' ') {
                e++;
            }
        }
        out.put(a, v, e - v).put((byte) '}').put((byte) '\r').put((byte) '\n');
        return out;
    }

    private static int indexOf(byte[] a, int from, int to, byte[] key) {
        outer:
        for (int i = from; i <= to - key.length; i++) {
            for (int j = 0; j < key.length; j++) {
                if (a[i + j] != key[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (SocketChannel c : conns) {
            c.close();
        }
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }
}
