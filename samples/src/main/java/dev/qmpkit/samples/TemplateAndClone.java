package dev.qmpkit.samples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.launch.QemuVersionProbe.QemuBinaryInfo;
import dev.qmpkit.samples.cli.CliFailure;
import dev.qmpkit.samples.cli.Context;
import dev.qmpkit.samples.cli.Progress;
import dev.qmpkit.samples.cli.QemuChoice;
import dev.qmpkit.samples.cli.TextTable;
import dev.qmpkit.samples.cli.WorkFiles;
import dev.qmpkit.samples.linux.LinuxGuest;
import dev.qmpkit.templating.Accel;
import dev.qmpkit.templating.Boot;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.MemoryUsage;
import dev.qmpkit.templating.ProgressListener;
import dev.qmpkit.templating.Step;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateManifest;
import dev.qmpkit.templating.TemplateVm;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Template and clone: the SDK's main job, step by step.
 *
 * <ol>
 *   <li>Describe a VM once ({@link VmDescription}): machine, accelerator, RAM, what it boots.
 *       Template and clones are both derived from this description, so they always match.</li>
 *   <li>Start it as a template ({@link TemplateVm#start}): its RAM is a shared file in the
 *       template directory. Wait until the guest is where clones should begin (here: its
 *       {@code READY} line on the serial port).</li>
 *   <li>Save it ({@link TemplateVm#save}): the VM stops, only the device state is written
 *       (the RAM is already in the file: {@code x-ignore-shared}), and a manifest records
 *       checksums and the QEMU that made it.</li>
 *   <li>Start clones ({@link Template#startClone}): each QEMU maps the RAM file privately,
 *       loads the small state file and runs on from exactly where the template stopped, with
 *       its own vmgenid.</li>
 *   <li>Prove it: each clone's counter continues from the template's (no reboot), the clones
 *       share the template's pages (Pss well below Rss), and the template file is unchanged.</li>
 * </ol>
 *
 * Run it with {@code ./qmpkit demo}; {@code ./qmpkit template create} and
 * {@code ./qmpkit template clone} run steps 2-3 and 4-5 on their own.
 */
public final class TemplateAndClone {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TemplateAndClone() {
    }

    /**
     * What the demo does.
     *
     * @param qemu the QEMU to run; never null
     * @param guest {@code builtin} or {@code linux}; never null
     * @param memoryMiB guest RAM in MiB
     * @param clones how many clones to start at once
     * @param accel {@code tcg}, {@code kvm} or {@code auto}; never null
     * @param workDir where the files go (kept afterwards); null for a temporary folder, removed at the end
     * @param json where to write the {@link DemoReport}; null for none
     */
    public record Settings(QemuBinary qemu, String guest, int memoryMiB, int clones, String accel, Path workDir,
                           Path json) {
    }

    /** A saved template and what was measured making it. */
    private record Created(Template template, double coldBootMs, double saveTotalMs, long counter, String vmgenid,
                           MemoryUsage memory) {
    }

    /**
     * Runs the whole demo and prints the figures.
     *
     * @param s what to do; never null
     * @param ctx output streams and environment; never null
     * @return 0 when every clone is alive and the template file is unchanged, else 1
     * @throws Exception a failure {@code Main} explains in one line
     */
    public static int demo(Settings s, Context ctx) throws Exception {
        Progress progress = ctx.progress();
        QemuBinaryInfo info = QemuChoice.probe(s.qemu());
        Accel accel = accel(s.accel(), progress);
        progress.step("QEMU %s (%s), %s guest, %d MiB, %d clones, %s", info.version(), s.qemu().executable(),
                s.guest(), s.memoryMiB(), s.clones(), accel.qemuName());
        Path work = s.workDir() == null ? Files.createTempDirectory("qmpkit-demo-") : emptyDir(s.workDir());
        // On Ctrl-C the launcher's own hook stops every QEMU; this one removes the RAM file and the rest.
        Thread cleanup = new Thread(() -> {
            try {
                WorkFiles.deleteTree(work);
            } catch (IOException e) {
                // the JVM is exiting: nothing more can be done
            }
        }, "qmpkit-demo-cleanup");
        if (s.workDir() == null) {
            Runtime.getRuntime().addShutdownHook(cleanup);
        }
        progress.step("work folder %s (%s)", work, s.workDir() == null ? "removed at the end" : "kept");
        try {
            // 1. Describe the VM once. The built-in guest is a 1 KiB kernel shipped in the SDK.
            Boot boot = guestBoot(s.guest(), work, ctx.cacheDir(), progress);
            VmDescription description = VmDescription.builder()
                    .machineType("q35").accel(accel).cpus(1)
                    .ram((long) s.memoryMiB() << 20)
                    .boot(boot)
                    .build();

            // For reference: how long QEMU itself takes to start with no machine at all.
            double bareMs = bareQemuStartMs(s.qemu(), work);
            progress.step("bare 'qemu -M none' spawn to QMP: %.1f ms (median of 3)", bareMs);

            // 2 and 3. Boot the template, wait for the guest, save it.
            Created created = createTemplate(s.qemu(), description, work.resolve("template"), guestTimeout(s.guest()),
                    progress);
            Template template = created.template();
            Path ramFile = template.ramFiles().get(0);
            String shaBefore = sha256(ramFile);

            // 4 and 5. Start the clones all at once, prove each alive, measure their memory.
            List<DemoReport.CloneInfo> clones;
            double wallMs;
            long t0 = System.nanoTime();
            List<CloneVm> running = startClones(template, s.clones(), progress, null);
            try {
                wallMs = ms(System.nanoTime() - t0);
                progress.step("%d clones running %.0f ms after the first was started", running.size(), wallMs);
                clones = inspect(running, created.counter(), progress);
            } finally {
                stopAll(running);
            }
            progress.step("stopped the clones; checking the template's RAM file");
            String shaAfter = sha256(ramFile);
            boolean unchanged = shaBefore.equals(shaAfter) && ramFileMatchesManifest(template);

            TemplateManifest m = template.manifest();
            DemoReport report = new DemoReport(
                    new DemoReport.Qemu(info.version().toString(), s.qemu().executable().toString()),
                    s.guest(), accel.qemuName(),
                    new DemoReport.TemplateInfo(s.memoryMiB(), m.state().saveMillis(), round(created.saveTotalMs()),
                            m.state().sizeBytes(), shaAfter, created.counter(), created.vmgenid(),
                            created.memory().pssKiB(), created.memory().rssKiB()),
                    round(created.coldBootMs()), round(bareMs), round(wallMs), clones,
                    clones.stream().allMatch(DemoReport.CloneInfo::alive), unchanged);
            printReport(report, ctx.out());
            if (s.json() != null) {
                Files.writeString(s.json(), JSON.writeValueAsString(report) + "\n");
                progress.step("summary written to %s", s.json());
            }
            return verdict(report, ctx);
        } finally {
            if (s.workDir() == null) {
                WorkFiles.deleteTree(work);
                removeHook(cleanup);
            } else {
                progress.step("files kept in %s", work);
            }
        }
    }

    /**
     * {@code template create}: boot a template from the chosen guest and save it into {@code dir}.
     *
     * @param qemu the QEMU; never null
     * @param guest {@code builtin} or {@code linux}; never null
     * @param memoryMiB guest RAM
     * @param accelName {@code tcg}, {@code kvm} or {@code auto}; never null
     * @param dir the template directory (must not exist or be empty); never null
     * @param ctx streams; never null
     * @return 0
     * @throws Exception a failure {@code Main} explains
     */
    public static int createTemplate(QemuBinary qemu, String guest, int memoryMiB, String accelName, Path dir,
                                     Context ctx) throws Exception {
        Progress progress = ctx.progress();
        QemuBinaryInfo info = QemuChoice.probe(qemu);
        Accel accel = accel(accelName, progress);
        if (Files.exists(dir) && !isEmptyDir(dir)) {
            throw new CliFailure(dir + " already exists and is not empty",
                    "choose a new --dir; a template directory holds exactly one template", null);
        }
        // Clones load the same kernel file again, so it goes to the cache, not to a folder that may be cleaned up.
        Boot boot = guestBoot(guest, ctx.cacheDir().resolve("builtin-guest"), ctx.cacheDir(), progress);
        VmDescription description = VmDescription.builder().machineType("q35").accel(accel)
                .ram((long) memoryMiB << 20).boot(boot).build();
        progress.step("QEMU %s, %s guest, %d MiB, %s", info.version(), guest, memoryMiB, accel.qemuName());
        Created c = createTemplate(qemu, description, dir, guestTimeout(guest), progress);
        TemplateManifest m = c.template().manifest();
        PrintStream out = ctx.out();
        out.println("template saved in " + c.template().directory());
        out.println(new TextTable("what", "value")
                .row("QEMU", m.qemu().version() + " (" + m.qemu().executable() + ")")
                .row("machine", m.resolvedMachineType())
                .row("clone recipe", m.cloneRecipe())
                .row("cold boot to READY", String.format("%.1f ms", c.coldBootMs()))
                .row("save (migrate)", m.state().saveMillis() + " ms")
                .row("save (total)", String.format("%.1f ms", c.saveTotalMs()))
                .row("state file", m.state().file() + ", " + m.state().sizeBytes() + " bytes")
                .row("RAM file", m.backends().get(0).file() + ", " + (m.backends().get(0).sizeBytes() >> 20) + " MiB")
                .row("guest counter at save", c.counter() < 0 ? "-" : Long.toString(c.counter())));
        out.println("next: ./qmpkit template clone --dir " + dir + " --clones 3");
        return 0;
    }

    /**
     * {@code template clone}: start clones from a saved template, prove them alive, report, stop them.
     *
     * @param dir the template directory; never null
     * @param qemu the QEMU to run, or null for the one in the manifest
     * @param count how many clones
     * @param json where to write the clones as JSON; null for none
     * @param ctx streams; never null
     * @return 0 when every clone is alive and the template file is unchanged, else 1
     * @throws Exception a failure {@code Main} explains
     */
    public static int cloneTemplate(Path dir, QemuBinary qemu, int count, Path json, Context ctx) throws Exception {
        Progress progress = ctx.progress();
        Template template = Template.open(dir);
        template.verify(qemu);
        // The template's serial log tells where its counter stood when it was saved.
        long templateCounter = lastCounter(template.serialLog().orElse(null));
        List<DemoReport.CloneInfo> clones;
        List<CloneVm> running = startClones(template, count, progress, qemu);
        try {
            clones = inspect(running, templateCounter, progress);
        } finally {
            stopAll(running);
        }
        boolean unchanged = ramFileMatchesManifest(template);
        printClones(clones, ctx.out());
        ctx.out().println("template RAM file unchanged: " + (unchanged ? "yes" : "NO"));
        if (json != null) {
            var root = JSON.createObjectNode();
            root.put("template", template.directory().toString());
            root.set("clones", JSON.valueToTree(clones));
            root.put("templateFileUnchanged", unchanged);
            Files.writeString(json, JSON.writeValueAsString(root) + "\n");
        }
        boolean allAlive = clones.stream().allMatch(DemoReport.CloneInfo::alive);
        if (!allAlive || !unchanged) {
            ctx.err().println("qmpkit template clone: " + (allAlive ? "" : "not every clone ran on from the template; ")
                    + (unchanged ? "" : "the template's RAM file changed"));
            return 1;
        }
        return 0;
    }

    // ---- the steps ----

    private static Created createTemplate(QemuBinary qemu, VmDescription description, Path dir, Duration bootTimeout,
                                          Progress progress) throws Exception {
        long t0 = System.nanoTime();
        try (TemplateVm vm = TemplateVm.start(qemu, description, dir, listener(progress, "template"))) {
            // Cold boot: from starting QEMU to the guest's READY line.
            awaitGuest(vm.serialLog(), SerialLog::ready, bootTimeout, "print READY");
            double coldBootMs = ms(System.nanoTime() - t0);
            progress.step("template booted: READY after %.0f ms", coldBootMs);
            // Let it count a little, so the clones have a counter to continue from.
            awaitGuest(vm.serialLog(), l -> l.counts().size() >= 2, bootTimeout, "count");
            // What a cold-booted VM of this guest costs, to compare the clones with.
            MemoryUsage memory = MemoryUsage.ofPid(vm.process().pid());
            long s0 = System.nanoTime();
            Template template = vm.save(listener(progress, "template"));
            double saveTotalMs = ms(System.nanoTime() - s0);
            long counter = lastCounter(vm.serialLog());
            TemplateManifest m = template.manifest();
            progress.step("template saved: migrate %d ms, %d bytes of device state, %.0f ms in total "
                    + "(with fsync and checksums); counter stood at %d", m.state().saveMillis(), m.state().sizeBytes(),
                    saveTotalMs, counter);
            return new Created(template, coldBootMs, saveTotalMs, counter,
                    vm.vmgenid() == null ? null : vm.vmgenid().toString(), memory);
        }
    }

    /**
     * Starts {@code count} clones concurrently; if any fails, stops the others and rethrows.
     * Each clone's files (monitor socket, serial log) go to a private folder in the system temp
     * folder, deleted when it stops: a short path, as Unix socket paths are limited to 107 bytes.
     */
    private static List<CloneVm> startClones(Template template, int count, Progress progress, QemuBinary qemu)
            throws Exception {
        CloneOptions options = CloneOptions.builder().binary(qemu).build();
        progress.step("starting %d clones at once", count);
        ExecutorService pool = Executors.newFixedThreadPool(count);
        List<Future<CloneVm>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(pool.submit(() -> template.startClone(options)));
        }
        pool.shutdown();
        List<CloneVm> clones = new ArrayList<>();
        Exception failure = null;
        for (Future<CloneVm> f : futures) {
            try {
                CloneVm c = f.get();
                clones.add(c);
                progress.step("%s running: pid %d, %.1f ms from spawn (launch %d ms, restore %d ms)", c.name(),
                        c.pid(), ms(c.spawnToRunning().toNanos()), c.launchTime().toMillis(),
                        c.restoreTime().toMillis());
            } catch (java.util.concurrent.ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof Exception ex ? ex : e;
                }
            }
        }
        if (failure != null) {
            stopAll(clones);
            throw failure;
        }
        // Names carry the start order (clone-1, clone-2, ...): list them that way.
        clones.sort(java.util.Comparator.comparingInt((CloneVm c) -> c.name().length()).thenComparing(CloneVm::name));
        return clones;
    }

    /** Proves each clone alive and reads its memory use and vmgenid. */
    private static List<DemoReport.CloneInfo> inspect(List<CloneVm> clones, long templateCounter, Progress progress)
            throws Exception {
        List<DemoReport.CloneInfo> result = new ArrayList<>();
        Set<String> genids = new HashSet<>();
        for (CloneVm c : clones) {
            SerialLog log = null;
            String why;
            try {
                // A clone that really resumed prints no READY and counts on from above the template's counter.
                log = SerialLog.await(c.serialLog(), l -> l.ready() || l.counts().size() >= 2, Duration.ofSeconds(20));
                why = log.ready() ? "it booted again (READY printed)" : null;
            } catch (IllegalStateException e) {
                why = e.getMessage();
            }
            long first = log == null ? -1 : log.firstCount().orElse(-1);
            long last = log == null ? -1 : log.lastCount().orElse(-1);
            if (why == null && !(first > templateCounter && last > first)) {
                why = "its counter went " + first + " -> " + last + " but the template stopped at " + templateCounter;
            }
            if (why == null && !c.isAlive()) {
                why = "its QEMU exited";
            }
            MemoryUsage mem = c.memoryUsage();
            JsonNode gen = c.qmp().blocking().execute("query-vm-generation-id");
            String genid = gen.path("guid").asText(null);
            if (genid != null && !genids.add(genid)) {
                why = why == null ? "its vmgenid equals another clone's" : why;
            }
            boolean alive = why == null;
            progress.step("%s %s: counter %d -> %d (template stopped at %d), Pss %d KiB, vmgenid %s", c.name(),
                    alive ? "alive" : "NOT alive (" + why + ")", first, last, templateCounter, mem.pssKiB(), genid);
            result.add(new DemoReport.CloneInfo(c.name(), round(ms(c.spawnToRunning().toNanos())), alive, c.pid(),
                    first, last, mem.rssKiB(), mem.pssKiB(), mem.privateKiB(), mem.sharedKiB(), genid));
        }
        return result;
    }

    // ---- output ----

    private static void printReport(DemoReport r, PrintStream out) {
        double[] starts = r.clones().stream().mapToDouble(DemoReport.CloneInfo::startMs).sorted().toArray();
        double median = starts.length == 0 ? 0 : starts[starts.length / 2];
        out.println();
        out.printf("QEMU %s (%s), %s guest, %d MiB, %s%n", r.qemu().version(), r.qemu().binary(), r.guest(),
                r.template().memoryMiB(), r.accel());
        out.println();
        out.print(new TextTable("step", "time", "note")
                .row("bare qemu -M none, spawn to QMP", fmt(r.bareQemuStartMs()), "reference: QEMU alone")
                .row("template cold boot to READY", fmt(r.coldBootMs()), "QEMU start + guest boot")
                .row("template save (migrate)", fmt(r.template().saveMs()),
                        r.template().stateBytes() + " bytes of device state, RAM not copied")
                .row("template save (total)", fmt(r.template().saveTotalMs()), "with fsync, checksums, manifest")
                .row("clone start (median)", fmt(median), String.format("%.1fx bare QEMU; cold boot takes %.1fx as long",
                        median / r.bareQemuStartMs(), r.coldBootMs() / Math.max(median, 0.001)))
                .row("all " + r.clones().size() + " clones started at once", fmt(r.clonesStartWallMs()), "wall time"));
        out.println();
        printClones(r.clones(), out);
        double clonePss = r.clones().stream().mapToLong(DemoReport.CloneInfo::pssKiB).average().orElse(0);
        out.printf("%nmemory: each clone Pss %.0f KiB on average, %.2fx the cold-booted template's %d KiB "
                + "(the clones share the template file's pages)%n", clonePss,
                clonePss / Math.max(1, r.template().pssKiB()), r.template().pssKiB());
        out.println("template RAM file unchanged after the clones ran: " + (r.templateFileUnchanged() ? "yes" : "NO")
                + " (sha256 " + r.template().ramFileSha256().substring(0, 16) + "...)");
        out.println("all clones alive (counter continued from " + r.template().counter() + ", no reboot): "
                + (r.allClonesAlive() ? "yes" : "NO"));
    }

    private static void printClones(List<DemoReport.CloneInfo> clones, PrintStream out) {
        TextTable t = new TextTable("clone", "pid", "start ms", "alive", "counter", "Rss KiB", "Pss KiB",
                "private KiB", "shared KiB", "vmgenid");
        for (DemoReport.CloneInfo c : clones) {
            t.row(c.name(), c.pid(), fmt(c.startMs()), c.alive() ? "yes" : "NO", c.firstCounter() + "->" + c.lastCounter(),
                    c.rssKiB(), c.pssKiB(), c.privateKiB(), c.sharedKiB(), c.vmgenid());
        }
        out.print(t);
    }

    private static int verdict(DemoReport r, Context ctx) {
        if (r.allClonesAlive() && r.templateFileUnchanged()) {
            return 0;
        }
        ctx.err().println("qmpkit demo: " + (r.allClonesAlive() ? "" : "not every clone ran on from the template; ")
                + (r.templateFileUnchanged() ? "" : "the template's RAM file changed while clones ran"));
        return 1;
    }

    // ---- helpers ----

    private static Accel accel(String name, Progress progress) {
        return accel(name, Accel.AUTO.resolve() == Accel.KVM, progress);
    }

    /** Resolves {@code --accel}; asking for KVM where it is unusable falls back to TCG with a note. */
    static Accel accel(String name, boolean kvmUsable, Progress progress) {
        Accel accel = Accel.valueOf(name.toUpperCase(Locale.ROOT));
        if (accel == Accel.KVM && !kvmUsable) {
            progress.note("KVM is not usable here (/dev/kvm is missing or not readable and writable): using TCG. "
                    + "To use KVM, enable virtualisation in the firmware, load kvm_intel or kvm_amd, and add your "
                    + "user to the 'kvm' group.");
            return Accel.TCG;
        }
        return accel == Accel.AUTO ? (kvmUsable ? Accel.KVM : Accel.TCG) : accel;
    }

    private static Boot guestBoot(String guest, Path dir, Path cacheDir, Progress progress) throws Exception {
        if (guest.equals("linux")) {
            LinuxGuest linux = LinuxGuest.prepare(cacheDir, progress);
            return Boot.kernel(linux.kernel()).withInitrd(linux.initramfs()).withAppend(linux.append());
        }
        return Boot.kernel(BuiltinGuest.writeKernel(dir));
    }

    private static Duration guestTimeout(String guest) {
        // A Linux kernel boots in about 3 s under TCG; allow for a busy 2-core machine.
        return Duration.ofSeconds(guest.equals("linux") ? 90 : 30);
    }

    private static void awaitGuest(Path serialLog, java.util.function.Predicate<SerialLog> condition, Duration timeout,
                                   String what) throws IOException, InterruptedException {
        try {
            SerialLog.await(serialLog, condition, timeout);
        } catch (IllegalStateException e) {
            throw new CliFailure("the template's guest did not " + what + ": " + e.getMessage(),
                    "with --accel kvm on nested virtualisation guests can hang: use --accel tcg", e);
        }
    }

    private static double bareQemuStartMs(QemuBinary qemu, Path work) {
        QemuLauncher launcher = QemuLauncher.builder(qemu).args("-M", "none", "-accel", "tcg")
                .workDir(work).name("bare").build();
        double[] t = new double[3];
        for (int i = 0; i < t.length; i++) {
            long t0 = System.nanoTime();
            QemuProcess p = launcher.start();
            t[i] = ms(System.nanoTime() - t0);
            p.close();
        }
        Arrays.sort(t);
        return t[1];
    }

    private static boolean ramFileMatchesManifest(Template template) {
        try {
            template.verifyRamFiles();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static long lastCounter(Path serialLog) throws IOException {
        return serialLog == null || !Files.exists(serialLog) ? -1 : SerialLog.read(serialLog).lastCount().orElse(-1);
    }

    private static void stopAll(List<CloneVm> clones) {
        for (CloneVm c : clones) {
            c.close();
        }
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static ProgressListener listener(Progress progress, String what) {
        return new ProgressListener() {
            @Override
            public void stepFinished(Step step, String vmName, Duration took) {
                if (step == Step.TEMPLATE_LAUNCH || step == Step.SAVE_STATE || step == Step.CHECKSUM
                        || step == Step.READINESS_CHECK) {
                    progress.step("%s: %s done in %d ms", what, step.name().toLowerCase(Locale.ROOT).replace('_', ' '),
                            took.toMillis());
                }
            }
        };
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs anyway and finds nothing left
        }
    }

    private static Path emptyDir(Path dir) throws IOException {
        if (Files.exists(dir) && !isEmptyDir(dir)) {
            throw new CliFailure("--work-dir " + dir + " is not empty",
                    "pass a new or empty folder (the demo writes the template and clone files there)", null);
        }
        return Files.createDirectories(dir);
    }

    private static boolean isEmptyDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static double round(double ms) {
        return Math.round(ms * 10) / 10.0;
    }

    private static String fmt(double ms) {
        return String.format("%.1f ms", ms);
    }
}
