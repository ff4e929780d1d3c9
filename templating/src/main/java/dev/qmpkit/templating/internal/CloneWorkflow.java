package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.launch.CleanupStack;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.launch.QemuUser;
import dev.qmpkit.templating.CloneConfinement;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.CloneRestoreException;
import dev.qmpkit.templating.Step;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateManifest;
import dev.qmpkit.templating.TemplateManifest.CloneRecipe;
import dev.qmpkit.templating.TemplatingException;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.WorkFiles;
import dev.qmpkit.templating.inspect.CloneGuard;
import dev.qmpkit.templating.inspect.Finding;
import dev.qmpkit.templating.inspect.MigrationCapabilityGuard;
import dev.qmpkit.templating.inspect.QemuErrorHints;
import dev.qmpkit.templating.inspect.ReadinessReport;
import dev.qmpkit.templating.inspect.Severity;
import dev.qmpkit.templating.inspect.UnsafeCloneException;
import dev.qmpkit.templating.inspect.VmRole;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts and stops clones: the steps of {@link Template#startClone(CloneOptions)}. A clone's
 * start is a list of named steps ({@link Step}) run in order over one {@link Start}; each
 * resource a step acquires (work directory, QEMU) pushes its release onto the start's
 * {@link CleanupStack}. A failure at any step reads QEMU's stderr, runs the stack and throws
 * with the step's name; a clone that starts keeps the stack, and {@link #stop} runs it.
 */
public final class CloneWorkflow {

    private static final Logger LOG = LoggerFactory.getLogger(CloneWorkflow.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String NETDEV_ID = "qmpkit-net0";
    private static final String NIC_ID = "qmpkit-nic0";
    /** How long a failed restore waits for QEMU to exit by itself, so its own words reach the exception. */
    private static final Duration EXIT_WAIT = Duration.ofSeconds(2);

    private final Launches launches;
    private final TemplateChecks checks;
    private final FeatureCache features;
    private final CloneUidAllocator uids;
    private final AtomicInteger counter = new AtomicInteger();
    private final Set<Path> warned = ConcurrentHashMap.newKeySet();

    /**
     * @param launches starts each clone's QEMU; never null
     * @param checks verifies the template before each launch; never null
     * @param features the owner's QEMU features, for the guard before {@code cont}; never null
     * @param uids gives each clone a uid of its own, or null when clones share the owner's confinement
     */
    public CloneWorkflow(Launches launches, TemplateChecks checks, FeatureCache features, CloneUidAllocator uids) {
        this.launches = launches;
        this.checks = checks;
        this.features = features;
        this.uids = uids;
    }

    /**
     * A restored clone, as {@link dev.qmpkit.templating.CloneVm} exposes it.
     *
     * @param name the clone's name
     * @param process its QEMU
     * @param workDir its private work directory
     * @param serialLog its serial log, or null
     * @param vmgenid its vmgenid GUID, or null
     * @param uuid its -uuid, or null
     * @param mac its NIC's MAC, or null
     * @param resumed whether it was resumed
     * @param spawnNanos System.nanoTime() when QEMU was spawned
     * @param launchTime spawn to negotiated monitor
     * @param restoreTime migrate-incoming to completed
     * @param spawnToRunning spawn to running (or to restored when left paused)
     * @param confinement how its QEMU is confined
     * @param cleanups releases everything the start acquired, newest first: QEMU, then the work directory,
     *                 then its uid
     */
    public record Restored(String name, QemuProcess process, Path workDir, Path serialLog, UUID vmgenid, UUID uuid,
                           String mac, boolean resumed, long spawnNanos, Duration launchTime, Duration restoreTime,
                           Duration spawnToRunning, CloneConfinement confinement, CleanupStack cleanups) {
    }

    /** One step of a clone's start. */
    private record Handler(Step step, Consumer<Start> action) {
    }

    /** The state of one clone's start, filled in by the steps. */
    private static final class Start {
        final Template template;
        final TemplateManifest manifest;
        final VmDescription description;
        final CloneOptions options;
        final QemuBinary binary;
        final String name;
        final Steps steps;
        final CleanupStack cleanups = new CleanupStack();
        QemuUser ownUser;
        QemuAccess access;
        Path workDir;
        Path serialLog;
        UUID vmgenid;
        UUID uuid;
        String mac;
        long spawnNanos;
        QemuProcess process;
        Duration launchTime;
        Duration restoreTime;

        Start(Template template, CloneOptions options, String name) {
            this.template = template;
            this.manifest = template.manifest();
            this.description = manifest.description();
            this.options = options;
            this.binary = options.binary() == null ? template.binary() : options.binary();
            this.name = name;
            this.steps = new Steps(options.listener(), name);
        }

        QmpClient qmp() {
            return process.qmp();
        }
    }

    /**
     * Verifies, launches, restores, gives identity, resumes.
     *
     * @param t the template; never null
     * @param o how; never null
     * @return the restored clone
     */
    public Restored start(Template t, CloneOptions o) {
        Start s = new Start(t, o, "clone-" + counter.incrementAndGet());
        try {
            for (Handler h : handlers(o)) {
                s.steps.run(h.step(), () -> h.action().accept(s));
            }
        } catch (RuntimeException | Error e) {
            throw failed(s, e);
        }
        Duration total = Duration.ofNanos(System.nanoTime() - s.spawnNanos);
        LOG.debug("{}: restored from {} in {} ms (launch {} ms, restore {} ms)", s.name, t.directory(),
                total.toMillis(), s.launchTime.toMillis(), s.restoreTime.toMillis());
        CloneConfinement confinement = new CloneConfinement(s.access.user(), s.ownUser != null,
                launches.confinement(s.ownUser).seccomp(),
                s.access.user() != null && s.manifest.cloneRecipe() == CloneRecipe.WRITABLE_PRIVATE);
        return new Restored(s.name, s.process, s.workDir, s.serialLog, s.vmgenid, s.uuid, s.mac, o.resume(),
                s.spawnNanos, s.launchTime, s.restoreTime, total, confinement, s.cleanups);
    }

    /** The steps of a start, in order; the place where further steps (guest fix-ups) go. */
    private List<Handler> handlers(CloneOptions o) {
        List<Handler> h = new ArrayList<>();
        h.add(new Handler(Step.VERIFY_MANIFEST, this::verify));
        h.add(new Handler(Step.CLONE_LAUNCH, this::launch));
        h.add(new Handler(Step.RESTORE_STATE, this::restore));
        if (o.nic()) {
            h.add(new Handler(Step.IDENTITY, CloneWorkflow::hotplugNic));
        }
        // Last before cont, so it judges the clone with everything the steps above added.
        h.add(new Handler(Step.CLONE_CHECK, this::check));
        if (o.resume()) {
            h.add(new Handler(Step.RESUME, s -> Futures.await(s.qmp().commands().cont())));
        }
        return h;
    }

    /** Stops the clone's QEMU and removes its work directory (and whatever else its start acquired). */
    public static void stop(Restored r) {
        r.cleanups().run();
    }

    private void verify(Start s) {
        checks.verifyBeforeLaunch(s.template, s.binary);
        if (s.manifest.cloneRecipe() == CloneRecipe.WRITABLE_PRIVATE) {
            warnWritablePrivate(s.template);
        }
    }

    /**
     * The restored clone, still paused, as QEMU runs it: every device by its QOM type, however
     * it was named or added (description, extra arguments, the steps before), every memory
     * backend. An error refuses the clone before any vCPU runs; {@link #failed} then stops its
     * QEMU and removes its work directory.
     */
    private void check(Start s) {
        ReadinessReport report;
        try {
            report = CloneGuard.verifyBeforeResume(s.qmp(), features.of(s.process));
        } catch (UnsafeCloneException e) {
            throw new UnsafeCloneException("refusing " + s.name + " of template " + s.template.directory()
                    + " (QEMU " + s.manifest.qemu().version() + ") before any vCPU ran; its QEMU is stopped and its "
                    + "work directory removed", e.report());
        }
        for (Finding w : report.findings(Severity.WARNING)) {
            LOG.debug("{}: {}", s.name, w.render());
            s.steps.warning(Step.CLONE_CHECK, w);
        }
    }

    private void launch(Start s) {
        if (uids != null) {
            QemuUser user = uids.acquire(s.name);
            s.ownUser = user;
            // Pushed first, so it runs last: after QEMU is gone and its files are deleted.
            s.cleanups.push("release uid " + user.uid() + " of " + s.name, () -> releaseUid(s, user));
        }
        s.access = QemuAccess.of(launches.confinement(s.ownUser));
        s.workDir = createWorkDir(s.options.workDir(), s.name);
        Path workDir = s.workDir;
        s.cleanups.push("delete clone work directory " + workDir, () -> WorkFiles.deleteTree(workDir));
        VmDescription d = s.description;
        s.serialLog = d.serialLog() ? workDir.resolve("serial.log") : null;
        SaveWorkflow.io(() -> {
            if (s.serialLog != null) {
                // Created here, not by QEMU (as root, 0644), so it is the clone's like the rest of the directory.
                Durable.createPrivateFile(s.serialLog);
            }
            // Whatever the steps so far put into the work directory becomes the clone's own.
            Ownership.handOver(workDir, s.access.user());
        });
        s.vmgenid = d.vmgenid() ? UUID.randomUUID() : null;
        s.uuid = s.options.freshUuid() ? UUID.randomUUID() : null;
        List<String> args = CommandLines.clone(d, s.template.directory(), s.manifest.resolvedMachineType(),
                s.manifest.cloneRecipe(), s.serialLog, s.vmgenid, s.uuid);
        s.spawnNanos = System.nanoTime();
        // The launcher keeps the monitor socket in its own short run directory: a Unix socket
        // path may not exceed 107 bytes, and workDir may be long.
        s.process = launches.start(s.binary, args, s.name, s.options.restoreTimeout(), s.ownUser);
        s.cleanups.push("stop QEMU of " + s.name, s.process::close);
        s.launchTime = Duration.ofNanos(System.nanoTime() - s.spawnNanos);
    }

    private void restore(Start s) {
        long r0 = System.nanoTime();
        QmpClient c = s.qmp();
        // x-ignore-shared must be on before migrate-incoming, or QEMU refuses the stream
        // ("Capability x-ignore-shared is off, but received capability is on").
        MigrationCapabilityGuard.setCapabilities(c, VmRole.CLONE, SaveWorkflow.capabilities());
        Path state = s.template.directory().resolve(s.manifest.state().file());
        SaveWorkflow.io(() -> {
            try (StateChannel ch = StateChannel.open(c, state, false, s.manifest.qemu().fileMigrationUri(),
                    s.access)) {
                Duration left = s.options.restoreTimeout().minus(s.launchTime);
                Migrations.run(c, "migrate-incoming", Map.of("uri", ch.uri()),
                        left.isNegative() || left.isZero() ? Duration.ofSeconds(1) : left, s.name,
                        s.options.listener());
            }
        });
        s.restoreTime = Duration.ofNanos(System.nanoTime() - r0);
    }

    /** A uid goes back only when its QEMU is gone: a live one would share it with the next clone. */
    private void releaseUid(Start s, QemuUser user) {
        if (s.process != null && s.process.isAlive()) {
            LOG.error("{}: QEMU (pid {}) still runs as uid {} after its stop; the uid stays taken", s.name,
                    s.process.pid(), user.uid());
            return;
        }
        uids.release(user);
    }

    /** Releases what the start acquired and turns the failure into what the caller is told. */
    private static RuntimeException failed(Start s, Throwable e) {
        Step step = s.steps.current() == null ? Step.VERIFY_MANIFEST : s.steps.current();
        String stderr = "";
        if (s.process != null) {
            if (e instanceof MigrationFailedException || e instanceof QmpConnectionException) {
                // QEMU prints why an incoming migration failed (e.g. "Unknown ramblock") and exits;
                // wait briefly for that, so the caller gets QEMU's own words.
                awaitExit(s.process);
            }
            stderr = s.process.stderrTail().strip();
            s.process.kill();
        }
        s.cleanups.run();
        if (e instanceof Error err) {
            throw err;
        }
        if (e instanceof TemplatingException te) {
            return te;
        }
        return failure(s.template, step, (RuntimeException) e, stderr);
    }

    private static void awaitExit(QemuProcess process) {
        try {
            process.onExit().get(EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            // The caller still gets the failure, at once; its interrupt stays set for it to see.
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // still running: report what is there
        }
    }

    private static CloneRestoreException failure(Template t, Step step, RuntimeException e, String stderr) {
        String hint = QemuErrorHints.find(e).or(() -> QemuErrorHints.find(stderr)).map(h -> " -- " + h.render())
                .orElse("");
        return new CloneRestoreException(step, "cloning template " + t.directory() + " (saved by QEMU "
                + t.manifest().qemu().version() + ", " + t.manifest().resolvedMachineType() + ") failed at step " + step
                + ": " + e.getMessage() + hint + (stderr.isEmpty() ? "" : "\nQEMU stderr: " + stderr)
                + (!hint.isEmpty() ? "" : step == Step.CLONE_LAUNCH
                ? "\nFix: QEMU did not start with the template's options (see its message above); check the QEMU "
                + "binary and firmware directories (CloneOptions.binary) and CloneOptions.workDir."
                : step == Step.IDENTITY
                ? "\nFix: QEMU refused the NIC hot-plug shown above; start clones without CloneOptions.nic, or add "
                + "what QEMU is missing."
                : "\nFix: check that the template directory is intact (Template.verifyRamFiles()) and that the clone "
                + "runs the template's QEMU; save the template again if it was changed."), e);
    }

    /**
     * Before 8.2 a clone maps the template file writable and private: a RAM discard would punch
     * a hole in the file itself, corrupting every clone's base. Said once per template; the
     * refusal itself is {@link #check}'s.
     */
    private void warnWritablePrivate(Template t) {
        if (warned.add(t.directory())) {
            LOG.warn("QEMU {} has no 'rom' memory-backend property: clones of {} map the template RAM files "
                    + "writable and private (share=off). Writes stay private, but a RAM discard would reach the "
                    + "template file; clones with a balloon, virtio-mem on the template file or discard-data are "
                    + "refused before they run, and Template.verifyRamFiles() proves the files unchanged. "
                    + "Confinement does not close this: each clone's QEMU opens the files read-write before it "
                    + "drops privileges, so a guest that takes over its QEMU could write the template file through "
                    + "that descriptor and corrupt every clone's base. Use QEMU 8.2+ for the read-only recipe.",
                    t.manifest().qemu().version(), t.directory());
        }
    }

    private static void hotplugNic(Start s) {
        QmpClient c = s.qmp();
        byte[] b = new byte[3];
        RANDOM.nextBytes(b);
        // 52:54:00 is QEMU's own prefix (locally administered).
        String mac = String.format("52:54:00:%02x:%02x:%02x", b[0] & 0xff, b[1] & 0xff, b[2] & 0xff);
        Futures.await(c.commands().netdevAdd("user", NETDEV_ID, Map.of()));
        Map<String, Object> dev = new LinkedHashMap<>();
        dev.put("netdev", NETDEV_ID);
        dev.put("mac", mac);
        // No option ROM: a NIC hot-plugged into a running clone never PXE-boots, and some installs
        // lack efi-virtio.rom ("failed to find romfile").
        dev.put("romfile", "");
        if (s.description.hotplugPort() && CommandLines.isPcie(s.description.machineType())) {
            dev.put("bus", VmDescription.HOTPLUG_PORT_ID);
        }
        Futures.await(c.commands().deviceAdd("virtio-net-pci", NIC_ID, dev));
        s.mac = mac;
    }

    private static Path createWorkDir(Path parent, String name) {
        try {
            Path p = parent == null ? Path.of(System.getProperty("java.io.tmpdir")) : parent;
            Files.createDirectories(p);
            return Files.createTempDirectory(p, "qmpkit-" + name + "-",
                    PosixFilePermissions.asFileAttribute(Durable.DIR_0700));
        } catch (IOException e) {
            throw new TemplatingException("cannot create a work directory for a clone under " + parent + ": " + e
                    + ". Fix: pass a writable CloneOptions.workDir.", e);
        }
    }
}
