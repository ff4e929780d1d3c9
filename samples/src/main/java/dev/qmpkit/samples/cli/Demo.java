package dev.qmpkit.samples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.launch.QemuVersionProbe.QemuBinaryInfo;
import dev.qmpkit.templating.Accel;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.Disk;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateManifest;
import dev.qmpkit.templating.Templating;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.WorkFiles;
import dev.qmpkit.templating.guest.LinuxGuest;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code ./qmpkit demo}: boots a template, saves it, starts N clones at once, proves each runs
 * on from the template, and prints the timings and per-clone memory (and the {@link DemoReport}
 * as JSON when asked). With the Linux guest the template also has the guest agent and a data
 * disk, every clone gets every fix-up, and {@code ForkProof} shows each is its own: first
 * command, identity, network to the host, private disk writes. The sample {@code TemplateAndClone} shows the same steps without the
 * measuring.
 */
public final class Demo {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Demo() {
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
     * @param templateAgeSeconds how long to wait between the save and the clones, so that the
     *                           clones' clocks are visibly behind before the clock fix-up
     */
    public record Settings(QemuBinary qemu, String guest, int memoryMiB, int clones, String accel, Path workDir,
                           Path json, int templateAgeSeconds) {
    }

    /**
     * Runs the whole demo and prints the figures.
     *
     * @param s what to do; never null
     * @param ctx output streams and environment; never null
     * @return 0 when every clone is alive and the template file is unchanged, else 1
     * @throws Exception a failure {@code Main} explains in one line
     */
    public static int run(Settings s, Context ctx) throws Exception {
        Progress progress = ctx.progress();
        QemuBinaryInfo info = QemuChoice.probe(s.qemu());
        Accel accel = GuestTemplates.accel(s.accel(), progress);
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
        try (Templating templating = Templating.builder().build()) {
            boolean linux = s.guest().equals("linux");
            VmDescription.Builder vm = VmDescription.builder()
                    .machineType("q35").accel(accel).cpus(1)
                    .ram((long) s.memoryMiB() << 20);
            if (linux) {
                // The agent is each clone's readiness signal and the fix-ups' channel; the data disk
                // is layered, so each clone writes an overlay of its own.
                LinuxGuest guest = GuestTemplates.linuxGuest(ctx.cacheDir(), progress);
                vm.boot(guest.boot()).guestAgent(true).disk(Disk.overlay("data", guest.dataDisk(), Disk.Format.RAW));
            } else {
                vm.boot(GuestTemplates.guestBoot(s.guest(), work, ctx.cacheDir(), progress));
            }
            VmDescription description = vm.build();

            double bareMs = bareQemuStartMs(s.qemu(), work);
            progress.step("bare 'qemu -M none' spawn to QMP: %.1f ms (median of 3)", bareMs);
            double bareBurstMs = bareBurstMs(s.qemu(), work, s.clones());
            progress.step("%d bare 'qemu -M none' started at once: all at QMP after %.0f ms", s.clones(), bareBurstMs);

            GuestTemplates.Created created = GuestTemplates.create(templating, s.qemu(), description,
                    work.resolve("template"), GuestTemplates.guestTimeout(s.guest()), progress);
            Template template = created.template();
            if (s.templateAgeSeconds() > 0) {
                progress.step("letting the template age %d s before cloning (--template-age)", s.templateAgeSeconds());
                Thread.sleep(s.templateAgeSeconds() * 1000L);
            }

            List<DemoReport.CloneInfo> clones;
            Boolean distinct = null;
            double wallMs;
            try (ForkProof.HostPage page = linux ? new ForkProof.HostPage() : null) {
                Map<String, Double> firstExecMs = linux ? new ConcurrentHashMap<>() : null;
                if (page != null) {
                    progress.step("serving a page on 127.0.0.1:%d for the clones to fetch through %s", page.port(),
                            ForkProof.HOST_FROM_GUEST);
                }
                long t0 = System.nanoTime();
                List<CloneVm> running = GuestTemplates.startClones(template, s.clones(), progress,
                        linux ? ForkProof.options() : CloneOptions.defaults(), firstExecMs);
                try {
                    wallMs = GuestTemplates.ms(System.nanoTime() - t0);
                    progress.step("%d clones running %.0f ms after the first was started", running.size(), wallMs);
                    clones = CloneProof.inspect(running, created.counter(), progress);
                    if (linux) {
                        List<ForkProof.Found> found = ForkProof.inspect(running, firstExecMs, page, progress);
                        List<DemoReport.CloneInfo> withFork = new ArrayList<>();
                        for (int i = 0; i < clones.size(); i++) {
                            withFork.add(clones.get(i).with(found.get(i)));
                        }
                        clones = withFork;
                        distinct = ForkProof.distinct(found);
                    }
                } finally {
                    running.forEach(CloneVm::close);
                }
            }
            progress.step("stopped the clones; checking the template's RAM file against its manifest");
            boolean unchanged = GuestTemplates.ramFilesMatchManifest(template);
            Boolean disksUnchanged = template.diskLayers().isEmpty() ? null : disksMatchManifest(template);

            // The save recorded the RAM file's checksum in the background; verifying waited for it.
            TemplateManifest m = recorded(template).manifest();
            DemoReport report = new DemoReport(
                    new DemoReport.Qemu(info.version().toString(), s.qemu().executable().toString()),
                    s.guest(), accel.qemuName(),
                    new DemoReport.TemplateInfo(s.memoryMiB(), m.state().saveMillis(),
                            CloneProof.round(created.saveTotalMs()), m.state().sizeBytes(), m.backends().get(0).sha256(),
                            created.counter(), created.vmgenid(), created.memory().pssKiB(), created.memory().rssKiB()),
                    CloneProof.round(created.coldBootMs()), CloneProof.round(bareMs), CloneProof.round(wallMs),
                    CloneProof.round(bareBurstMs), clones,
                    clones.stream().allMatch(DemoReport.CloneInfo::alive), unchanged, s.templateAgeSeconds(),
                    disksUnchanged, distinct);
            print(report, ctx.out());
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

    private static void print(DemoReport r, PrintStream out) {
        double[] starts = r.clones().stream().mapToDouble(DemoReport.CloneInfo::startMs).sorted().toArray();
        double median = starts.length == 0 ? 0 : starts[starts.length / 2];
        out.println();
        out.printf("QEMU %s (%s), %s guest, %d MiB, %s%n", r.qemu().version(), r.qemu().binary(), r.guest(),
                r.template().memoryMiB(), r.accel());
        out.println();
        out.print(new TextTable("step", "time", "note")
                .row("bare qemu -M none, spawn to QMP", CloneProof.fmt(r.bareQemuStartMs()), "reference: QEMU alone")
                .row("template cold boot to READY", CloneProof.fmt(r.coldBootMs()), "QEMU start + guest boot")
                .row("template save (migrate)", CloneProof.fmt(r.template().saveMs()),
                        r.template().stateBytes() + " bytes of device state, RAM not copied")
                .row("template save (total)", CloneProof.fmt(r.template().saveTotalMs()),
                        "with fsync and manifest; RAM checksum recorded in the background")
                .row("clone start (median)", CloneProof.fmt(median), String.format(
                        "%.1fx bare QEMU; cold boot takes %.1fx as long", median / r.bareQemuStartMs(),
                        r.coldBootMs() / Math.max(median, 0.001)))
                .row("all " + r.clones().size() + " bare qemu -M none started at once", CloneProof.fmt(r.bareBurstMs()),
                        "reference: QEMU alone, wall time")
                .row("all " + r.clones().size() + " clones started at once", CloneProof.fmt(r.clonesStartWallMs()),
                        String.format("wall time; %.1fx the bare QEMUs", r.clonesStartWallMs()
                                / Math.max(r.bareBurstMs(), 0.001))));
        out.println();
        CloneProof.print(r.clones(), out);
        if (r.identitiesDistinct() != null) {
            out.println();
            ForkProof.print(r.clones(), out);
        }
        double clonePss = r.clones().stream().mapToLong(DemoReport.CloneInfo::pssKiB).average().orElse(0);
        out.printf("%nmemory: each clone Pss %.0f KiB on average, %.2fx the cold-booted template's %d KiB "
                + "(the clones share the template file's pages)%n", clonePss,
                clonePss / Math.max(1, r.template().pssKiB()), r.template().pssKiB());
        out.println("template RAM file unchanged after the clones ran: " + (r.templateFileUnchanged() ? "yes" : "NO")
                + (r.template().ramFileSha256() == null ? "" : " (sha256 " + r.template().ramFileSha256()
                .substring(0, 16) + "...)"));
        out.println("all clones alive (counter continued from " + r.template().counter() + ", no reboot): "
                + (r.allClonesAlive() ? "yes" : "NO"));
        if (r.templateDisksUnchanged() != null) {
            out.println("template disk layer unchanged after the clones wrote their disks: "
                    + (r.templateDisksUnchanged() ? "yes" : "NO"));
        }
        if (r.identitiesDistinct() != null) {
            out.println("every clone its own (MAC, hostname, machine-id, urandom pairwise different; template aged "
                    + r.templateAgeSeconds() + " s): " + (r.identitiesDistinct() ? "yes" : "NO"));
        }
    }

    private static int verdict(DemoReport r, Context ctx) {
        List<String> wrong = new ArrayList<>();
        if (!r.allClonesAlive()) {
            wrong.add("not every clone ran on from the template");
        }
        if (!r.templateFileUnchanged()) {
            wrong.add("the template's RAM file changed while clones ran");
        }
        if (Boolean.FALSE.equals(r.templateDisksUnchanged())) {
            wrong.add("the template's disk layer changed while clones ran");
        }
        if (Boolean.FALSE.equals(r.identitiesDistinct())) {
            wrong.add("two clones share a MAC, host name, machine id or urandom output");
        }
        for (DemoReport.CloneInfo c : r.clones()) {
            if (c.network() != null && !c.network().fetchedFromHost()) {
                wrong.add(c.name() + " could not fetch the host's page through " + ForkProof.HOST_FROM_GUEST);
            }
            if (c.disk() != null && Boolean.FALSE.equals(c.disk().writePrivate())) {
                wrong.add(c.name() + "'s disk write was not its own");
            }
        }
        if (wrong.isEmpty()) {
            return 0;
        }
        ctx.err().println("qmpkit demo: " + String.join("; ", wrong));
        return 1;
    }

    private static boolean disksMatchManifest(Template template) {
        try {
            template.verifyDisks();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** For reference: how long QEMU itself takes to start with no machine at all. */
    private static double bareQemuStartMs(QemuBinary qemu, Path work) {
        QemuLauncher launcher = QemuLauncher.builder(qemu).args("-M", "none", "-accel", "tcg")
                .workDir(work).name("bare").build();
        double[] t = new double[3];
        for (int i = 0; i < t.length; i++) {
            long t0 = System.nanoTime();
            QemuProcess p = launcher.start();
            t[i] = GuestTemplates.ms(System.nanoTime() - t0);
            p.close();
        }
        Arrays.sort(t);
        return t[1];
    }

    /**
     * For reference: {@code n} bare QEMUs started at once, each on its own thread as the clones
     * are, from the start signal until the last one's monitor is negotiated: what QEMU itself
     * needs for a burst of that size on this machine.
     */
    private static double bareBurstMs(QemuBinary qemu, Path work, int n) throws Exception {
        QemuLauncher launcher = QemuLauncher.builder(qemu).args("-M", "none", "-accel", "tcg")
                .workDir(work).name("bare").build();
        ExecutorService threads = Executors.newFixedThreadPool(n);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<QemuProcess>> starts = new ArrayList<>();
        List<QemuProcess> started = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                starts.add(threads.submit(() -> {
                    go.await();
                    return launcher.start();
                }));
            }
            long t0 = System.nanoTime();
            go.countDown();
            Exception failure = null;
            for (Future<QemuProcess> f : starts) {
                try {
                    started.add(f.get());
                } catch (ExecutionException e) {
                    failure = failure == null ? e : failure;
                }
            }
            double ms = GuestTemplates.ms(System.nanoTime() - t0);
            if (failure != null) {
                throw failure;
            }
            return ms;
        } finally {
            started.parallelStream().forEach(QemuProcess::close);
            threads.shutdownNow();
        }
    }

    /** @return the template as recorded with its RAM checksum, or as saved when none could be recorded */
    private static Template recorded(Template template) {
        try {
            return template.ramChecksumsRecorded().get(5, TimeUnit.MINUTES);
        } catch (ExecutionException | TimeoutException e) {
            return template;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return template;
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs anyway and finds nothing left
        }
    }

    private static Path emptyDir(Path dir) throws IOException {
        Checks.newOrEmptyDir("--work-dir", dir);
        return Files.createDirectories(dir);
    }
}
