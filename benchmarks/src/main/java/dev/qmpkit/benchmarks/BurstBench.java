package dev.qmpkit.benchmarks;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.Accel;
import dev.qmpkit.templating.Boot;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.ClonePool;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.ProgressListener;
import dev.qmpkit.templating.Step;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateVm;
import dev.qmpkit.templating.Templating;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.WorkFiles;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

/**
 * Clone bursts (issue 13): N clones started at once through the SDK ({@code startClone()} on N
 * threads, the default {@link Templating} as the demo uses it), the same clone command lines
 * through a raw-QMP driver ({@link RawClone}: spawn, {@code migrate-set-capabilities},
 * {@code migrate-incoming} from {@code file:}, the MIGRATION event, {@code cont}), and N bare
 * {@code -M none} QEMUs to negotiated QMP; the three modes interleaved round by round (the order
 * rotates), so load drift hits all alike. Wall time until the last runs, and CPU: this JVM's
 * (all threads, during the burst), QEMU's (each clone's threads when its own start returned),
 * and other child processes'. Before the bursts, single starts with a per-step breakdown of
 * wall time, JVM CPU and QEMU CPU, for the SDK and the raw driver.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks-*-all.jar dev.qmpkit.benchmarks.BurstBench [options]
 *   --bursts L   burst sizes (default 1,5,20)
 *   --rounds N   bursts of each size per mode (default 7)
 *   --singles N  single starts per mode for the step breakdown (default 21)
 *   --warmup N   starts per mode before anything is measured (default 50)
 *   --acquires N pool acquires, alternating with as many bare conts, after as many unmeasured (default 21)
 *   --ram MIB    guest RAM (default 256)
 *   --dir PATH   where the template goes (default java.io.tmpdir)
 *   --qemu PATH  the qemu-system-x86_64 to run (default: from PATH)
 * </pre>
 */
public final class BurstBench {

    private final Map<String, String> opts;
    private final QemuBinary binary;

    private BurstBench(Map<String, String> opts) {
        this.opts = opts;
        this.binary = BenchOptions.qemu(opts);
    }

    public static void main(String[] args) throws Exception {
        new BurstBench(BenchOptions.parse(args, "usage: BurstBench [--bursts 1,5,20] [--rounds N] [--singles N] [--warmup N] [--acquires N] "
                + "[--ram MIB] [--dir PATH] [--qemu PATH]")).run();
    }

    /** One burst's figures (ms). */
    record Burst(double wallMs, double jvmCpuMs, double qemuCpuMs, double otherCpuMs) {
    }

    private interface Mode {
        String name();

        /** Starts one; returns what closes it and its QEMU pid. */
        Started start() throws Exception;
    }

    private record Started(AutoCloseable closer, long pid) {
    }

    private Path work;
    private Templating owner;
    private Template template;
    private RawClone.Recipe recipe;

    private void run() throws Exception {
        Path parent = Path.of(opts.getOrDefault("dir", System.getProperty("java.io.tmpdir")));
        work = Files.createTempDirectory(parent, "qmpkit-burst-");
        // Raw clones' QEMU drops to nobody before it opens the state by name: let it reach the copy.
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        System.out.printf("BurstBench %s: %d cores, QEMU %s, load average %s%n", Instant.now(),
                Runtime.getRuntime().availableProcessors(), binary.version(), TemplateBench.loadAverage());
        owner = Templating.builder().build();
        try {
            setUp();
            List<Mode> modes = List.of(sdk(), raw(), bare());
            // Warm-up: class loading, JIT, page cache, the binary's probes and feature caches.
            for (int i = 0; i < intOpt("warmup", 50); i++) {
                for (Mode m : modes) {
                    m.start().closer().close();
                }
            }
            for (Mode m : modes) {
                burst(m, 5);
            }
            singles(intOpt("singles", 21));
            acquires(intOpt("acquires", 21));
            List<Integer> sizes = Arrays.stream(opts.getOrDefault("bursts", "1,5,20").split(","))
                    .map(s -> Integer.parseInt(s.strip())).toList();
            int rounds = intOpt("rounds", 7);
            Map<Integer, Map<String, List<Burst>>> results = new LinkedHashMap<>();
            for (int size : sizes) {
                for (int r = 0; r < rounds; r++) {
                    for (int k = 0; k < modes.size(); k++) {
                        Mode m = modes.get((r + k) % modes.size());
                        Burst b = burst(m, size);
                        results.computeIfAbsent(size, x -> new LinkedHashMap<>())
                                .computeIfAbsent(m.name(), x -> new ArrayList<>()).add(b);
                    }
                }
                System.out.printf("burst of %d done, load average %s%n", size, TemplateBench.loadAverage());
            }
            report(results);
            System.out.println();
            System.out.println("JVM CPU by thread during SDK bursts (ms per clone): " + sdkThreads.entrySet().stream()
                    .filter(e -> e.getValue() > 0).sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                    .map(e -> String.format("%s %.2f", e.getKey(), e.getValue() / 1e6 / sdkClones))
                    .collect(Collectors.joining(", ")));
        } finally {
            owner.close();
            WorkFiles.deleteTree(work);
            System.out.println("load average at end: " + TemplateBench.loadAverage());
        }
    }

    private int intOpt(String name, int def) {
        return BenchOptions.intOpt(opts, name, def);
    }

    private void setUp() throws Exception {
        Path dir = work.resolve("tpl");
        VmDescription d = VmDescription.builder().machineType("q35").accel(Accel.TCG).cpus(1)
                .ram((long) intOpt("ram", 256) << 20).boot(Boot.kernel(BuiltinGuest.writeKernel(work))).build();
        try (TemplateVm vm = owner.startTemplate(binary, d, dir)) {
            SerialLog.awaitReady(vm.serialLog(), Duration.ofSeconds(60));
            template = vm.save();
        }
        Path state = work.resolve("raw-state.bin");
        Files.copy(dir.resolve(template.manifest().state().file()), state, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("r--r--r--"));
        try (CloneVm probe = owner.startClone(template, CloneOptions.defaults())) {
            recipe = new RawClone.Recipe(argv(probe.pid()), probe.workDir(), state);
        }
        System.out.println("clone command line: " + String.join(" ", recipe.sdkArgv()));
    }

    private static List<String> argv(long pid) throws IOException {
        String s = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                StandardCharsets.UTF_8);
        return List.of(s.split("\0"));
    }

    private Mode sdk() {
        return new Mode() {
            public String name() {
                return "sdk";
            }

            public Started start() {
                CloneVm c = owner.startClone(template, CloneOptions.defaults());
                return new Started(c, c.pid());
            }
        };
    }

    private Mode raw() {
        return new Mode() {
            public String name() {
                return "raw";
            }

            public Started start() throws IOException {
                RawClone c = RawClone.start(recipe, work, null);
                return new Started(c, c.pid());
            }
        };
    }

    private Mode bare() {
        return new Mode() {
            public String name() {
                return "bare";
            }

            public Started start() throws IOException {
                RawClone c = RawClone.bare(binary.executable(), work);
                return new Started(c, c.pid());
            }
        };
    }

    private static final Map<String, Long> sdkThreads = new java.util.TreeMap<>();
    private static long sdkClones;

    /** Starts {@code n} at once on {@code n} threads; all are closed before it returns. */
    private static Burst burst(Mode m, int n) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(n);
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch go = new CountDownLatch(1);
        long[] qemuCpu = new long[n];
        List<Future<Started>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            futures.add(threads.submit((Callable<Started>) () -> {
                ready.countDown();
                go.await();
                Started s = m.start();
                qemuCpu[k] = ProcCpu.qemu(s.pid());
                return s;
            }));
        }
        ready.await();
        Thread.sleep(50);
        Map<String, Long> threads0 = ProcCpu.byThreadName(ProcessHandle.current().pid());
        // Long-lived children (the JVM's orphan watchdog) count with what they spent during the burst only.
        Map<Long, Long> children0 = new java.util.HashMap<>();
        ProcessHandle.current().children().forEach(p -> children0.put(p.pid(), ProcCpu.threads(p.pid())));
        long j0 = ProcCpu.jvm();
        long t0 = System.nanoTime();
        go.countDown();
        List<Started> started = new ArrayList<>();
        Exception failure = null;
        for (Future<Started> f : futures) {
            try {
                started.add(f.get());
            } catch (Exception e) {
                failure = failure == null ? e : failure;
            }
        }
        double wall = (System.nanoTime() - t0) / 1e6;
        double jvm = (ProcCpu.jvm() - j0) / 1e6;
        if (m.name().equals("sdk")) {
            ProcCpu.byThreadName(ProcessHandle.current().pid()).forEach((k, v) ->
                    sdkThreads.merge(k, v - threads0.getOrDefault(k, 0L), Long::sum));
            sdkClones += n;
        }
        Set<Long> qemus = started.stream().map(Started::pid).collect(Collectors.toSet());
        long other = ProcessHandle.current().children().filter(p -> !qemus.contains(p.pid()))
                .mapToLong(p -> ProcCpu.threads(p.pid()) - children0.getOrDefault(p.pid(), 0L)).sum();
        try {
            if (failure != null) {
                throw failure;
            }
            return new Burst(wall, jvm, Arrays.stream(qemuCpu).sum() / 1e6, other / 1e6);
        } finally {
            started.parallelStream().forEach(s -> {
                try {
                    s.closer().close();
                } catch (Exception e) {
                    System.err.println("close failed: " + e);
                }
            });
            threads.shutdown();
            Thread.sleep(200); // let the stopped QEMUs' exit work finish before the next burst
        }
    }

    // ------------------------------------------------------------------ single starts, per step

    /** Per-step wall, JVM CPU and QEMU CPU of sequential SDK clone starts. */
    private static final class StepCpu implements ProgressListener {
        final Map<Step, List<double[]>> steps = new EnumMap<>(Step.class);
        long pid = -1;
        long jvm0;
        long qemu0;
        long wall0;

        /** This listener's own CPU during the current start (its /proc reads), kept out of the figures. */
        long overhead;
        private final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();

        @Override
        public void stepStarted(Step step, String vmName) {
            long c0 = threads.getCurrentThreadCpuTime();
            qemu0 = pid < 0 ? 0 : ProcCpu.qemu(pid);
            wall0 = System.nanoTime();
            jvm0 = ProcCpu.jvm();
            overhead += threads.getCurrentThreadCpuTime() - c0;
        }

        @Override
        public void stepFinished(Step step, String vmName, Duration took) {
            long c0 = threads.getCurrentThreadCpuTime();
            long jvm = ProcCpu.jvm() - jvm0;
            long wall = System.nanoTime() - wall0;
            // Less the first read's own cost, which the reading thread paid inside the step.
            jvm -= threads.getCurrentThreadCpuTime() - c0;
            if (step == Step.CLONE_LAUNCH) {
                pid = findQemu(vmName);
            }
            long qemu = pid < 0 ? 0 : ProcCpu.qemu(pid) - qemu0;
            steps.computeIfAbsent(step, s -> new ArrayList<>()).add(new double[] {wall / 1e6, jvm / 1e6, qemu / 1e6});
            overhead += threads.getCurrentThreadCpuTime() - c0;
        }

        private static long findQemu(String vmName) {
            String mark = "/qmpkit-" + vmName + "-";
            return ProcessHandle.current().children().filter(p -> {
                try {
                    String cmd = new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")),
                            StandardCharsets.UTF_8);
                    return cmd.contains(mark) && cmd.contains("qemu");
                } catch (IOException e) {
                    return false;
                }
            }).mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
        }
    }

    private void singles(int n) throws Exception {
        StepCpu steps = new StepCpu();
        CloneOptions timed = CloneOptions.builder().listener(steps).build();
        List<double[]> sdkTotal = new ArrayList<>();
        List<long[]> rawMarks = new ArrayList<>();
        List<double[]> rawTotal = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            steps.pid = -1;
            steps.overhead = 0;
            long j0 = ProcCpu.jvm();
            long t0 = System.nanoTime();
            try (CloneVm c = owner.startClone(template, timed)) {
                double wall = (System.nanoTime() - t0) / 1e6;
                double jvm = (ProcCpu.jvm() - j0 - steps.overhead) / 1e6;
                sdkTotal.add(new double[] {wall, jvm, ProcCpu.qemu(c.pid()) / 1e6});
            }
            Thread.sleep(100);
            long[] marks = new long[2 * (RawClone.PHASES.length + 1)];
            j0 = ProcCpu.jvm();
            t0 = System.nanoTime();
            try (RawClone c = RawClone.start(recipe, work, marks)) {
                double wall = (System.nanoTime() - t0) / 1e6;
                double jvm = (ProcCpu.jvm() - j0) / 1e6;
                rawTotal.add(new double[] {wall, jvm, ProcCpu.qemu(c.pid()) / 1e6});
                rawMarks.add(marks);
            }
            Thread.sleep(100);
        }
        System.out.println();
        System.out.printf("single starts (%d each, medians; CPU from /proc, this JVM all threads), load average %s%n", n,
                TemplateBench.loadAverage());
        System.out.println("| SDK step | wall (ms) | JVM CPU (ms) | QEMU CPU (ms) |");
        System.out.println("|---|---|---|---|");
        double[] sum = new double[3];
        for (Map.Entry<Step, List<double[]>> e : steps.steps.entrySet()) {
            double[] med = medians(e.getValue());
            for (int k = 0; k < 3; k++) {
                sum[k] += med[k];
            }
            System.out.printf("| %s | %.2f | %.2f | %.2f |%n", e.getKey().name().toLowerCase(), med[0], med[1], med[2]);
        }
        double[] total = medians(sdkTotal);
        System.out.printf("| outside the steps (less this listener's own /proc reads) | %.2f | %.2f | %.2f |%n", total[0] - sum[0], total[1] - sum[1],
                total[2] - sum[2]);
        System.out.printf("| **startClone() total** | %.2f | %.2f | %.2f |%n", total[0], total[1], total[2]);
        System.out.println();
        System.out.println("| raw phase | wall (ms) | JVM CPU (ms) | QEMU CPU (ms) |");
        System.out.println("|---|---|---|---|");
        int p = RawClone.PHASES.length + 1;
        for (int k = 0; k < RawClone.PHASES.length; k++) {
            int i = k;
            List<double[]> rows = rawMarks.stream().map(m -> new double[] {(m[i + 1] - m[i]) / 1e6, 0,
                    (m[p + i + 1] - m[p + i]) / 1e6}).toList();
            double[] med = medians(rows);
            System.out.printf("| %s | %.2f | | %.2f |%n", RawClone.PHASES[k], med[0], med[2]);
        }
        double[] raw = medians(rawTotal);
        System.out.printf("| **raw total** | %.2f | %.2f | %.2f |%n", raw[0], raw[1], raw[2]);
        System.out.printf("single start, SDK / raw: wall %.2fx, JVM CPU %.2fx, QEMU CPU %.2fx%n", total[0] / raw[0],
                total[1] / raw[1], total[2] / raw[2]);
    }

    // ------------------------------------------------------------------ pool acquire

    /**
     * {@code ClonePool.acquire()} against a bare {@code cont} (sent on the clone's monitor, not
     * through {@link CloneVm#resume()}) on a paused clone started alike, alternating, each after
     * the pool is full (or the clone paused) and 200 ms of quiet, so neither competes with a QEMU
     * start. Clones without fix-ups (the target is about the pool's own cost; fix-ups run at the
     * first resume and cost what they do).
     */
    private void acquires(int n) throws Exception {
        List<Double> acquire = new ArrayList<>();
        List<Double> cont = new ArrayList<>();
        List<Double> acquireCpu = new ArrayList<>();
        List<Double> contCpu = new ArrayList<>();
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        CloneOptions plain = CloneOptions.builder().fixUps().build();
        CloneOptions paused = plain.toBuilder().resume(false).build();
        try (ClonePool pool = owner.startPool(template, 2, plain)) {
            // As many unmeasured rounds first: both paths compiled, not interpreted.
            for (int i = -n; i < n; i++) {
                if (i == 0) {
                    acquire.clear();
                    cont.clear();
                    acquireCpu.clear();
                    contCpu.clear();
                }
                awaitFull(pool);
                Thread.sleep(200);
                long c0 = mx.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                CloneVm vm = pool.acquire();
                acquire.add((System.nanoTime() - t0) / 1e6);
                acquireCpu.add((mx.getCurrentThreadCpuTime() - c0) / 1e6);
                vm.close();
                awaitFull(pool);
                try (CloneVm c = owner.startClone(template, paused)) {
                    Thread.sleep(200);
                    c0 = mx.getCurrentThreadCpuTime();
                    t0 = System.nanoTime();
                    c.qmp().execute("cont").get();
                    cont.add((System.nanoTime() - t0) / 1e6);
                    contCpu.add((mx.getCurrentThreadCpuTime() - c0) / 1e6);
                }
            }
        }
        double a = median(acquire), c = median(cont);
        System.out.println();
        System.out.printf("pool acquire (pool of 2, %d acquires) median %.3f ms (%.3f to %.3f); bare cont on a paused "
                + "clone median %.3f ms (%.3f to %.3f); acquire / cont %.2fx; load average %s%n", n, a,
                acquire.stream().mapToDouble(x -> x).min().orElse(0), acquire.stream().mapToDouble(x -> x).max().orElse(0),
                c, cont.stream().mapToDouble(x -> x).min().orElse(0), cont.stream().mapToDouble(x -> x).max().orElse(0),
                a / c, TemplateBench.loadAverage());
        System.out.printf("CPU of the calling thread: acquire median %.3f ms, bare cont median %.3f ms%n",
                median(acquireCpu), median(contCpu));
    }

    private static void awaitFull(ClonePool pool) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (pool.available() < pool.size()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pool did not fill in 60 s: " + pool);
            }
            Thread.sleep(10);
        }
    }

    // ------------------------------------------------------------------ report

    private static void report(Map<Integer, Map<String, List<Burst>>> results) {
        System.out.println();
        System.out.println("| burst | SDK wall (ms) | raw wall (ms) | bare `-M none` wall (ms) | SDK / raw (median of rounds) "
                + "| SDK / bare | raw / bare | CPU per clone, SDK: JVM / QEMU / other (ms) | raw: JVM / QEMU (ms) "
                + "| bare: JVM / QEMU (ms) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (Map.Entry<Integer, Map<String, List<Burst>>> e : results.entrySet()) {
            int n = e.getKey();
            List<Burst> sdk = e.getValue().get("sdk"), raw = e.getValue().get("raw"), bare = e.getValue().get("bare");
            System.out.printf("| %d | %s | %s | %s | **%.2fx** | %.2fx | %.2fx | %.1f / %.1f / %.1f | %.1f / %.1f | "
                            + "%.1f / %.1f |%n", n, range(sdk), range(raw), range(bare), ratio(sdk, raw), ratio(sdk, bare),
                    ratio(raw, bare), median(sdk, Burst::jvmCpuMs) / n, median(sdk, Burst::qemuCpuMs) / n,
                    median(sdk, Burst::otherCpuMs) / n, median(raw, Burst::jvmCpuMs) / n,
                    median(raw, Burst::qemuCpuMs) / n, median(bare, Burst::jvmCpuMs) / n,
                    median(bare, Burst::qemuCpuMs) / n);
        }
    }

    /** @return the median over rounds of the per-round ratio of wall times */
    private static double ratio(List<Burst> a, List<Burst> b) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            r.add(a.get(i).wallMs() / b.get(i).wallMs());
        }
        return median(r);
    }

    private static String range(List<Burst> v) {
        List<Double> w = v.stream().map(Burst::wallMs).toList();
        return String.format("%.1f (%.1f to %.1f)", median(w), w.stream().mapToDouble(x -> x).min().orElse(0),
                w.stream().mapToDouble(x -> x).max().orElse(0));
    }

    private static double median(List<Burst> v, java.util.function.ToDoubleFunction<Burst> f) {
        return median(v.stream().map(f::applyAsDouble).toList());
    }

    private static double[] medians(List<double[]> rows) {
        double[] out = new double[rows.get(0).length];
        for (int k = 0; k < out.length; k++) {
            int i = k;
            out[k] = median(rows.stream().map(r -> r[i]).toList());
        }
        return out;
    }

    static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
