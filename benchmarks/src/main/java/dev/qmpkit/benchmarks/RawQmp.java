package dev.qmpkit.benchmarks;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The baseline: no library, a blocking JDK {@link SocketChannel} on the monitor's Unix socket,
 * writing one JSON command per line and reading QEMU's one-line replies. It negotiates
 * {@code oob} exactly as the client does, so QEMU queues the same number of requests for both.
 * It parses nothing but the id, which is the least any client must do, so it is a lower
 * bound on the work per command, not a competitor.
 */
final class RawQmp implements Closeable {

    private static final byte[] ID_KEY = "\"id\": ".getBytes(StandardCharsets.US_ASCII);

    private final SocketChannel ch;
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    private final ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);
    /** Bytes of the current, incomplete line (grows for large replies such as the schema). */
    private byte[] line = new byte[4096];
    private int lineLen;
    private long nextId = 1;
    /** Null: numeric ids; otherwise string ids made of this prefix and the number, as the client sends. */
    private String idPrefix;
    final String greeting;

    RawQmp(Path socket, boolean oob) throws IOException {
        ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(socket));
        in.limit(0);
        greeting = readLine();
        String caps = oob && greeting.contains("\"oob\"")
                ? "{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}}\n"
                : "{\"execute\": \"qmp_capabilities\"}\n";
        write(caps);
        String reply = readLine();
        if (!reply.startsWith("{\"return\"")) {
            throw new IOException("qmp_capabilities failed: " + reply);
        }
    }

    /** @param prefix null for numeric ids (the default), or a prefix for string ids such as {@code qmpkit-} */
    void idPrefix(String prefix) {
        this.idPrefix = prefix;
    }

    /** Sequential round trips; fills {@code lat} with each one's latency. @return elapsed nanos */
    long sequential(String command, long[] lat) throws IOException {
        byte[] cmd = commandPrefix(command);
        long start = System.nanoTime();
        for (int i = 0; i < lat.length; i++) {
            long t0 = System.nanoTime();
            long id = nextId++;
            out.clear();
            putCommand(cmd, id);
            out.flip();
            writeOut();
            long got = readReplyId();
            if (got != id) {
                throw new IOException("reply id " + got + " for command " + id);
            }
            lat[i] = System.nanoTime() - t0;
        }
        return System.nanoTime() - start;
    }

    /**
     * Keeps {@code inFlight} commands outstanding: writes a new one for each reply, batching the
     * writes of the replies found in one read, as any pipelining client would.
     *
     * @return elapsed nanos
     */
    long pipelined(String command, int inFlight, long[] lat) throws IOException {
        byte[] cmd = commandPrefix(command);
        int total = lat.length;
        int ring = Integer.highestOneBit(inFlight * 4) * 2;
        long[] sentAt = new long[ring];
        long firstId = nextId;
        int sent = 0;
        int done = 0;
        long start = System.nanoTime();
        out.clear();
        while (sent < Math.min(inFlight, total)) {
            long id = nextId++;
            sentAt[(int) (id & (ring - 1))] = System.nanoTime();
            putCommand(cmd, id);
            sent++;
        }
        out.flip();
        writeOut();
        while (done < total) {
            // Read whatever is there, complete every full line, then top up in one write.
            int replies = 0;
            out.clear();
            do {
                long id = readReplyId();
                long now = System.nanoTime();
                if (id < firstId || id >= nextId) {
                    throw new IOException("unexpected reply id " + id);
                }
                lat[done++] = now - sentAt[(int) (id & (ring - 1))];
                replies++;
                if (sent < total) {
                    long nid = nextId++;
                    sentAt[(int) (nid & (ring - 1))] = System.nanoTime();
                    putCommand(cmd, nid);
                    sent++;
                }
            } while (done < total && hasBufferedLine());
            out.flip();
            if (out.hasRemaining()) {
                writeOut();
            }
        }
        return System.nanoTime() - start;
    }

    /** Sends one command and reads its whole reply line. @return the reply's size in bytes */
    int oneLargeReply(String command) throws IOException {
        long id = nextId++;
        out.clear();
        putCommand(commandPrefix(command), id);
        out.flip();
        writeOut();
        readLineInto();
        return lineLen;
    }

    /** @return a copy of the last line read */
    byte[] lastLine() {
        return Arrays.copyOf(line, lineLen);
    }

    private byte[] commandPrefix(String command) {
        return ("{\"execute\": \"" + command + "\", \"id\": " + (idPrefix == null ? "" : "\"" + idPrefix))
                .getBytes(StandardCharsets.US_ASCII);
    }

    private void putCommand(byte[] prefix, long id) {
        out.put(prefix);
        putLong(id);
        if (idPrefix != null) {
            out.put((byte) '"');
        }
        out.put((byte) '}').put((byte) '\n');
    }

    private void putLong(long v) {
        if (v >= 10) {
            putLong(v / 10);
        }
        out.put((byte) ('0' + v % 10));
    }

    private void writeOut() throws IOException {
        while (out.hasRemaining()) {
            ch.write(out);
        }
    }

    private void write(String s) throws IOException {
        out.clear();
        out.put(s.getBytes(StandardCharsets.UTF_8));
        out.flip();
        writeOut();
    }

    private boolean hasBufferedLine() {
        byte[] a = in.array();
        for (int i = in.position(); i < in.limit(); i++) {
            if (a[i] == '\n') {
                return true;
            }
        }
        return false;
    }

    /** Reads one line; replies without an id (events, errors) are not expected here. */
    private long readReplyId() throws IOException {
        readLineInto();
        byte[] key = idPrefix == null ? ID_KEY
                : ("\"id\": \"" + idPrefix).getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(line, lineLen, key);
        if (at < 0) {
            throw new IOException("reply without id: " + new String(line, 0, lineLen, StandardCharsets.UTF_8));
        }
        long v = 0;
        for (int i = at + key.length; i < lineLen; i++) {
            byte b = line[i];
            if (b < '0' || b > '9') {
                break;
            }
            v = v * 10 + (b - '0');
        }
        return v;
    }

    private String readLine() throws IOException {
        readLineInto();
        return new String(line, 0, lineLen, StandardCharsets.UTF_8).strip();
    }

    private void readLineInto() throws IOException {
        lineLen = 0;
        byte[] a = in.array();
        while (true) {
            int from = in.position();
            int to = in.limit();
            int nl = from;
            while (nl < to && a[nl] != '\n') {
                nl++;
            }
            int n = nl - from;
            if (lineLen + n > line.length) {
                line = Arrays.copyOf(line, Math.max(line.length * 2, lineLen + n));
            }
            System.arraycopy(a, from, line, lineLen, n);
            lineLen += n;
            if (nl < to) {
                in.position(nl + 1);
                return;
            }
            in.clear();
            if (ch.read(in) < 0) {
                throw new IOException("monitor closed the connection");
            }
            in.flip();
        }
    }

    private static int indexOf(byte[] a, int len, byte[] key) {
        outer:
        for (int i = len - key.length; i >= 0; i--) {
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
        ch.close();
    }
}
