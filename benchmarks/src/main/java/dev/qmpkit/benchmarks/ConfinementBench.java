package dev.qmpkit.benchmarks;

import dev.qmpkit.qmp.launch.Confinement;
import dev.qmpkit.qmp.launch.ConfinementStatus;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.Accel;
import dev.qmpkit.templating.Boot;
import dev.qmpkit.templating.CloneUids;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateVm;
import dev.qmpkit.templating.Templating;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.WorkFiles;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What confinement costs a clone start (issue 14): one template of the built-in guest, cloned by
 * three owners in the same run, interleaved so load drift hits all alike: unconfined
 * ({@link Confinement#none()}: the JVM's user, no sandbox), the default (seccomp, QEMU dropping
 * to {@code nobody}), and per-clone uids. For each: single clone starts ({@code startClone()}
 * wall time, resumed), and bursts of 5 and 20 clones started at once (wall time until all run).
 * Needs a JVM running as root (the default confinement is otherwise only the sandbox).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks-*-all.jar dev.qmpkit.benchmarks.ConfinementBench [options]
 *   --starts N   single starts per mode (default 21)
 *   --rounds N   bursts of each size per mode (default 5)
 *   --bursts L   burst sizes (default 5,20)
 *   --ram MIB    guest RAM (default 256)
 *   --qemu PATH  the qemu-system-x86_64 to run (default: from PATH)
 * </pre>
 */
public final class ConfinementBench {

    private static final CloneUids RANGE = CloneUids.range(64300, 64, 64299);

    private final Map<String, String> opts;
    private final QemuBinary binary;

    private ConfinementBench(Map<String, String> opts) {
        this.opts = opts;
        this.binary = BenchOptions.qemu(opts);
    }

    public static void main(String[] args) throws Exception {
        new ConfinementBench(BenchOptions.parse(args, "usage: ConfinementBench [--starts N] [--rounds N] [--bursts 5,20] [--ram "
                + "MIB] [--qemu PATH]")).run();
    }

    private int intOpt(String name, int def) {
        return BenchOptions.intOpt(opts, name, def);
    }

    private record Mode(String name, Templating owner, Template template) {
    }

    private void run() throws Exception {
        if (!ConfinementStatus.ofPid(ProcessHandle.current().pid()).isRoot()) {
            System.err.println("ConfinementBench needs a JVM running as root (to compare QEMU as root with QEMU "
                    + "dropped to an unprivileged uid)");
            System.exit(2);
        }
        Path work = Files.createTempDirectory("qmpkit-cbench-");
        System.out.printf("ConfinementBench %s: %d cores, QEMU %s, load average %s%n", Instant.now(),
                Runtime.getRuntime().availableProcessors(), binary.version(), TemplateBench.loadAverage());
        List<Mode> modes = new ArrayList<>();
        try {
            Path dir = work.resolve("tpl");
            VmDescription d = VmDescription.builder().machineType("q35").accel(Accel.TCG).cpus(1)
                    .ram((long) intOpt("ram", 256) << 20).boot(Boot.kernel(BuiltinGuest.writeKernel(work))).build();
            try (TemplateVm vm = TemplateVm.start(binary, d, dir)) {
                SerialLog.awaitReady(vm.serialLog(), Duration.ofSeconds(60));
                vm.save();
            }
            modes.add(mode("none", Templating.builder().confinement(Confinement.none()).build(), dir));
            modes.add(mode("default", Templating.builder().build(), dir));
            modes.add(mode("per-clone uids", Templating.builder().cloneUids(RANGE).build(), dir));
            // Warm-up: the binary's probe, class loading, the template's page cache.
            for (Mode m : modes) {
                m.owner().startClone(m.template(), dev.qmpkit.templating.CloneOptions.defaults()).close();
            }
            Map<String, List<Double>> single = new LinkedHashMap<>();
            int starts = intOpt("starts", 21);
            for (int i = 0; i < starts; i++) {
                for (int k = 0; k < modes.size(); k++) {
                    Mode m = modes.get((i + k) % modes.size());
                    long t0 = System.nanoTime();
                    CloneVm c = m.owner().startClone(m.template(), dev.qmpkit.templating.CloneOptions.defaults());
                    single.computeIfAbsent(m.name(), x -> new ArrayList<>()).add((System.nanoTime() - t0) / 1e6);
                    c.close();
                }
            }
            Map<String, Map<Integer, List<Double>>> bursts = new LinkedHashMap<>();
            List<Integer> sizes = Arrays.stream(opts.getOrDefault("bursts", "5,20").split(","))
                    .map(s -> Integer.parseInt(s.strip())).toList();
            int rounds = intOpt("rounds", 5);
            for (int size : sizes) {
                for (int r = 0; r < rounds; r++) {
                    for (int k = 0; k < modes.size(); k++) {
                        Mode m = modes.get((r + k) % modes.size());
                        bursts.computeIfAbsent(m.name(), x -> new LinkedHashMap<>())
                                .computeIfAbsent(size, x -> new ArrayList<>()).add(burst(m, size));
                    }
                }
            }
            System.out.println();
            StringBuilder head = new StringBuilder("| confinement | single start, median (min to max) |");
            StringBuilder rule = new StringBuilder("|---|---|");
            for (int size : sizes) {
                head.append(" burst of ").append(size).append(", median wall (min to max) |");
                rule.append("---|");
            }
            System.out.println(head);
            System.out.println(rule);
            double base = median(single.get("none"));
            Map<Integer, Double> baseBurst = new LinkedHashMap<>();
            sizes.forEach(s -> baseBurst.put(s, median(bursts.get("none").get(s))));
            for (Mode m : modes) {
                List<Double> s = single.get(m.name());
                StringBuilder row = new StringBuilder("| " + m.name() + " | " + range(s, base) + " |");
                for (int size : sizes) {
                    row.append(' ').append(range(bursts.get(m.name()).get(size), baseBurst.get(size))).append(" |");
                }
                System.out.println(row);
            }
        } finally {
            modes.forEach(m -> m.owner().close());
            WorkFiles.deleteTree(work);
            System.out.println("load average at end: " + TemplateBench.loadAverage());
        }
    }

    private static Mode mode(String name, Templating owner, Path dir) {
        return new Mode(name, owner, owner.openTemplate(dir));
    }

    /** @return milliseconds from the start signal until the last of {@code n} clones runs */
    private static double burst(Mode m, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<CloneVm>> starts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            starts.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                return m.owner().startClone(m.template(), dev.qmpkit.templating.CloneOptions.defaults());
            }, pool));
        }
        long t0 = System.nanoTime();
        go.countDown();
        List<CloneVm> clones = new ArrayList<>();
        try {
            for (CompletableFuture<CloneVm> f : starts) {
                clones.add(f.join());
            }
            return (System.nanoTime() - t0) / 1e6;
        } finally {
            clones.parallelStream().forEach(CloneVm::close);
            pool.shutdown();
        }
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static String range(List<Double> v, double base) {
        double med = median(v);
        double min = v.stream().mapToDouble(Double::doubleValue).min().orElse(0);
        double max = v.stream().mapToDouble(Double::doubleValue).max().orElse(0);
        return String.format("%.1f ms (%.1f to %.1f), %.2fx", med, min, max, med / base);
    }
}
