package dev.qmpkit.benchmarks;

import dev.qmpkit.qmp.agent.BlockingGuestAgent;
import dev.qmpkit.qmp.agent.ExecRequest;
import dev.qmpkit.qmp.agent.ExecResult;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.Disk;
import dev.qmpkit.templating.MemoryUsage;
import dev.qmpkit.templating.ProgressListener;
import dev.qmpkit.templating.Step;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateVm;
import dev.qmpkit.templating.Templating;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.WorkFiles;
import dev.qmpkit.templating.fixup.FixUps;
import dev.qmpkit.templating.guest.LinuxGuest;
import dev.qmpkit.templating.guest.SerialLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Clones of a running Linux against cold boots of the same Linux (issue 9), with the real Linux
 * guest ({@link LinuxGuest}: Debian's 6.12 cloud kernel, busybox, qemu-ga) with the agent channel
 * and a layered data disk, 512 MiB by default.
 *
 * <ul>
 *   <li>{@code exec}: time to the first {@code exec} result through the guest agent: a cold boot
 *       (QEMU start, kernel, /init, qemu-ga) against a clone ({@code startClone()}, which waits for
 *       the agent and runs the fix-ups, then the exec), measured interleaved in the same run,
 *       rounds each; the clone with no fix-ups, with the default ones (clock, entropy, machine
 *       id, hostname) and with the network fix-up too (a NIC, DHCP).</li>
 *   <li>{@code density}: clones started one after the other (agent up, default fix-ups), each
 *       paused once started (the guest's counter loop would otherwise load the cores and slow
 *       the later starts), until {@code --max} run, a start fails, or the host's MemAvailable
 *       would fall under {@code --floor-mib}; then all are resumed together, left idle for
 *       {@code --settle} seconds, their summed Pss ({@code /proc/PID/smaps_rollup}) is taken while
 *       all run, and every agent is pinged at once.
 *       Then {@code --cold} cold-booted VMs of the same guest, all running at once (agent up,
 *       idle), their summed and per-VM Pss; what as many cold boots as clones would take is
 *       extrapolated from that and labelled so.</li>
 * </ul>
 * Every QEMU started is stopped by PID at the end, on failure too.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks-*-all.jar dev.qmpkit.benchmarks.ForkBench [options]
 *   --only LIST      exec,density (default both)
 *   --rounds N       exec: rounds, each one cold boot and one clone of each kind (default 5)
 *   --ram MIB        guest RAM (default 512)
 *   --max N          density: clones to start at most (default 120)
 *   --cold N         density: cold-booted VMs to measure (default 6)
 *   --floor-mib N    density: stop before MemAvailable drops under this (default 3072)
 *   --settle S       density: seconds to let the VMs idle before measuring (default 10)
 *   --qemu PATH      the qemu-system-x86_64 to run (default: from PATH)
 * </pre>
 */
public final class ForkBench {

    private static final Duration BOOT = Duration.ofSeconds(300);

    private final Map<String, String> opts;
    private final QemuBinary binary;
    private final Set<Long> pids = ConcurrentHashMap.newKeySet();

    private ForkBench(Map<String, String> opts) {
        this.opts = opts;
        this.binary = BenchOptions.qemu(opts);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = BenchOptions.parse(args, "usage: ForkBench [--only exec,density] [--rounds N] "
                + "[--ram MIB] [--max N] [--cold N] [--floor-mib N] [--settle S] [--qemu PATH]");
        new ForkBench(opts).run();
    }

    private void run() throws Exception {
        String only = opts.getOrDefault("only", "exec,density");
        int ram = BenchOptions.intOpt(opts, "ram", 512);
        System.out.printf("ForkBench %s: %d cores, java %s, %s, guest RAM %d MiB%n", Instant.now(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                binary.executable(), ram);
        System.out.println("load average at start: " + loadavg());
        LinuxGuest guest = LinuxGuest.builder().build();
        VmDescription vm = VmDescription.builder().ram((long) ram << 20).boot(guest.boot()).guestAgent(true)
                .disk(Disk.overlay("data", guest.dataDisk(), Disk.Format.RAW)).build();
        Path work = Files.createTempDirectory("qmpkit-forkbench-");
        // Whatever happens (an exception, Ctrl-C), no QEMU of this run stays.
        Thread reaper = new Thread(this::killAll, "forkbench-reaper");
        Runtime.getRuntime().addShutdownHook(reaper);
        try (Templating templating = Templating.builder().build()) {
            Template template = saveTemplate(templating, vm, work.resolve("template"));
            if (only.contains("exec")) {
                execRace(templating, vm, template, work, BenchOptions.intOpt(opts, "rounds", 5));
            }
            if (only.contains("density")) {
                density(templating, vm, template, work);
            }
        } finally {
            killAll();
            WorkFiles.deleteTree(work);
            System.out.println("load average at the end: " + loadavg());
        }
    }

    /** Boots the template, seeds its RNG, saves it. */
    private Template saveTemplate(Templating templating, VmDescription vm, Path dir) throws Exception {
        try (TemplateVm t = templating.startTemplate(binary, vm, dir)) {
            pids.add(t.process().pid());
            SerialLog.awaitReady(t.serialLog(), BOOT);
            BlockingGuestAgent agent = t.agent().blocking();
            agent.awaitAgent(BOOT);
            agent.exec(ExecRequest.of("head", "-c", "1", "/dev/random"));
            return t.save();
        }
    }

    /** Cold boot to first exec against clone start to first exec, interleaved. */
    private void execRace(Templating templating, VmDescription vm, Template template, Path work, int rounds)
            throws Exception {
        // Where a clone's time goes, step by step (the first exec separately), per kind.
        Map<String, Map<String, List<Double>>> steps = new java.util.LinkedHashMap<>();
        Map<String, CloneOptions.Builder> kinds = new java.util.LinkedHashMap<>();
        kinds.put("clone, no fix-ups", CloneOptions.builder().fixUps());
        kinds.put("clone, default fix-ups", CloneOptions.builder().fixUps(FixUps.standard()));
        kinds.put("clone, default + network fix-ups", CloneOptions.builder()
                .fixUps(FixUps.clock(), FixUps.entropy(), FixUps.machineId(), FixUps.hostname(), FixUps.network()));
        Map<String, List<Double>> ms = new java.util.LinkedHashMap<>();
        ms.put("cold boot", new ArrayList<>());
        kinds.keySet().forEach(k -> ms.put(k, new ArrayList<>()));
        Map<String, CloneOptions> options = new java.util.LinkedHashMap<>();
        kinds.forEach((k, b) -> {
            Map<String, List<Double>> perStep = new java.util.LinkedHashMap<>();
            steps.put(k, perStep);
            options.put(k, b.listener(new ProgressListener() {
                @Override
                public void stepFinished(Step step, String vmName, Duration took) {
                    perStep.computeIfAbsent(step.name(), x -> new ArrayList<>()).add(took.toNanos() / 1e6);
                }
            }).build());
        });
        System.out.printf("%nexec: %d rounds; each a cold boot and one clone of each kind, one at a time%n", rounds);
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            try (TemplateVm cold = templating.startTemplate(binary, vm, work.resolve("cold-" + r))) {
                pids.add(cold.process().pid());
                BlockingGuestAgent agent = cold.agent().blocking();
                agent.awaitAgent(BOOT);
                firstExec(agent);
                ms.get("cold boot").add((System.nanoTime() - t0) / 1e6);
            }
            for (Map.Entry<String, CloneOptions> k : options.entrySet()) {
                long c0 = System.nanoTime();
                try (CloneVm c = template.startClone(k.getValue())) {
                    pids.add(c.pid());
                    long e0 = System.nanoTime();
                    firstExec(c.agent().blocking());
                    long end = System.nanoTime();
                    ms.get(k.getKey()).add((end - c0) / 1e6);
                    steps.get(k.getKey()).computeIfAbsent("first exec", x -> new ArrayList<>()).add((end - e0) / 1e6);
                    // Not in the figure: the same command again, to tell the guest's first-run cost from the agent's.
                    long s0 = System.nanoTime();
                    firstExec(c.agent().blocking());
                    steps.get(k.getKey()).computeIfAbsent("second exec", x -> new ArrayList<>())
                            .add((System.nanoTime() - s0) / 1e6);
                }
            }
            StringBuilder line = new StringBuilder("  round " + (r + 1) + ":");
            ms.forEach((k, v) -> line.append(String.format(" %s %.0f ms;", k, v.get(v.size() - 1))));
            System.out.println(line + " load " + loadavg());
        }
        double cold = median(ms.get("cold boot"));
        System.out.printf("%n| start to first exec result | median | min-max | cold boot / this |%n|---|---|---|---|%n");
        for (Map.Entry<String, List<Double>> e : ms.entrySet()) {
            List<Double> v = e.getValue();
            System.out.printf("| %s | %.0f ms | %.0f-%.0f ms | %.1fx |%n", e.getKey(), median(v),
                    v.stream().mapToDouble(d -> d).min().orElse(0), v.stream().mapToDouble(d -> d).max().orElse(0),
                    cold / median(v));
        }
        steps.forEach((kind, perStep) -> {
            StringBuilder line = new StringBuilder("  " + kind + ", median per step:");
            perStep.forEach((step, v) -> line.append(String.format(" %s %.0f ms;", step, median(v))));
            System.out.println(line);
        });
    }

    /** Clones left running idle until the limit, then cold boots; summed Pss of each. */
    private void density(Templating templating, VmDescription vm, Template template, Path work) throws Exception {
        int max = BenchOptions.intOpt(opts, "max", 120);
        int coldCount = BenchOptions.intOpt(opts, "cold", 6);
        long floorKiB = BenchOptions.intOpt(opts, "floor-mib", 3072) * 1024L;
        int settle = BenchOptions.intOpt(opts, "settle", 10);
        CloneOptions options = CloneOptions.builder().fixUps(FixUps.standard())
                .restoreTimeout(Duration.ofMinutes(3)).agentTimeout(Duration.ofMinutes(3)).build();
        System.out.printf("%ndensity: up to %d clones (default fix-ups, then idle), MemAvailable floor %d MiB; "
                + "MemAvailable at start %d MiB%n", max, floorKiB / 1024, memAvailableKiB() / 1024);
        List<CloneVm> clones = new ArrayList<>();
        String stopped = "reached --max " + max;
        long t0 = System.nanoTime();
        try {
            while (clones.size() < max) {
                // Room for one more clone: its share so far, twice, over the floor.
                long perClone = clones.isEmpty() ? 256 * 1024 : sumPss(clones, CloneVm::pid) / clones.size();
                long available = memAvailableKiB();
                if (available - 2 * perClone < floorKiB) {
                    stopped = String.format("MemAvailable %d MiB: one more clone (about %d MiB) would come near the "
                            + "%d MiB floor", available / 1024, perClone / 1024, floorKiB / 1024);
                    break;
                }
                long c0 = System.nanoTime();
                try {
                    CloneVm c = template.startClone(options);
                    pids.add(c.pid());
                    clones.add(c);
                    // The guest's /init prints its counter ten times a second (a busybox fork each time): a
                    // hundred of those running under TCG would starve the two cores, and every later start.
                    // Paused once its agent answered; all are resumed together before measuring.
                    c.qmp().blocking().execute("stop");
                } catch (RuntimeException e) {
                    stopped = "clone " + (clones.size() + 1) + " failed to start: " + e.getMessage();
                    break;
                }
                if (clones.size() % 10 == 0) {
                    System.out.printf("  %d clones running, last start %.0f ms, MemAvailable %d MiB, load %s%n",
                            clones.size(), (System.nanoTime() - c0) / 1e6, memAvailableKiB() / 1024, loadavg());
                }
            }
            System.out.printf("  stopped at %d clones (%s), %.0f s after the first start%n", clones.size(), stopped,
                    (System.nanoTime() - t0) / 1e9);
            // All resumed at once (one cont each, in flight together), left idle, measured while all run.
            long r0 = System.nanoTime();
            CompletableFuture.allOf(clones.stream().map(c -> c.qmp().execute("cont"))
                    .toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
            System.out.printf("  resumed all %d clones in %.0f ms%n", clones.size(), (System.nanoTime() - r0) / 1e6);
            Thread.sleep(settle * 1000L);
            long clonePss = sumPss(clones, CloneVm::pid);
            long cloneRss = clones.stream().mapToLong(c -> MemoryUsage.ofPid(c.pid()).rssKiB()).sum();
            String loadAtPss = loadavg();
            // Every agent pinged at once: with a hundred busy guests on two cores each answers in seconds.
            long p0 = System.nanoTime();
            List<CompletableFuture<Boolean>> pings = clones.stream().map(c -> c.agent().ping()
                    .orTimeout(3, TimeUnit.MINUTES).handle((v, e) -> e == null)).toList();
            long agentsUp = pings.stream().filter(CompletableFuture::join).count();
            System.out.printf("  after %d s idle, all running: total Pss %d MiB (%.1f MiB per clone), total Rss %d MiB; "
                            + "MemAvailable %d MiB; load %s%n  %d of %d clones' agents answered a ping sent to all at "
                            + "once, the last %.1f s after it was sent; load %s%n", settle, clonePss / 1024,
                    clonePss / 1024.0 / Math.max(1, clones.size()), cloneRss / 1024, memAvailableKiB() / 1024,
                    loadAtPss, agentsUp, clones.size(), (System.nanoTime() - p0) / 1e9, loadavg());
            // Paused again before they are stopped one by one, so the stops are not starved.
            CompletableFuture.allOf(clones.stream().map(c -> c.qmp().execute("stop"))
                    .toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
            int n = clones.size();
            closeAll(clones);

            List<TemplateVm> cold = new ArrayList<>();
            try {
                for (int i = 0; i < coldCount; i++) {
                    TemplateVm t = templating.startTemplate(binary, vm, work.resolve("density-cold-" + i));
                    pids.add(t.process().pid());
                    cold.add(t);
                    t.agent().blocking().awaitAgent(BOOT);
                }
                Thread.sleep(settle * 1000L);
                long coldPss = sumPss(cold, t -> t.process().pid());
                double perVm = coldPss / 1024.0 / cold.size();
                System.out.printf("  %d cold-booted VMs, all running, agent up, after %d s idle: total Pss %d MiB "
                        + "(%.1f MiB per VM); load %s%n", cold.size(), settle, coldPss / 1024, perVm, loadavg());
                System.out.printf("%n| %d VMs of %d MiB, agent up, idle | total Pss |%n|---|---|%n", n,
                        vm.ramBackends().get(0).sizeBytes() >> 20);
                System.out.printf("| clones (measured) | %.0f MiB |%n", clonePss / 1024.0);
                System.out.printf("| cold boots (EXTRAPOLATED: %d x %.1f MiB measured on %d VMs) | %.0f MiB |%n", n,
                        perVm, cold.size(), n * perVm);
                System.out.printf("| ratio | %.1fx |%n", n * perVm / (clonePss / 1024.0));
            } finally {
                cold.forEach(TemplateVm::close);
            }
        } finally {
            closeAll(clones);
        }
    }

    private static void firstExec(BlockingGuestAgent agent) {
        ExecResult r = agent.exec(ExecRequest.of("hostname"));
        if (!r.succeeded()) {
            throw new IllegalStateException("the first exec failed: " + r);
        }
    }

    private static void closeAll(List<CloneVm> clones) {
        clones.forEach(CloneVm::close);
        clones.clear();
    }

    private static <T> long sumPss(List<T> vms, Function<T, Long> pid) {
        return vms.stream().mapToLong(v -> MemoryUsage.ofPid(pid.apply(v)).pssKiB()).sum();
    }

    private void killAll() {
        for (long pid : pids) {
            ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(d -> d).toArray();
        Arrays.sort(a);
        return a.length == 0 ? Double.NaN : a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static long memAvailableKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemAvailable:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no MemAvailable in /proc/meminfo");
    }

    private static String loadavg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
