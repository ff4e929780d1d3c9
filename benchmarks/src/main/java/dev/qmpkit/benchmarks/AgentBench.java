package dev.qmpkit.benchmarks;

import dev.qmpkit.qmp.agent.AgentOptions;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import dev.qmpkit.qmp.testing.HostAgent;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The guest agent client benchmark (issue 8): the client against a real qemu-ga run on the host
 * ({@code qemu-ga -m unix-listen}, started and stopped by {@link HostAgent}), next to a raw-socket
 * baseline on the same agent, alternately in the same run. The agent serves one client at a
 * time, so each round connects (and synchronises) the client, measures, closes it, then does
 * the same with the raw socket, swapping who goes first every round.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks-*-all.jar dev.qmpkit.benchmarks.AgentBench [options]
 *   --rounds N     measured rounds (default 7); figures are medians over rounds
 *   --warmup N     unmeasured warm-up rounds (default 2)
 *   --pings N      guest-ping round trips per round and side (default 3000)
 *   --file MiB     size of the file read (default 16)
 *   --reads N      file reads per round and side (default 2)
 *   --chunk KiB    bytes per guest-file-read, both sides (default: the client's default, 4096)
 * </pre>
 */
public final class AgentBench {
    private final Map<String, String> opts;
    private final int rounds;
    private final int warmup;
    private final List<String> report = new ArrayList<>();

    private AgentBench(Map<String, String> opts) {
        this.opts = opts;
        this.rounds = intOpt("rounds", 7);
        this.warmup = intOpt("warmup", 2);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("usage: AgentBench [--rounds N] [--warmup N] [--pings N] [--file MiB] [--reads N] "
                        + "[--chunk KiB]");
                System.exit(2);
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        new AgentBench(opts).run();
    }

    private int intOpt(String name, int def) {
        return Integer.parseInt(opts.getOrDefault(name, Integer.toString(def)));
    }

    private void run() throws Exception {
        int pings = intOpt("pings", 3000);
        int fileMiB = intOpt("file", 16);
        int reads = intOpt("reads", 2);
        int chunk = intOpt("chunk", AgentOptions.DEFAULT_FILE_CHUNK_SIZE / 1024) * 1024;
        AgentOptions options = AgentOptions.builder().fileChunkSize(chunk).build();
        System.out.printf("AgentBench %s: %d cores, java %s, rounds %d (+%d warm-up), %d pings, %d x %d MiB file "
                        + "reads in %d KiB chunks%n", Instant.now(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), rounds, warmup, pings, reads, fileMiB, chunk / 1024);
        System.out.println("load average at start: " + Files.readString(Path.of("/proc/loadavg")).strip());
        Path dir = Files.createTempDirectory("qmpkit-agentbench-");
        try (HostAgent agent = HostAgent.start(dir)) {
            Path file = agent.workDir().resolve("bench.bin");
            byte[] data = new byte[fileMiB << 20];
            new Random(1).nextBytes(data);
            Files.write(file, data);
            System.out.printf("qemu-ga pid %d, %s%n", agent.pid(), agent.unprivileged() ? "as nobody" : "as root");
            List<Stats> cb = new ArrayList<>(), cc = new ArrayList<>(), rp = new ArrayList<>();
            List<Stats> cf = new ArrayList<>(), rf = new ArrayList<>();
            List<Double> blockingRatio = new ArrayList<>(), chainedRatio = new ArrayList<>(), fileRatio = new ArrayList<>();
            for (int r = -warmup; r < rounds; r++) {
                Stats b, c, p, f1, f2;
                if ((r & 1) == 0) {
                    Stats[] client = client(agent, options, pings, file, reads);
                    Stats[] raw = raw(agent, pings, file, reads, chunk, data.length);
                    b = client[0];
                    c = client[1];
                    f1 = client[2];
                    p = raw[0];
                    f2 = raw[1];
                } else {
                    Stats[] raw = raw(agent, pings, file, reads, chunk, data.length);
                    Stats[] client = client(agent, options, pings, file, reads);
                    b = client[0];
                    c = client[1];
                    f1 = client[2];
                    p = raw[0];
                    f2 = raw[1];
                }
                System.out.printf("round %2d  ping blocking %,6.0f/s chained %,6.0f/s raw %,6.0f/s   file client "
                                + "%6.1f ms raw %6.1f ms (agent CPU %3.0f%% / %3.0f%% of the wall time)%n", r,
                        b.opsPerSecond(), c.opsPerSecond(), p.opsPerSecond(), f1.millisPerOp(), f2.millisPerOp(),
                        100.0 * f1.qemuCpuNanos() / f1.elapsedNanos(), 100.0 * f2.qemuCpuNanos() / f2.elapsedNanos());
                if (r >= 0) {
                    cb.add(b);
                    cc.add(c);
                    rp.add(p);
                    cf.add(f1);
                    rf.add(f2);
                    blockingRatio.add(b.opsPerSecond() / p.opsPerSecond());
                    chainedRatio.add(c.opsPerSecond() / p.opsPerSecond());
                    fileRatio.add(f1.opsPerSecond() / f2.opsPerSecond());
                }
            }
            System.out.println("load average at end: " + Files.readString(Path.of("/proc/loadavg")).strip());
            report.add(String.format("| guest-ping, blocking `ping()` from a caller thread (round trips/s) | %,.0f | %,.0f "
                    + "| %.3f |", Stats.med(cb, Stats::opsPerSecond), Stats.med(rp, Stats::opsPerSecond),
                    QmpBench.median(blockingRatio)));
            report.add(String.format("| guest-ping, async chained on the I/O thread (round trips/s) | %,.0f | %,.0f "
                    + "| %.3f |", Stats.med(cc, Stats::opsPerSecond), Stats.med(rp, Stats::opsPerSecond),
                    QmpBench.median(chainedRatio)));
            Stats mb = Stats.median(cb), mc = Stats.median(cc), mr = Stats.median(rp);
            report.add(String.format("| guest-ping latency p50 / p99 (us): blocking; chained | %.0f / %.0f; %.0f / %.0f "
                    + "| %.0f / %.0f | |", mb.p50Micros(), mb.p99Micros(), mc.p50Micros(), mc.p99Micros(),
                    mr.p50Micros(), mr.p99Micros()));
            report.add(String.format("| CPU per ping: benchmark JVM / qemu-ga (us): blocking; chained | %.1f / %.1f; "
                    + "%.1f / %.1f | %.1f / %.1f | |", mb.jvmCpuMicrosPerOp(), mb.qemuCpuMicrosPerOp(),
                    mc.jvmCpuMicrosPerOp(), mc.qemuCpuMicrosPerOp(), mr.jvmCpuMicrosPerOp(), mr.qemuCpuMicrosPerOp()));
            Stats f1 = Stats.median(cf), f2 = Stats.median(rf);
            double mib = data.length / 1048576.0;
            report.add(String.format("| %d MiB file read (ms; MiB/s) | %.1f; %.1f | %.1f; %.1f | %.3f |", fileMiB,
                    f1.millisPerOp(), mib * 1000 / f1.millisPerOp(), f2.millisPerOp(), mib * 1000 / f2.millisPerOp(),
                    QmpBench.median(fileRatio)));
            report.add(String.format("| file read, CPU per read: benchmark JVM / qemu-ga (ms) | %.1f / %.1f | %.1f / %.1f "
                    + "| |", f1.jvmCpuNanos() / 1e6 / f1.ops(), f1.qemuCpuNanos() / 1e6 / f1.ops(),
                    f2.jvmCpuNanos() / 1e6 / f2.ops(), f2.qemuCpuNanos() / 1e6 / f2.ops()));
        } finally {
            deleteTree(dir);
        }
        System.out.println();
        System.out.println("| measurement | client | raw | client/raw |");
        System.out.println("|---|---|---|---|");
        report.forEach(System.out::println);
    }

    /** @return blocking pings, chained pings, file reads */
    private static Stats[] client(HostAgent agent, AgentOptions options, int pings, Path file, int reads)
            throws Exception {
        try (GuestAgentClient client = GuestAgentClient.open(agent.socket(), options)) {
            client.blocking().ping(); // connects and synchronises, untimed
            Stats blocking = QmpBench.cpu(agent.pid(), () -> timed(pings, () -> client.blocking().ping()));
            Stats chained = QmpBench.cpu(agent.pid(), () -> {
                long[] lat = new long[pings];
                long start = System.nanoTime();
                chain(client, lat, 0).get(60, TimeUnit.SECONDS);
                return Stats.of(lat, System.nanoTime() - start);
            });
            Stats files = QmpBench.cpu(agent.pid(), () -> timed(reads,
                    () -> client.blocking().readFile(file.toString(), OutputStream.nullOutputStream())));
            return new Stats[] {blocking, chained, files};
        }
    }

    /** One operation of a measurement. */
    private interface Op {
        void run() throws Exception;
    }

    /** @return the figures of {@code n} runs of {@code op}, one after another */
    private static Stats timed(int n, Op op) throws Exception {
        long[] lat = new long[n];
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            op.run();
            lat[i] = System.nanoTime() - t0;
        }
        return Stats.of(lat, System.nanoTime() - start);
    }

    private static CompletableFuture<Void> chain(GuestAgentClient client, long[] lat, int i) {
        if (i == lat.length) {
            return CompletableFuture.completedFuture(null);
        }
        long t0 = System.nanoTime();
        return client.ping().thenCompose(x -> {
            lat[i] = System.nanoTime() - t0;
            return chain(client, lat, i + 1);
        });
    }

    /** @return pings, file reads */
    private static Stats[] raw(HostAgent agent, int pings, Path file, int reads, int chunk, int size) throws Exception {
        try (RawAgent raw = new RawAgent(agent.socket())) {
            Stats ping = QmpBench.cpu(agent.pid(), () -> timed(pings, raw::ping));
            Stats files = QmpBench.cpu(agent.pid(), () -> timed(reads, () -> {
                long n = raw.readFile(file.toString(), chunk);
                if (n != size) {
                    throw new IOException("raw read " + n + " of " + size + " bytes");
                }
            }));
            return new Stats[] {ping, files};
        }
    }

    /**
     * The baseline: a blocking JDK socket, one request at a time, reading the agent's one-line
     * replies and checking only the id (or, for file reads, cutting the base64 out of the line
     * and decoding it, which any client must do). It synchronises once, as the client does.
     */
    private static final class RawAgent implements AutoCloseable {
        private final SocketChannel ch;
        private final ByteBuffer in = ByteBuffer.allocate(1 << 20);
        private byte[] line = new byte[1 << 16];
        private int lineLen;
        private long id;

        RawAgent(Path socket) throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            in.limit(0);
            long sync = new Random().nextLong() & Long.MAX_VALUE;
            ByteBuffer req = ByteBuffer.wrap(("\u00ff{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":" + sync
                    + "}}").getBytes(StandardCharsets.ISO_8859_1));
            while (req.hasRemaining()) {
                ch.write(req);
            }
            int b;
            while ((b = readByte()) != 0xFF) {
                if (b < 0) {
                    throw new IOException("no sentinel");
                }
            }
            String reply = readLine();
            if (!reply.contains(Long.toString(sync))) {
                throw new IOException("sync failed: " + reply);
            }
        }

        void ping() throws IOException {
            long n = ++id;
            send("{\"execute\":\"guest-ping\",\"id\":" + n + "}");
            String reply = readLine();
            if (!reply.endsWith("\"id\": " + n + "}")) {
                throw new IOException("unexpected reply " + reply);
            }
        }

        long readFile(String path, int chunk) throws IOException {
            send("{\"execute\":\"guest-file-open\",\"arguments\":{\"path\":\"" + path + "\",\"mode\":\"r\"}}");
            String open = readLine();
            long handle = Long.parseLong(open.replaceAll("\\D+", " ").trim().split(" ")[0]);
            long total = 0;
            while (true) {
                send("{\"execute\":\"guest-file-read\",\"arguments\":{\"handle\":" + handle + ",\"count\":" + chunk + "}}");
                readLineBytes();
                String text = new String(line, 0, lineLen, StandardCharsets.ISO_8859_1);
                int b64 = text.indexOf("\"buf-b64\": \"") + 12;
                byte[] data = Base64.getDecoder().decode(text.substring(b64, text.indexOf('"', b64)));
                total += data.length;
                if (text.contains("\"eof\": true") || data.length == 0) {
                    break;
                }
            }
            send("{\"execute\":\"guest-file-close\",\"arguments\":{\"handle\":" + handle + "}}");
            readLine();
            return total;
        }

        private void send(String s) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }

        private int readByte() throws IOException {
            if (!in.hasRemaining()) {
                in.clear();
                int n = ch.read(in);
                in.flip();
                if (n < 0) {
                    return -1;
                }
            }
            return in.get() & 0xff;
        }

        private String readLine() throws IOException {
            readLineBytes();
            return new String(line, 0, lineLen, StandardCharsets.UTF_8);
        }

        private void readLineBytes() throws IOException {
            lineLen = 0;
            while (true) {
                if (!in.hasRemaining()) {
                    in.clear();
                    if (ch.read(in) < 0) {
                        throw new IOException("end of stream");
                    }
                    in.flip();
                }
                int start = in.position();
                int end = start;
                while (end < in.limit() && in.get(end) != '\n') {
                    end++;
                }
                int n = end - start;
                if (lineLen + n > line.length) {
                    line = java.util.Arrays.copyOf(line, Math.max(line.length * 2, lineLen + n));
                }
                in.get(line, lineLen, n);
                lineLen += n;
                if (end < in.limit()) {
                    in.get(); // the newline
                    return;
                }
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
