package dev.qmpkit.benchmarks;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.templating.Accel;
import dev.qmpkit.templating.Boot;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.ClonePool;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.MemoryUsage;
import dev.qmpkit.templating.SaveOptions;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateManifest;
import dev.qmpkit.templating.TemplateVm;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import dev.qmpkit.templating.WorkFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The templating benchmark (issue 3) with the built-in guest on QEMU (TCG): save time and
 * state size per guest RAM size, with the RAM checksums recorded in the background (the
 * default) and inside the save ({@link SaveOptions.RamChecksum#FULL}); clone spawn-to-running against bare {@code qemu -M none}
 * spawn-to-QMP, interleaved in the same run; warm-pool acquire; clone Pss against the
 * cold-booted template VM of the same guest.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks-*-all.jar dev.qmpkit.benchmarks.TemplateBench [options]
 *   --dir PATH      where the templates (RAM files) go (default: java.io.tmpdir, i.e. /tmp on disk)
 *   --sizes LIST    guest RAM sizes in MiB (default 256,1024,4096)
 *   --starts N      clone starts and bare QEMU starts, interleaved, per size (default 21)
 *   --acquires N    pool acquires (default 11)
 *   --pool N        pool size (default 2)
 *   --pss-clones N  clones alive at once for the Pss figure (default 5)
 *   --qemu PATH     the qemu-system-x86_64 to run (default: from PATH)
 * </pre>
 */
public final class TemplateBench {

    private final Map<String, String> opts;
    private final QemuBinary binary;
    private final List<String> report = new ArrayList<>();

    private TemplateBench(Map<String, String> opts) {
        this.opts = opts;
        this.binary = BenchOptions.qemu(opts);
    }

    public static void main(String[] args) throws Exception {
        new TemplateBench(BenchOptions.parse(args, "usage: TemplateBench [--dir PATH] [--sizes 256,1024,4096] [--starts N] "
                + "[--acquires N] [--pool N] [--pss-clones N] [--qemu PATH]")).run();
    }

    private int intOpt(String name, int def) {
        return BenchOptions.intOpt(opts, name, def);
    }

    private void run() throws Exception {
        Path parent = Path.of(opts.getOrDefault("dir", System.getProperty("java.io.tmpdir")));
        Path work = Files.createTempDirectory(parent, "qmpkit-tbench-");
        System.out.printf("TemplateBench %s: %d cores, templates in %s (%s), load average %s%n", Instant.now(),
                Runtime.getRuntime().availableProcessors(), work, Files.getFileStore(work).type(), loadAverage());
        try {
            Path kernel = BuiltinGuest.writeKernel(work);
            bareStart(); // the launcher probes the binary once; keep that out of the figures
            Template small = null;
            for (String s : opts.getOrDefault("sizes", "256,1024,4096").split(",")) {
                long mib = Long.parseLong(s.strip());
                Template t = size(kernel, work, mib);
                if (small == null) {
                    small = t;
                }
            }
            flatness();
            pool(small);
            pss(small);
        } finally {
            WorkFiles.deleteTree(work);
            System.out.println("load average at end: " + loadAverage());
        }
        System.out.println();
        System.out.println("| measurement | figure | target | met |");
        System.out.println("|---|---|---|---|");
        report.forEach(System.out::println);
    }

    // ---------------------------------------------------------------- per size: save, clone vs bare

    private Template size(Path kernel, Path work, long mib) throws Exception {
        VmDescription description = VmDescription.builder()
                .machineType("q35").accel(Accel.TCG).cpus(1)
                .ram(mib << 20)
                .boot(Boot.kernel(kernel))
                .build();
        Path dir = work.resolve("tpl-" + mib);
        long t0 = System.nanoTime();
        Template template;
        MemoryUsage cold;
        double coldBootMs;
        double saveMs;
        try (TemplateVm vm = TemplateVm.start(binary, description, dir)) {
            SerialLog.awaitReady(vm.serialLog(), Duration.ofSeconds(60));
            coldBootMs = ms(System.nanoTime() - t0);
            SerialLog.await(vm.serialLog(), l -> l.counts().size() >= 2, Duration.ofSeconds(60));
            cold = MemoryUsage.ofPid(vm.process().pid());
            long s0 = System.nanoTime();
            template = vm.save(saveSteps);
            saveMs = ms(System.nanoTime() - s0);
            recordedMs = ms(awaitRecorded(template) - s0);
        }
        TemplateManifest m = template.manifest();
        String saveBreakdown = saveSteps.medians();
        saveSteps.clear();
        System.out.printf("%5d MiB: save steps (ms): %s%n", mib, saveBreakdown);
        report.add(String.format("| (diagnosis) save() steps, %d MiB guest (ms) | %s | | |", mib, saveBreakdown));

        // The same guest saved with the RAM checksums inside save() (RamChecksum.FULL, the default
        // before issue 13): a second template VM with its own fresh RAM file, in the same run.
        Path fullDir = work.resolve("tpl-" + mib + "-full");
        double fullMs;
        Template full;
        try (TemplateVm vm = TemplateVm.start(binary, description, fullDir)) {
            SerialLog.awaitReady(vm.serialLog(), Duration.ofSeconds(60));
            SerialLog.await(vm.serialLog(), l -> l.counts().size() >= 2, Duration.ofSeconds(60));
            long s0 = System.nanoTime();
            full = vm.save(SaveOptions.builder().ramChecksum(SaveOptions.RamChecksum.FULL).listener(saveSteps).build());
            fullMs = ms(System.nanoTime() - s0);
        }
        String fullBreakdown = saveSteps.medians();
        saveSteps.clear();
        System.out.printf("%5d MiB: save(RamChecksum.FULL) %.0f ms, migrate %d ms, state %,d bytes; steps (ms): %s%n",
                mib, fullMs, full.manifest().state().saveMillis(), full.manifest().state().sizeBytes(), fullBreakdown);
        report.add(String.format("| (diagnosis) save(RamChecksum.FULL) steps, %d MiB guest (ms) | %s | | |", mib,
                fullBreakdown));
        report.add(String.format("| save, %d MiB guest, RamChecksum.FULL: migrate (ms) / whole save() (ms) / state file "
                + "(bytes) | %d / %.0f / %,d | | |", mib, full.manifest().state().saveMillis(), fullMs,
                full.manifest().state().sizeBytes()));
        WorkFiles.deleteTree(fullDir);
        System.out.printf("%5d MiB: cold boot to READY %.0f ms; cold VM %s; save() (default, RamChecksum.BACKGROUND) "
                + "%.0f ms, migrate %d ms, state %,d bytes; RAM checksums recorded %.0f ms after the save began%n", mib,
                coldBootMs, cold, saveMs, m.state().saveMillis(), m.state().sizeBytes(), recordedMs);
        if (mib == firstSize()) {
            coldPss = cold;
        }
        // Diagnosis of save()'s growth with RAM size: hashing the RAM file alone, and how
        // little of it the guest wrote (what a hole-skipping checksum would have to hash).
        Path ramFile = template.ramFiles().get(0);
        long h0 = System.nanoTime();
        WorkFiles.sha256(ramFile);
        double hashMs = ms(System.nanoTime() - h0);
        long z0 = System.nanoTime();
        long nonZeroMiB = nonZeroMiB(ramFile);
        double scanMs = ms(System.nanoTime() - z0);
        System.out.printf("%5d MiB: SHA-256 of the RAM file alone %.0f ms; zero-block scan %.0f ms, %d MiB non-zero%n",
                mib, hashMs, scanMs, nonZeroMiB);
        report.add(String.format("| (diagnosis) %d MiB RAM file: SHA-256 alone (ms) / scan for non-zero 1 MiB blocks (ms, blocks) | %.0f / %.0f (%d) | | |",
                mib, hashMs, scanMs, nonZeroMiB));
        report.add(String.format("| save, %d MiB guest, default (BACKGROUND): migrate (ms) / whole save() (ms) / state file "
                + "(bytes); RAM checksums recorded (ms after the save began) | %d / %.0f / %,d; %.0f | flat across sizes "
                + "| see below |", mib, m.state().saveMillis(), saveMs, m.state().sizeBytes(), recordedMs));
        saves.add(new double[] {mib, m.state().saveMillis(), saveMs, m.state().sizeBytes(), fullMs});

        // Clone starts interleaved with bare 'qemu -M none' starts, so load drift hits both alike.
        int n = intOpt("starts", 21);
        List<Double> clone = new ArrayList<>(), cloneLib = new ArrayList<>(), bare = new ArrayList<>();
        List<Double> launch = new ArrayList<>(), restore = new ArrayList<>();
        StepTimes cloneSteps = new StepTimes();
        CloneOptions timed = CloneOptions.builder().listener(cloneSteps).build();
        for (int i = 0; i < n; i++) {
            bare.add(bareStart());
            long c0 = System.nanoTime();
            try (CloneVm c = template.startClone(timed)) {
                clone.add(ms(System.nanoTime() - c0));
                cloneLib.add(ms(c.spawnToRunning().toNanos()));
                launch.add(ms(c.launchTime().toNanos()));
                restore.add(ms(c.restoreTime().toNanos()));
                if (i == 0) {
                    // Proves the clone runs on from the template (not part of the timing).
                    SerialLog.await(c.serialLog(), l -> !l.counts().isEmpty(), Duration.ofSeconds(30));
                }
            }
        }
        double cm = median(clone), lm = median(cloneLib), bm = median(bare);
        System.out.printf("%5d MiB: clone startClone() %.1f ms (spawn-to-running %.1f ms: launch %.1f, restore %.1f), "
                + "bare -M none %.1f ms; ratio %.2f; clone range %.1f..%.1f, bare range %.1f..%.1f%n", mib, cm, lm,
                median(launch), median(restore), bm, cm / bm, min(clone), max(clone), min(bare), max(bare));
        System.out.printf("%5d MiB: clone steps (median ms): %s%n", mib, cloneSteps.medians());
        report.add(String.format("| (diagnosis) clone of %d MiB guest: launch (spawn to QMP of the q35 clone) / restore "
                + "(migrate-incoming) medians (ms); steps | %.1f / %.1f; %s | | |", mib, median(launch), median(restore),
                cloneSteps.medians()));
        report.add(String.format("| clone of %d MiB guest, startClone() wall / its spawn-to-running (ms, median of %d) "
                + "vs bare `qemu -M none` spawn-to-QMP | %.1f / %.1f vs %.1f: **%.2fx** (%.2fx) | <= 1.3x | %s |",
                mib, n, cm, lm, bm, cm / bm, lm / bm, cm / bm <= 1.3 ? "yes" : "**no**"));
        return template;
    }

    /** Flat means the largest guest's figure is within 1.5x of the smallest's (noise allowance). */
    private void flatness() {
        if (saves.size() < 2) {
            return;
        }
        double[] a = saves.get(0), b = saves.get(saves.size() - 1);
        double mig = b[1] / Math.max(1, a[1]), total = b[2] / a[2], state = b[3] / a[3];
        report.add(String.format("| save from %.0f MiB to %.0f MiB: migrate x%.2f, whole save() x%.2f, state size x%.2f | "
                + "migrate %s, state %s, whole save() %s | flat | %s |", a[0], b[0], mig, total, state,
                mig <= 1.5 ? "flat" : "grows", state <= 1.5 ? "flat" : "grows", total <= 1.5 ? "flat" : "grows",
                mig <= 1.5 && state <= 1.5 ? (total <= 1.5 ? "yes" : "migrate and state yes; whole save() **no**") : "**no**"));
        double fullGrowth = b[4] / a[4];
        report.add(String.format("| save(RamChecksum.FULL) from %.0f MiB to %.0f MiB: whole save() x%.2f (%.0f ms to %.0f ms) | "
                + "%s | (the old default, for comparison) | |", a[0], b[0], fullGrowth, a[4], b[4],
                fullGrowth <= 1.5 ? "flat" : "grows"));
    }

    private final StepTimes saveSteps = new StepTimes();
    private double recordedMs;

    /** @return System.nanoTime() when the background RAM checksums of a default save were recorded */
    private static long awaitRecorded(Template t) throws Exception {
        t.ramChecksumsRecorded().get(10, java.util.concurrent.TimeUnit.MINUTES);
        return System.nanoTime();
    }
    private MemoryUsage coldPss;
    private final List<double[]> saves = new ArrayList<>();

    private long firstSize() {
        return Long.parseLong(opts.getOrDefault("sizes", "256,1024,4096").split(",")[0].strip());
    }

    /** @return spawn to negotiated QMP of a bare {@code -M none} QEMU, in ms */
    private double bareStart() {
        QemuLauncher launcher = QemuLauncher.builder(binary).args("-M", "none", "-accel", "tcg").name("bare").build();
        long t0 = System.nanoTime();
        try (QemuProcess q = launcher.start()) {
            return ms(System.nanoTime() - t0);
        }
    }

    // ---------------------------------------------------------------- pool

    private void pool(Template template) throws Exception {
        int n = intOpt("acquires", 11);
        int size = intOpt("pool", 2);
        List<Double> acquire = new ArrayList<>();
        try (ClonePool pool = ClonePool.start(template, size, CloneOptions.defaults())) {
            for (int i = 0; i < n; i++) {
                awaitFull(pool);
                long t0 = System.nanoTime();
                CloneVm vm = pool.acquire();
                acquire.add(ms(System.nanoTime() - t0));
                vm.close();
            }
        }
        // Diagnosis: the resume ('cont') of a paused clone alone, with no refill starting a QEMU meanwhile.
        List<Double> resume = new ArrayList<>();
        CloneOptions paused = CloneOptions.builder().resume(false).build();
        for (int i = 0; i < Math.max(3, n / 2); i++) {
            try (CloneVm vm = template.startClone(paused)) {
                Thread.sleep(200);
                resume.add(ms(vm.resume().toNanos()));
            }
        }
        System.out.printf("pool of %d: acquire median %.2f ms, range %.2f..%.2f ms; resume() alone %.2f ms (%.2f..%.2f)%n",
                size, median(acquire), min(acquire), max(acquire), median(resume), min(resume), max(resume));
        report.add(String.format("| (diagnosis) resume() of a paused clone with no refill running meanwhile | median %.2f ms (%.2f..%.2f) | | |",
                median(resume), min(resume), max(resume)));
        report.add(String.format("| pool acquire (pool of %d, %d acquires, pool full before each) | median %.2f ms (%.2f..%.2f) | <= 2 ms | %s |",
                size, n, median(acquire), min(acquire), max(acquire), median(acquire) <= 2 ? "yes" : "**no**"));
    }

    private static void awaitFull(ClonePool pool) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (pool.available() < pool.size()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pool did not fill in 60 s: " + pool);
            }
            Thread.sleep(10);
        }
        Thread.sleep(200); // let the refill's QEMU settle, so it does not compete with the measured acquire
    }

    // ---------------------------------------------------------------- memory

    private void pss(Template template) throws Exception {
        int k = intOpt("pss-clones", 5);
        List<CloneVm> clones = new ArrayList<>();
        try {
            for (int i = 0; i < k; i++) {
                clones.add(template.startClone());
            }
            for (CloneVm c : clones) {
                SerialLog.await(c.serialLog(), l -> !l.counts().isEmpty(), Duration.ofSeconds(30));
            }
            Thread.sleep(1000); // a second of running, as a clone would do some work
            List<MemoryUsage> usage = new ArrayList<>();
            for (CloneVm c : clones) {
                MemoryUsage u = c.memoryUsage();
                usage.add(u);
                System.out.printf("clone %s: %s%n", c.name(), u);
            }
            double pssMed = median(usage.stream().map(u -> (double) u.pssKiB()).toList());
            double ratio = pssMed / coldPss.pssKiB();
            System.out.printf("cold-booted VM: %s; clone Pss median %.0f KiB with %d clones alive: ratio %.2f%n",
                    coldPss, pssMed, k, ratio);
            MemoryUsage one = usage.get(0);
            report.add(String.format("| clone Pss (median of %d clones alive at once, %d MiB guest) vs the cold-booted VM of the same guest | "
                    + "%,.0f KiB vs %,d KiB: **%.2fx** (clone Rss %,d, private %,d, shared %,d KiB; cold Rss %,d, private %,d) | <= 0.4x | %s |",
                    k, firstSize(), pssMed, coldPss.pssKiB(), ratio, one.rssKiB(), one.privateKiB(), one.sharedKiB(),
                    coldPss.rssKiB(), coldPss.privateKiB(), ratio <= 0.4 ? "yes" : "**no**"));
        } finally {
            clones.forEach(CloneVm::close);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static long nonZeroMiB(Path file) throws IOException {
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(1 << 20).order(java.nio.ByteOrder.nativeOrder());
        long count = 0;
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            while (true) {
                buf.clear();
                int n = 0;
                while (buf.hasRemaining() && (n = ch.read(buf)) >= 0) {
                    // fill the whole block
                }
                buf.flip();
                if (!buf.hasRemaining()) {
                    return count;
                }
                java.nio.LongBuffer longs = buf.asLongBuffer();
                while (longs.hasRemaining()) {
                    if (longs.get() != 0) {
                        count++;
                        break;
                    }
                }
                if (n < 0) {
                    return count;
                }
            }
        }
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static double min(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    private static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "?";
        }
    }
}
