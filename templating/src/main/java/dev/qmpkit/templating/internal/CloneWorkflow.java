package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import dev.qmpkit.qmp.launch.CleanupStack;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.launch.QemuUser;
import dev.qmpkit.templating.CloneConfinement;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.CloneReport;
import dev.qmpkit.templating.CloneRestoreException;
import dev.qmpkit.templating.FixUpFailedException;
import dev.qmpkit.templating.MacAllocator;
import dev.qmpkit.templating.Step;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateManifest;
import dev.qmpkit.templating.TemplateManifest.CloneRecipe;
import dev.qmpkit.templating.TemplatingException;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.WorkFiles;
import dev.qmpkit.templating.inspect.CloneGuard;
import dev.qmpkit.templating.inspect.Finding;
import dev.qmpkit.templating.fixup.FailurePolicy;
import dev.qmpkit.templating.fixup.FixUp;
import dev.qmpkit.templating.fixup.FixUpContext;
import dev.qmpkit.templating.fixup.FixUpOutcome;
import dev.qmpkit.templating.fixup.FixUpResult;
import dev.qmpkit.templating.fixup.NetworkFixUp;
import dev.qmpkit.templating.inspect.MigrationCapabilityGuard;
import dev.qmpkit.templating.inspect.QemuErrorHints;
import dev.qmpkit.templating.inspect.ReadinessReport;
import dev.qmpkit.templating.inspect.Severity;
import dev.qmpkit.templating.inspect.UnsafeCloneException;
import dev.qmpkit.templating.inspect.VmRole;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
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
 * with the step's name; a clone that starts keeps the stack, and {@link #stop} runs it. After
 * {@code cont} the clone's guest agent is awaited and the fix-ups run; for a clone left paused
 * those steps wait for its first resume ({@link Pending}).
 */
public final class CloneWorkflow {

    private static final Logger LOG = LoggerFactory.getLogger(CloneWorkflow.class);
    /** Where a Linux guest shows the UUID of its SMBIOS tables. */
    private static final String SMBIOS_UUID = "/sys/class/dmi/id/product_uuid";
    /** How long a failed restore waits for QEMU to exit by itself, so its own words reach the exception. */
    private static final Duration EXIT_WAIT = Duration.ofSeconds(2);

    private final Launches launches;
    private final TemplateChecks checks;
    private final FeatureCache features;
    private final CloneVerdicts verdicts;
    private final CloneUidAllocator uids;
    private final MacAllocator macs;
    private final AtomicInteger counter = new AtomicInteger();
    private final Set<Path> warned = ConcurrentHashMap.newKeySet();

    /**
     * @param launches starts each clone's QEMU; never null
     * @param checks verifies the template before each launch; never null
     * @param features the owner's QEMU features, for the guard before {@code cont}; never null
     * @param verdicts the owner's guard verdicts per kind of clone; never null
     * @param uids gives each clone a uid of its own, or null when clones share the owner's confinement
     * @param macs hands out the MACs of clone NICs; never null
     */
    public CloneWorkflow(Launches launches, TemplateChecks checks, FeatureCache features, CloneVerdicts verdicts,
                         CloneUidAllocator uids, MacAllocator macs) {
        this.launches = launches;
        this.checks = checks;
        this.features = features;
        this.verdicts = verdicts;
        this.uids = uids;
        this.macs = macs;
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
     * @param disks each disk's overlay, by disk id
     * @param spawnToReady spawn to handed out: running, agent answered, fix-ups done (restored, when left paused)
     * @param report the readiness wait and fix-ups, or a pending report for a paused clone
     * @param pending runs them at the first resume of a paused clone; null for a resumed one
     */
    public record Restored(String name, QemuProcess process, Path workDir, Path serialLog, UUID vmgenid, UUID uuid,
                           String mac, boolean resumed, long spawnNanos, Duration launchTime, Duration restoreTime,
                           Duration spawnToRunning, CloneConfinement confinement, CleanupStack cleanups,
                           Map<String, Path> disks, Duration spawnToReady, CloneReport report, Pending pending) {
    }

    /** What a paused clone still has to do when it is resumed for the first time. */
    @FunctionalInterface
    public interface Pending {
        /**
         * Resumes the clone, waits for its agent and runs its fix-ups; on failure stops it.
         *
         * @param contAnswered runs once QEMU answered {@code cont} (or it failed), on the thread
         *                     that completes the reply, before the agent and the fix-ups; null for nothing
         * @return the report
         */
        CloneReport resume(Runnable contAnswered);
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
        final MacAllocator macs;
        final Steps steps;
        final CleanupStack cleanups = new CleanupStack();
        /** The steps that completed, in order. */
        final List<Step> done = new ArrayList<>();
        QemuUser ownUser;
        QemuAccess access;
        /** Releases that must wait until QEMU is gone (MAC leases): run last, after the rest of the stack. */
        final CleanupStack afterQemu = new CleanupStack();
        final Map<String, Path> overlays = new LinkedHashMap<>();
        final List<FixUpResult> fixUpResults = new ArrayList<>();
        Path workDir;
        long resumedNanos;
        /** Runs once {@code cont} is answered at the first resume of a paused clone (a pool's refill), or null. */
        Runnable contAnswered;
        Duration agentReady;
        UUID smbiosUuid;
        Path serialLog;
        UUID vmgenid;
        UUID uuid;
        String mac;
        long spawnNanos;
        QemuProcess process;
        Duration launchTime;
        Duration restoreTime;

        Start(Template template, CloneOptions options, String name, MacAllocator macs) {
            this.macs = macs;
            this.template = template;
            this.manifest = template.manifest();
            this.description = manifest.description();
            this.options = options;
            this.binary = options.binary() == null ? template.binary() : options.binary();
            this.name = name;
            this.steps = new Steps(options.listener(), name);
            cleanups.push("releases after QEMU stopped", afterQemu::run);
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
        Start s = new Start(t, o, "clone-" + counter.incrementAndGet(), macs);
        try {
            for (Handler h : handlers(o, s.description)) {
                s.steps.run(h.step(), () -> h.action().accept(s));
                s.done.add(h.step());
            }
        } catch (RuntimeException | Error e) {
            throw failed(s, e);
        }
        long end = System.nanoTime();
        // Spawn to running: up to the reply of 'cont', not counting the wait for the agent and the fix-ups.
        Duration total = Duration.ofNanos((o.resume() ? s.resumedNanos : end) - s.spawnNanos);
        LOG.debug("{}: restored from {} in {} ms (launch {} ms, restore {} ms)", s.name, t.directory(),
                total.toMillis(), s.launchTime.toMillis(), s.restoreTime.toMillis());
        CloneConfinement confinement = new CloneConfinement(s.access.user(), s.ownUser != null,
                launches.confinement(s.ownUser).seccomp(),
                s.access.user() != null && s.manifest.cloneRecipe() == CloneRecipe.WRITABLE_PRIVATE);
        return new Restored(s.name, s.process, s.workDir, s.serialLog, s.vmgenid, s.uuid, s.mac, o.resume(),
                s.spawnNanos, s.launchTime, s.restoreTime, total, confinement, s.cleanups,
                Collections.unmodifiableMap(s.overlays), Duration.ofNanos(end - s.spawnNanos),
                o.resume() ? report(s) : new CloneReport(s.name, true, null, List.of(), s.uuid, null),
                o.resume() ? null : contAnswered -> resumeLater(s, contAnswered));
    }

    /** The steps of a start, in order; the place where further steps go. */
    private List<Handler> handlers(CloneOptions o, VmDescription d) {
        List<Handler> h = new ArrayList<>();
        h.add(new Handler(Step.VERIFY_MANIFEST, this::verify));
        if (!d.disks().isEmpty()) {
            h.add(new Handler(Step.CLONE_DISKS, this::createDisks));
        }
        h.add(new Handler(Step.CLONE_LAUNCH, this::launch));
        h.add(new Handler(Step.RESTORE_STATE, this::restore));
        if (o.nic()) {
            h.add(new Handler(Step.IDENTITY, this::hotplugNic));
        }
        // Last before cont, so it judges the clone with everything the steps above added.
        h.add(new Handler(Step.CLONE_CHECK, this::check));
        if (o.resume()) {
            h.addAll(afterResume(o, d));
        }
        return h;
    }

    /** What follows the restore once the clone runs: {@code cont}, the agent's first answer, the fix-ups. */
    private static List<Handler> afterResume(CloneOptions o, VmDescription d) {
        List<Handler> h = new ArrayList<>();
        h.add(new Handler(Step.RESUME, s -> {
            CompletableFuture<Void> cont = s.qmp().commands().cont();
            if (s.contAnswered != null) {
                Runnable then = s.contAnswered;
                cont.whenComplete((reply, error) -> then.run());
            }
            Futures.await(cont);
            s.resumedNanos = System.nanoTime();
        }));
        // Fix-ups that need the agent wait for it even when the caller does not.
        if (d.guestAgent() && (o.awaitAgent() || o.fixUps().stream().anyMatch(FixUp::needsAgent))) {
            h.add(new Handler(Step.AWAIT_AGENT, CloneWorkflow::awaitAgent));
        }
        if (!o.fixUps().isEmpty()) {
            h.add(new Handler(Step.FIX_UPS, CloneWorkflow::fixUps));
        }
        return h;
    }

    /** The first resume of a clone started paused: the steps after the restore, then its report. */
    private static CloneReport resumeLater(Start s, Runnable contAnswered) {
        s.contAnswered = contAnswered;
        try {
            for (Handler h : afterResume(s.options, s.description)) {
                s.steps.run(h.step(), () -> h.action().accept(s));
            }
        } catch (RuntimeException | Error e) {
            throw failed(s, e);
        }
        return report(s);
    }

    private static CloneReport report(Start s) {
        return new CloneReport(s.name, false, s.agentReady, s.fixUpResults, s.uuid, s.smbiosUuid);
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
     * QEMU and removes its work directory. Inspected once per kind of clone ({@link CloneVerdicts}):
     * a clone of a kind that passed is the same VM to QEMU, and its warnings are the same.
     */
    private void check(Start s) {
        ReadinessReport report;
        try {
            List<String> own = new ArrayList<>();
            own.add(s.workDir.toString());
            own.add(s.process.runDir() == null ? null : s.process.runDir().toString());
            own.add(s.vmgenid == null ? null : s.vmgenid.toString());
            own.add(s.uuid == null ? null : s.uuid.toString());
            own.add(s.ownUser == null ? null : s.ownUser.toString());
            CloneVerdicts.Kind kind = CloneVerdicts.kindOf(s.process, s.template.directory(),
                    s.manifest.fingerprint(), own, s.done);
            report = verdicts.check(kind, () -> CloneGuard.verifyBeforeResume(s.qmp(), features.of(s.process)));
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

    /**
     * The clone's own user (when the owner gives each clone a uid) and private work directory,
     * set up by the first step that needs them.
     */
    private Path workDir(Start s) {
        if (s.workDir == null) {
            if (uids != null) {
                QemuUser user = uids.acquire(s.name);
                s.ownUser = user;
                // Pushed first, so it runs last: after QEMU is gone and its files are deleted.
                s.cleanups.push("release uid " + user.uid() + " of " + s.name, () -> releaseUid(s, user));
            }
            s.access = QemuAccess.of(launches.confinement(s.ownUser));
            s.workDir = createWorkDir(s.options.workDir(), s.name);
            Path workDir = s.workDir;
            s.cleanups.push("delete clone work directory " + workDir, () -> deleteWorkDir(s, workDir));
        }
        return s.workDir;
    }

    /** Deletes the work directory, or, with {@link CloneOptions#keepDisks()}, all of it but the disk overlays. */
    private static void deleteWorkDir(Start s, Path workDir) throws IOException {
        if (!s.options.keepDisks() || s.overlays.isEmpty()) {
            WorkFiles.deleteTree(workDir);
            return;
        }
        try (var files = Files.list(workDir)) {
            for (Path p : files.toList()) {
                if (!s.overlays.containsValue(p)) {
                    WorkFiles.deleteTree(p);
                }
            }
        }
        LOG.info("{}: kept its disk overlays in {}", s.name, workDir);
    }

    /**
     * Each disk gets an overlay of the clone's own on the template's frozen layer, which QEMU
     * opens read-only as its backing file.
     */
    private void createDisks(Start s) {
        Path dir = workDir(s);
        Path qemuImg = DiskImages.qemuImg(s.binary);
        SaveWorkflow.io(() -> {
            for (TemplateManifest.DiskLayer l : s.manifest.disks()) {
                Path overlay = dir.resolve(l.file());
                DiskImages.createOverlay(qemuImg, s.template.directory().resolve(l.file()), overlay);
                s.overlays.put(l.id(), overlay);
            }
        });
    }

    private void launch(Start s) {
        Path workDir = workDir(s);
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
                s.manifest.cloneRecipe(), s.serialLog, s.vmgenid, s.uuid, s.overlays);
        s.spawnNanos = System.nanoTime();
        // The launcher keeps the monitor socket in its own short run directory: a Unix socket
        // path may not exceed 107 bytes, and workDir may be long.
        s.process = launches.start(s.binary, args, s.name, s.options.restoreTimeout(), s.ownUser, d.guestAgent());
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
                : step == Step.AWAIT_AGENT
                ? "\nFix: the template's guest must run qemu-ga on the virtio-serial port org.qemu.guest_agent.0 (its "
                + "serial log shows whether it started; save the template after the agent answered "
                + "TemplateVm.agent()); give a slow guest more time with CloneOptions.agentTimeout, or hand clones "
                + "out without waiting: CloneOptions.awaitAgent(false) and fix-ups that need no agent."
                : step == Step.CLONE_DISKS
                ? "\nFix: qemu-img could not create the clone's overlay (see above); check CloneOptions.workDir and "
                + "that the template's disk layers are readable."
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

    private void hotplugNic(Start s) {
        MacAllocator.Lease lease = macs.allocate();
        s.afterQemu.push("give back MAC " + lease.mac(), lease::close);
        QmpClient c = s.qmp();
        Futures.await(c.commands().netdevAdd("user", NetworkFixUp.NETDEV_ID, Map.of()));
        Futures.await(c.commands().deviceAdd("virtio-net-pci", NetworkFixUp.NIC_ID,
                NetworkFixUp.nicProperties(lease.mac(), hotplugBus(s.description))));
        s.mac = lease.mac();
    }

    /** @return the PCIe root port of the description on q35; empty on machines whose root bus takes hot-plug */
    private static Optional<String> hotplugBus(VmDescription d) {
        return d.hotplugPort() && CommandLines.isPcie(d.machineType()) ? Optional.of(VmDescription.HOTPLUG_PORT_ID)
                : Optional.empty();
    }

    private static GuestAgentClient agent(Start s) {
        return s.process.guestAgent().orElseThrow(() -> new IllegalStateException("the clone's QEMU has no guest "
                + "agent client although its description has an agent channel (a QemuStarter that drops "
                + "QemuLauncher.guestAgent?)"));
    }

    /** The clone's readiness: its agent answers; then the one identity no clone gets anew is read. */
    private static void awaitAgent(Start s) {
        GuestAgentClient agent = agent(s);
        Futures.await(agent.awaitAgent(s.options.agentTimeout()));
        s.agentReady = Duration.ofNanos(System.nanoTime() - s.resumedNanos);
        try {
            String text = new String(Futures.await(agent.readFile(SMBIOS_UUID)), StandardCharsets.US_ASCII).strip();
            s.smbiosUuid = UUID.fromString(text);
        } catch (QmpException | IllegalArgumentException e) {
            LOG.debug("{}: cannot read the guest's SMBIOS UUID from {}: {}", s.name, SMBIOS_UUID, e.toString());
        }
    }

    private static void fixUps(Start s) {
        FixUpContext context = new Context(s);
        for (FixUp f : s.options.fixUps()) {
            FixUpResult r = runFixUp(f, context, s);
            s.fixUpResults.add(r);
            s.steps.fixUpFinished(r);
            if (r.status() == FixUpResult.Status.FAILED) {
                throw new FixUpFailedException(r, "cloning template " + s.template.directory() + ": fix-up '"
                        + f.name() + "' failed on " + s.name + " after " + r.took().toMillis() + " ms: " + r.summary()
                        + "\nFix: " + fixUpHint(f.name()) + "; or hand the clone out anyway with "
                        + "onFailure(FailurePolicy.WARN) on that fix-up, or leave it out of CloneOptions.fixUps.",
                        r.failure());
            }
        }
        if (s.mac == null) {
            s.mac = report(s).detail(NetworkFixUp.Result.class).map(NetworkFixUp.Result::mac).orElse(null);
        }
    }

    private static FixUpResult runFixUp(FixUp f, FixUpContext context, Start s) {
        long t0 = System.nanoTime();
        if (f.needsAgent() && !context.hasAgent()) {
            return new FixUpResult(f.name(), FixUpResult.Status.SKIPPED, Duration.ZERO, "skipped: it needs the guest "
                    + "agent, and the VM has no agent channel (VmDescription.guestAgent)", null, null);
        }
        try {
            FixUpOutcome out = java.util.Objects.requireNonNull(f.apply(context),
                    () -> "fix-up '" + f.name() + "' returned no outcome");
            return new FixUpResult(f.name(), FixUpResult.Status.DONE, Duration.ofNanos(System.nanoTime() - t0),
                    out.summary(), out.detail(), null);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            if (f.failurePolicy() == FailurePolicy.WARN) {
                LOG.warn("{}: fix-up '{}' failed after {} ms, continuing (FailurePolicy.WARN): {}", s.name, f.name(),
                        took.toMillis(), why);
                return new FixUpResult(f.name(), FixUpResult.Status.WARNED, took, why, null, e);
            }
            return new FixUpResult(f.name(), FixUpResult.Status.FAILED, took, why, null, e);
        }
    }

    private static String fixUpHint(String name) {
        return switch (name) {
            case "clock" -> "guest-set-time needs hwclock in the guest (util-linux or busybox), and the agent must "
                    + "not block it (--block-rpcs)";
            case "entropy" -> "the guest needs sh and dmesg, a writable /tmp that allows executing files, and an "
                    + "agent running as root";
            case "hostname", "machine-id" -> "the agent must be able to write /proc/sys/kernel/hostname, "
                    + "/etc/hostname and /etc/machine-id (root, writable /etc)";
            case "network" -> "the guest needs the virtio_net driver and a DHCP client (NetworkFixUp.dhcpCommand) or "
                    + "the ip tool for a static address; a tap must exist and be free";
            default -> "see the fix-up's message above";
        };
    }

    /** What a fix-up sees of the clone being started. */
    private static final class Context implements FixUpContext {
        private final Start s;

        Context(Start s) {
            this.s = s;
        }

        @Override
        public String cloneName() {
            return s.name;
        }

        @Override
        public Template template() {
            return s.template;
        }

        @Override
        public QmpClient qmp() {
            return s.qmp();
        }

        @Override
        public boolean hasAgent() {
            return s.description.guestAgent() && s.process.guestAgent().isPresent();
        }

        @Override
        public GuestAgentClient agent() {
            if (!s.description.guestAgent()) {
                throw new IllegalStateException("clone " + s.name + " has no guest agent channel; build the template's "
                        + "description with VmDescription.builder().guestAgent(true)");
            }
            return CloneWorkflow.agent(s);
        }

        @Override
        public UUID vmgenid() {
            return s.vmgenid;
        }

        @Override
        public UUID uuid() {
            return s.uuid;
        }

        @Override
        public MacAllocator macAllocator() {
            return s.macs;
        }

        @Override
        public Optional<String> hotplugBus() {
            return CloneWorkflow.hotplugBus(s.description);
        }

        @Override
        public Path workDir() {
            return s.workDir;
        }

        @Override
        public void onClose(String what, CleanupStack.Action release) {
            s.afterQemu.push(what, release);
        }
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
