package dev.qmpkit.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.micrometer.MicrometerQmpMetrics;
import dev.qmpkit.testing.FakeMonitor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The QMP client benchmark (issue 2): the client against a real QEMU ({@code -M none}) and a
 * raw-socket baseline on a second monitor of the same QEMU, measured alternately in the same
 * run; then the client alone against in-process responders.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks-*-all.jar dev.qmpkit.benchmarks.QmpBench [options]
 *   --rounds N      measured rounds (default 7); figures are medians over rounds
 *   --warmup N      unmeasured warm-up rounds (default 2)
 *   --seq N         sequential round trips per round against QEMU (default 3000)
 *   --pipe N        pipelined commands per round against QEMU (default 16000)
 *   --fake N        commands per round against the in-process responders (default 400000)
 *   --schema N      query-qmp-schema replies per round (default 10)
 *   --inflight N    commands in flight when pipelining (default 64)
 *   --only LIST     comma-separated subset of: qemu,schema,fake,idformat (default all), and
 *                   metrics (not in the default): the client-only rows with MicrometerQmpMetrics
 *   --qemu PATH     the qemu-system-x86_64 to run (default: from PATH)
 * </pre>
 */
public final class QmpBench {

    private static final String CMD = "query-status";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Map<String, String> opts;
    private final int rounds;
    private final int warmup;
    private final int inFlight;
    private final Set<String> only;
    private final List<String> report = new ArrayList<>();

    private QmpBench(Map<String, String> opts) {
        this.opts = opts;
        this.rounds = intOpt("rounds", 7);
        this.warmup = intOpt("warmup", 2);
        this.inFlight = intOpt("inflight", 64);
        this.only = Set.of(opts.getOrDefault("only", "qemu,schema,fake,idformat").split(","));
    }

    public static void main(String[] args) throws Exception {
        new QmpBench(BenchOptions.parse(args, "usage: QmpBench [--rounds N] [--warmup N] [--seq N] [--pipe N] [--fake N] "
                + "[--schema N] [--inflight N] [--only qemu,schema,fake] [--qemu PATH]")).run();
    }

    private int intOpt(String name, int def) {
        return BenchOptions.intOpt(opts, name, def);
    }

    private void run() throws Exception {
        System.out.printf("QmpBench %s: %d cores, java %s, rounds %d (+%d warm-up), %d in flight%n",
                Instant.now(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                rounds, warmup, inFlight);
        System.out.println("load average at start: " + loadAverage());
        qemu();
        System.out.println("load average at end: " + loadAverage());
        System.out.println();
        System.out.println("| measurement | client | raw | client/raw |");
        System.out.println("|---|---|---|---|");
        report.forEach(System.out::println);
    }

    // ---------------------------------------------------------------- real QEMU

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private void qemu() throws Exception {
        QemuBinary binary = BenchOptions.qemu(opts);
        Path dir = Files.createTempDirectory("qmpkit-bench-");
        Path rawSocket = dir.resolve("raw.sock");
        Path controlSocket = dir.resolve("control.sock");
        // Two more monitors of the very same QEMU process, served by QEMU: the raw baseline's, and
        // a control: the client on a server-mode monitor like the baseline's, to tell the
        // client's cost from any difference between the two kinds of monitor socket.
        QemuLauncher launcher = QemuLauncher.builder(binary)
                .args("-M", "none", "-accel", "tcg")
                .extraMonitor(rawSocket)
                .extraMonitor(controlSocket)
                .workDir(dir)
                .name("qmpbench")
                .build();
        try (QemuProcess qemu = launcher.start(); RawQmp raw = new RawQmp(rawSocket, true);
             QmpClient control = QmpClient.connectBlocking(QmpEndpoint.unix(controlSocket), QmpOptions.defaults())) {
            QmpClient client = qemu.qmp();
            long pid = qemu.pid();
            System.out.printf("QEMU %s (pid %d), client oob=%s, raw oob=%s%n", qemu.version(), qemu.pid(),
                    client.oobEnabled(), raw.greeting.contains("oob"));
            raw.oneLargeReply("query-qmp-schema");
            byte[] schema = raw.lastLine();
            // The client-only part first: it also warms the client's hot paths (JIT) for the QEMU part.
            if (only.contains("fake")) {
                fake(schema);
            }
            if (only.contains("metrics")) {
                metrics();
            }
            if (only.contains("qemu")) {
                int seq = intOpt("seq", 3000);
                int pipe = intOpt("pipe", 16000);
                List<Stats> cs = new ArrayList<>(), rs = new ArrayList<>(), cp = new ArrayList<>(), rp = new ArrayList<>();
                List<Double> seqRatio = new ArrayList<>(), pipeRatio = new ArrayList<>();
                List<Stats> ks = new ArrayList<>(), kp = new ArrayList<>(), as = new ArrayList<>();
                List<Double> aSeqRatio = new ArrayList<>();
                List<Double> kSeqRatio = new ArrayList<>(), kPipeRatio = new ArrayList<>();
                for (int r = -warmup; r < rounds; r++) {
                    // Alternate which goes first, so drift in machine load hits both alike.
                    boolean clientFirst = (r & 1) == 0;
                    Stats c1, r1, c2, r2;
                    if (clientFirst) {
                        c1 = cpu(pid, () -> clientSequential(client, seq));
                        r1 = cpu(pid, () -> rawSequential(raw, seq));
                        c2 = cpu(pid, () -> clientPipelined(client, pipe));
                        r2 = cpu(pid, () -> rawPipelined(raw, pipe));
                    } else {
                        r1 = cpu(pid, () -> rawSequential(raw, seq));
                        c1 = cpu(pid, () -> clientSequential(client, seq));
                        r2 = cpu(pid, () -> rawPipelined(raw, pipe));
                        c2 = cpu(pid, () -> clientPipelined(client, pipe));
                    }
                    // Diagnosis: one command at a time, but each issued from the previous one's
                    // completion on the I/O thread: no hand-off to and from a blocked caller thread.
                    Stats a1 = cpu(pid, () -> clientPipelined(client, seq, 1));
                    Stats k1 = cpu(pid, () -> clientSequential(control, seq));
                    Stats k2 = cpu(pid, () -> clientPipelined(control, pipe));
                    System.out.printf("round %2d  seq client %,6.0f/s raw %,6.0f/s chained %,6.0f/s control %,6.0f/s   %d in flight client %,6.0f/s raw %,6.0f/s control %,6.0f/s%n",
                            r, c1.opsPerSecond(), r1.opsPerSecond(), a1.opsPerSecond(), k1.opsPerSecond(), inFlight,
                            c2.opsPerSecond(), r2.opsPerSecond(), k2.opsPerSecond());
                    if (r >= 0) {
                        as.add(a1);
                        aSeqRatio.add(a1.opsPerSecond() / r1.opsPerSecond());
                        ks.add(k1); kp.add(k2);
                        kSeqRatio.add(k1.opsPerSecond() / r1.opsPerSecond());
                        kPipeRatio.add(k2.opsPerSecond() / r2.opsPerSecond());
                        cs.add(c1); rs.add(r1); cp.add(c2); rp.add(r2);
                        seqRatio.add(c1.opsPerSecond() / r1.opsPerSecond());
                        pipeRatio.add(c2.opsPerSecond() / r2.opsPerSecond());
                    }
                }
                row("QEMU sequential " + CMD + " (cmd/s)", cs, rs, seqRatio);
                latencyRow("QEMU sequential latency p50 / p99 (us)", cs, rs);
                row("QEMU " + inFlight + " in flight (cmd/s)", cp, rp, pipeRatio);
                latencyRow("QEMU " + inFlight + " in flight latency p50 / p99 (us)", cp, rp);
                cpuRow("sequential: client (blocking) / raw / client async chained", cs, rs, as);
                cpuRow(inFlight + " in flight: client / raw", cp, rp, null);
                row("QEMU sequential, async chained on the I/O thread (cmd/s)", as, rs, aSeqRatio);
                latencyRow("QEMU sequential, async chained, latency p50 / p99 (us)", as, rs);
                row("(control) client on a server-mode monitor, sequential (cmd/s)", ks, rs, kSeqRatio);
                row("(control) client on a server-mode monitor, " + inFlight + " in flight (cmd/s)", kp, rp, kPipeRatio);
            }
            if (only.contains("schema")) {
                schema(client, raw);
            }
            if (only.contains("idformat")) {
                idFormat(raw, pid);
            }
        } finally {
            deleteQuietly(rawSocket, controlSocket, dir);
        }
    }

    private void schema(QmpClient client, RawQmp raw) throws Exception {
        schemaRows("query-qmp-schema from QEMU", client, raw, intOpt("schema", 10));
    }

    /**
     * Times client and raw alternately, swapping which goes first every time, and reports the
     * median of the per-pair ratios, which cancels most of a noisy machine's drift.
     */
    private void schemaRows(String label, QmpClient client, RawQmp raw, int n) throws Exception {
        List<Double> c = new ArrayList<>(), rw = new ArrayList<>(), rwParse = new ArrayList<>();
        List<Double> ratio = new ArrayList<>(), ratioParse = new ArrayList<>();
        int size = 0;
        int entries = 0;
        for (int r = -warmup; r < rounds; r++) {
            List<Double> rc = new ArrayList<>(), rr = new ArrayList<>(), rp = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                long ct = 0, rt = 0, pt = 0;
                for (int k = 0; k < 2; k++) {
                    if ((k == 0) == (i % 2 == 0)) {
                        long t0 = System.nanoTime();
                        JsonNode s = client.execute("query-qmp-schema").get(30, TimeUnit.SECONDS);
                        ct = System.nanoTime() - t0;
                        entries = s.size();
                    } else {
                        long t1 = System.nanoTime();
                        size = raw.oneLargeReply("query-qmp-schema");
                        long t2 = System.nanoTime();
                        JsonNode parsed = MAPPER.readTree(raw.lastLine());
                        long t3 = System.nanoTime();
                        rt = t2 - t1;
                        pt = t3 - t1;
                        if (entries != 0 && parsed.path("return").size() != entries) {
                            throw new IllegalStateException("client and raw schema differ in size");
                        }
                    }
                }
                rc.add(ct / 1e6);
                rr.add(rt / 1e6);
                rp.add(pt / 1e6);
                if (r >= 0) {
                    ratio.add((double) ct / rt);
                    ratioParse.add((double) ct / pt);
                }
            }
            double cm = median(rc), rm = median(rr), pm = median(rp);
            System.out.printf("round %2d  %s: client %.2f ms raw %.2f ms (raw+parse %.2f ms) (medians of %d)%n", r, label,
                    cm, rm, pm, n);
            if (r >= 0) {
                c.add(cm); rw.add(rm); rwParse.add(pm);
            }
        }
        report.add(String.format("| %s, %d entries, %,d bytes (ms) | %.2f | %.2f (read only); %.2f (read + Jackson tree) "
                + "| %.2f (%.2f vs read + tree) |", label, entries, size, median(c), median(rw), median(rwParse),
                median(ratio), median(ratioParse)));
    }

    /**
     * Diagnosis: the raw baseline with numeric ids against the same raw code sending string ids
     * with the client's prefix, alternately on one connection. Only the bytes on the wire differ,
     * so a difference in QEMU's CPU per command is QEMU's cost of the id format.
     */
    private void idFormat(RawQmp raw, long pid) throws Exception {
        int seq = intOpt("seq", 3000);
        int pipe = intOpt("pipe", 16000);
        List<Stats> is = new ArrayList<>(), ss = new ArrayList<>(), ip = new ArrayList<>(), sp = new ArrayList<>();
        List<Double> seqRatio = new ArrayList<>(), pipeRatio = new ArrayList<>();
        for (int r = -warmup; r < rounds; r++) {
            raw.idPrefix(null);
            Stats i1 = cpu(pid, () -> rawSequential(raw, seq));
            Stats i2 = cpu(pid, () -> rawPipelined(raw, pipe));
            raw.idPrefix(dev.qmpkit.qmp.QmpClient.ID_PREFIX);
            Stats s1 = cpu(pid, () -> rawSequential(raw, seq));
            Stats s2 = cpu(pid, () -> rawPipelined(raw, pipe));
            raw.idPrefix(null);
            System.out.printf("round %2d  raw numeric id: seq %,6.0f/s (QEMU %.0f us CPU/cmd), %d in flight %,6.0f/s (%.0f us)"
                    + "   string id \"%sN\": seq %,6.0f/s (%.0f us), %d in flight %,6.0f/s (%.0f us)%n", r,
                    i1.opsPerSecond(), i1.qemuCpuMicrosPerOp(), inFlight, i2.opsPerSecond(), i2.qemuCpuMicrosPerOp(),
                    dev.qmpkit.qmp.QmpClient.ID_PREFIX, s1.opsPerSecond(), s1.qemuCpuMicrosPerOp(), inFlight,
                    s2.opsPerSecond(), s2.qemuCpuMicrosPerOp());
            if (r >= 0) {
                is.add(i1); ip.add(i2); ss.add(s1); sp.add(s2);
                seqRatio.add(s1.opsPerSecond() / i1.opsPerSecond());
                pipeRatio.add(s2.opsPerSecond() / i2.opsPerSecond());
            }
        }
        report.add(String.format("| (diagnosis) raw baseline sending string ids \"%sN\" instead of numbers: sequential; "
                + "%d in flight (cmd/s) | %,.0f; %,.0f | %,.0f; %,.0f | %.3f; %.3f |", dev.qmpkit.qmp.QmpClient.ID_PREFIX,
                inFlight, Stats.med(ss, Stats::opsPerSecond), Stats.med(sp, Stats::opsPerSecond),
                Stats.med(is, Stats::opsPerSecond), Stats.med(ip, Stats::opsPerSecond), median(seqRatio), median(pipeRatio)));
        report.add(String.format("| (diagnosis) QEMU CPU per command, string id vs numeric id: sequential; %d in flight (us) "
                + "| %.0f; %.0f | %.0f; %.0f | |", inFlight, Stats.med(ss, Stats::qemuCpuMicrosPerOp),
                Stats.med(sp, Stats::qemuCpuMicrosPerOp), Stats.med(is, Stats::qemuCpuMicrosPerOp),
                Stats.med(ip, Stats::qemuCpuMicrosPerOp)));
    }

    private static Stats clientSequential(QmpClient client, int n) throws Exception {
        long[] lat = new long[n];
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            client.execute(CMD).get(10, TimeUnit.SECONDS);
            lat[i] = System.nanoTime() - t0;
        }
        return Stats.of(lat, System.nanoTime() - start);
    }

    private static Stats rawSequential(RawQmp raw, int n) throws IOException {
        long[] lat = new long[n];
        long el = raw.sequential(CMD, lat);
        return Stats.of(lat, el);
    }

    private Stats rawPipelined(RawQmp raw, int n) throws IOException {
        long[] lat = new long[n];
        long el = raw.pipelined(CMD, inFlight, lat);
        return Stats.of(lat, el);
    }

    /**
     * Keeps {@code inFlight} commands outstanding through the async API: each completion (on
     * the client's I/O thread) issues the next command, as an async application would.
     */
    private Stats clientPipelined(QmpClient client, int n) throws Exception {
        return clientPipelined(client, n, inFlight);
    }

    private static Stats clientPipelined(QmpClient client, int n, int inFlight) throws Exception {
        long[] lat = new long[n];
        AtomicInteger issued = new AtomicInteger();
        AtomicInteger completed = new AtomicInteger();
        CompletableFuture<Void> done = new CompletableFuture<>();
        Runnable[] issue = new Runnable[1];
        issue[0] = () -> {
            int i = issued.getAndIncrement();
            if (i >= n) {
                return;
            }
            long t0 = System.nanoTime();
            client.execute(CMD).whenComplete((v, e) -> {
                lat[i] = System.nanoTime() - t0;
                if (e != null) {
                    done.completeExceptionally(e);
                } else if (completed.incrementAndGet() == n) {
                    done.complete(null);
                } else {
                    issue[0].run();
                }
            });
        };
        long start = System.nanoTime();
        for (int k = 0; k < Math.min(inFlight, n); k++) {
            issue[0].run();
        }
        done.get(120, TimeUnit.SECONDS);
        return Stats.of(lat, System.nanoTime() - start);
    }

    // ---------------------------------------------------------------- client only

    private void fake(byte[] schema) throws Exception {
        int n = intOpt("fake", 400000);
        try (FastResponder fast = new FastResponder()) {
            fast.schemaReply(schema);
            try (QmpClient client = QmpClient.connectBlocking(QmpEndpoint.unix(fast.socket()), QmpOptions.defaults())) {
                clientOnly("client only, FastResponder", client, n, true);
            }
            try (RawQmp raw = new RawQmp(fast.socket(), true)) {
                List<Stats> rp = new ArrayList<>(), rs = new ArrayList<>();
                for (int r = -warmup; r < rounds; r++) {
                    Stats p = rawPipelined(raw, n);
                    Stats s = rawSequential(raw, n / 20);
                    System.out.printf("round %2d  raw vs FastResponder %d in flight %,9.0f/s p50 %.0f us p99 %.0f us"
                            + "   sequential %,8.0f/s p50 %.0f us p99 %.0f us%n", r, inFlight, p.opsPerSecond(),
                            p.p50Micros(), p.p99Micros(), s.opsPerSecond(), s.p50Micros(), s.p99Micros());
                    if (r >= 0) {
                        rp.add(p);
                        rs.add(s);
                    }
                }
                Stats m = Stats.median(rp);
                report.add(String.format("| (reference) raw socket vs FastResponder, %d in flight (cmd/s; p50/p99 us) | | %,.0f (%s); %.0f / %.0f | |",
                        inFlight, Stats.med(rp, Stats::opsPerSecond), Stats.spread(rp), m.p50Micros(), m.p99Micros()));
                Stats q = Stats.median(rs);
                report.add(String.format("| (reference) raw socket vs FastResponder, sequential (cmd/s; p50/p99 us) | | %,.0f; %.0f / %.0f | |",
                        Stats.med(rs, Stats::opsPerSecond), q.p50Micros(), q.p99Micros()));
            }
            try (QmpClient client = QmpClient.connectBlocking(QmpEndpoint.unix(fast.socket()), QmpOptions.defaults());
                 RawQmp raw = new RawQmp(fast.socket(), true)) {
                schemaRows("query-qmp-schema replayed by FastResponder", client, raw, 5 * intOpt("schema", 10));
            }
        }
        try (FakeMonitor fake = FakeMonitor.start().recordCommands(false);
             QmpClient client = QmpClient.connectBlocking(QmpEndpoint.unix(fake.socketPath()), QmpOptions.defaults())) {
            clientOnly("client only, FakeMonitor (qmpkit-testing)", client, n, false);
        }
    }

    /** The client-only row again, recording into Micrometer: the cost of metrics when they are used. */
    private void metrics() throws Exception {
        int n = intOpt("fake", 400000);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        QmpOptions options = QmpOptions.builder().metrics(MicrometerQmpMetrics.qmp(registry)).build();
        try (FastResponder fast = new FastResponder();
             QmpClient client = QmpClient.connectBlocking(QmpEndpoint.unix(fast.socket()), options)) {
            clientOnly("client only, FastResponder, MicrometerQmpMetrics (SimpleMeterRegistry)", client, n, true);
        }
        System.out.printf("recorded: %,d query-status%n", registry.get("qmpkit.qmp.commands")
                .tags("command", CMD, "outcome", "success").timer().count());
    }

    private void clientOnly(String label, QmpClient client, int n, boolean sequentialToo) throws Exception {
        List<Stats> ps = new ArrayList<>(), ss = new ArrayList<>(), as = new ArrayList<>();
        for (int r = -warmup; r < rounds; r++) {
            Stats p = clientPipelined(client, n);
            String seq = "";
            if (sequentialToo) {
                Stats s = clientSequential(client, n / 20);
                Stats a = clientPipelined(client, n / 20, 1);
                seq = String.format("   sequential %,8.0f/s p50 %.0f us p99 %.0f us; chained %,8.0f/s p50 %.0f us",
                        s.opsPerSecond(), s.p50Micros(), s.p99Micros(), a.opsPerSecond(), a.p50Micros());
                if (r >= 0) {
                    ss.add(s);
                    as.add(a);
                }
            }
            System.out.printf("round %2d  %s %d in flight %,9.0f/s p50 %.0f us p99 %.0f us%s%n", r, label, inFlight,
                    p.opsPerSecond(), p.p50Micros(), p.p99Micros(), seq);
            if (r >= 0) {
                ps.add(p);
            }
            System.gc(); // collect between rounds, not inside the next one
        }
        Stats m = Stats.median(ps);
        report.add(String.format("| %s, %d in flight (cmd/s; p50/p99 us) | %,.0f (%s); %.0f / %.0f | | |", label, inFlight,
                Stats.med(ps, Stats::opsPerSecond), Stats.spread(ps), m.p50Micros(), m.p99Micros()));
        if (sequentialToo) {
            Stats s = Stats.median(ss);
            report.add(String.format("| %s, sequential (cmd/s; p50/p99 us) | %,.0f; %.0f / %.0f | | |", label,
                    Stats.med(ss, Stats::opsPerSecond), s.p50Micros(), s.p99Micros()));
            Stats a = Stats.median(as);
            report.add(String.format("| %s, sequential async chained on the I/O thread (cmd/s; p50/p99 us) | %,.0f; %.0f / %.0f | | |",
                    label, Stats.med(as, Stats::opsPerSecond), a.p50Micros(), a.p99Micros()));
        }
    }

    // ---------------------------------------------------------------- report

    private void row(String what, List<Stats> client, List<Stats> raw, List<Double> ratios) {
        report.add(String.format("| %s | %,.0f (%s) | %,.0f (%s) | %.3f |", what,
                Stats.med(client, Stats::opsPerSecond), Stats.spread(client),
                Stats.med(raw, Stats::opsPerSecond), Stats.spread(raw), median(ratios)));
    }

    private void latencyRow(String what, List<Stats> client, List<Stats> raw) {
        Stats c = Stats.median(client), r = Stats.median(raw);
        report.add(String.format("| %s | %.0f / %.0f | %.0f / %.0f | |", what, c.p50Micros(), c.p99Micros(),
                r.p50Micros(), r.p99Micros()));
    }

    interface Measurement {
        Stats run() throws Exception;
    }

    /** Runs a measurement and attaches the CPU time this JVM and QEMU spent meanwhile. */
    static Stats cpu(long qemuPid, Measurement m) throws Exception {
        long j0 = ProcCpu.jvm();
        long q0 = ProcCpu.threads(qemuPid);
        Stats s = m.run();
        return s.withCpu(ProcCpu.jvm() - j0, ProcCpu.threads(qemuPid) - q0);
    }

    private void cpuRow(String what, List<Stats> a, List<Stats> b, List<Stats> c) {
        StringBuilder sb = new StringBuilder("| CPU per command, " + what + ": benchmark JVM / QEMU (us) | ");
        List<List<Stats>> all = c == null ? List.of(a, b) : List.of(a, b, c);
        List<String> parts = new ArrayList<>();
        for (List<Stats> l : all) {
            parts.add(String.format("%.1f / %.1f", Stats.med(l, Stats::jvmCpuMicrosPerOp), Stats.med(l, Stats::qemuCpuMicrosPerOp)));
        }
        sb.append(String.join(" ; ", parts)).append(" | | |");
        report.add(sb.toString());
    }

    static void deleteQuietly(Path... paths) {
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                System.err.println("cannot delete " + p + ": " + e);
            }
        }
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
