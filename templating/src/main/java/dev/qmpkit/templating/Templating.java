package dev.qmpkit.templating;

import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.QmpResources;
import dev.qmpkit.qmp.launch.Confinement;
import dev.qmpkit.qmp.launch.ConfinementStatus;
import dev.qmpkit.qmp.agent.AgentOptions;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.launch.QemuStarter;
import dev.qmpkit.templating.internal.CloneUidAllocator;
import dev.qmpkit.templating.internal.CloneVerdicts;
import dev.qmpkit.templating.internal.CloneWorkflow;
import dev.qmpkit.templating.internal.FeatureCache;
import dev.qmpkit.templating.internal.Launches;
import dev.qmpkit.templating.internal.ManifestIo;
import dev.qmpkit.templating.internal.SaveWorkflow;
import dev.qmpkit.templating.internal.Steps;
import dev.qmpkit.templating.internal.TemplateChecks;
import dev.qmpkit.templating.internal.TemplateLaunch;
import dev.qmpkit.templating.inspect.QemuFeatures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The owner of everything templating uses: how QEMU is started, the options and I/O
 * resources of every monitor and guest agent client, the MAC allocator of clone NICs, the
 * caches (RAM files already verified, the {@link QemuFeatures} of each QEMU binary, the clone
 * guard's verdict per kind of clone), the clone names, the template VMs, clones and pools it
 * started, and the thread that records RAM checksums after a save
 * ({@link SaveOptions.RamChecksum#BACKGROUND}). Create one per application and
 * share it (as Lettuce's {@code ClientResources}); it builds templates, clones and pools, and
 * {@link #close()} stops whatever of them is still running.
 *
 * <pre>{@code
 * try (QmpResources io = QmpResources.create(2);
 *      Templating templating = Templating.builder().resources(io).build()) {
 *     Template template = templating.openTemplate(Path.of("/var/lib/tpl/web"));
 *     try (CloneVm clone = template.startClone()) { ... }   // the template's owner starts it
 * }
 * }</pre>
 *
 * <p>The static entry points ({@link TemplateVm#start}, {@link Template#open},
 * {@link ClonePool#start}) use {@link #defaults()}, a shared instance that runs real QEMU with
 * {@link QmpOptions#defaults()} and is never closed. Thread-safe.
 */
public final class Templating implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Templating.class);
    private static final Templating DEFAULTS = new Templating(builder(), true);

    private final QemuStarter launcher;
    private final QmpOptions qmpOptions;
    private final TemplatingMetrics metrics;
    /** {@link #metrics}, unable to throw into a workflow. */
    private final TemplatingMetrics measure;
    private final AgentOptions agentOptions;
    private final MacAllocator macAllocator;
    private final boolean shared;
    private final Confinement confinement;
    private final CloneUids cloneUids;
    private final TemplateLaunch templateLaunch;
    private final SaveWorkflow saveWorkflow;
    private final TemplateChecks checks = new TemplateChecks();
    private final FeatureCache features = new FeatureCache();
    private final CloneVerdicts verdicts = new CloneVerdicts();
    private final CloneWorkflow cloneWorkflow;
    private final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();
    /** RAM checksums being (or that were) recorded in the background, by template directory and save time. */
    private final Map<String, CompletableFuture<Template>> recordings = new ConcurrentHashMap<>();
    /** One thread, started when needed and ended when idle, hashes RAM files after saves. */
    private final ThreadPoolExecutor background;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Templating(Builder b, boolean shared) {
        this.launcher = b.launcher;
        this.qmpOptions = b.resources == null ? b.qmpOptions : b.qmpOptions.toBuilder().resources(b.resources).build();
        this.metrics = b.metrics;
        this.measure = GuardedTemplatingMetrics.of(b.metrics);
        this.agentOptions = b.agentOptions.resources() == null
                ? b.agentOptions.toBuilder().resources(qmpOptions.resources()).build() : b.agentOptions;
        this.macAllocator = b.macAllocator == null ? MacAllocator.create() : b.macAllocator;
        this.shared = shared;
        this.confinement = b.confinement;
        this.cloneUids = b.cloneUids;
        Launches launches = new Launches(launcher, qmpOptions, confinement, agentOptions);
        this.templateLaunch = new TemplateLaunch(launches);
        this.saveWorkflow = new SaveWorkflow(launches);
        ThreadPoolExecutor exec = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "qmpkit-ram-checksum");
            t.setDaemon(true);
            return t;
        });
        exec.allowCoreThreadTimeOut(true);
        this.background = exec;
        this.cloneWorkflow = new CloneWorkflow(launches, checks, features, verdicts,
                cloneUids == null ? null : new CloneUidAllocator(cloneUids), macAllocator);
        if (cloneUids != null) {
            LOG.info("clones run as uids {}, one each (templates as {})", cloneUids,
                    confinement.user().map(Object::toString).orElse("the JVM's user"));
        }
    }

    /**
     * @return the shared instance behind the static entry points: real QEMU, default monitor
     *         options, never closed; never null
     */
    public static Templating defaults() {
        return DEFAULTS;
    }

    /** @return a builder with the defaults of {@link #defaults()}; never null */
    public static Builder builder() {
        return new Builder();
    }

    /** @return what starts every QEMU of this owner; never null */
    public QemuStarter launcher() {
        return launcher;
    }

    /** @return the options of every monitor client this owner's QEMUs get; never null */
    public QmpOptions qmpOptions() {
        return qmpOptions;
    }

    /** @return how every QEMU of this owner is confined (clones with {@link #cloneUids()} get their own uid); never null */
    public Confinement confinement() {
        return confinement;
    }

    /** @return the uids clones run as, one each, or null when clones share the confinement's user */
    public CloneUids cloneUids() {
        return cloneUids;
    }

    /** @return what receives the workflows' measurements; never null ({@link TemplatingMetrics#NONE} by default) */
    public TemplatingMetrics metrics() {
        return metrics;
    }

    /**
     * @return the options of the guest agent client of every VM whose description has an agent
     *         channel (its I/O resources are this owner's unless set); never null
     */
    public AgentOptions agentOptions() {
        return agentOptions;
    }

    /**
     * @return the allocator the MACs of clone NICs come from ({@link CloneOptions#nic()}, the
     *         network fix-up): no two clones of this owner hold the same MAC; never null
     */
    public MacAllocator macAllocator() {
        return macAllocator;
    }

    /** @return the I/O resources those clients borrow; never null */
    public QmpResources resources() {
        return qmpOptions.resources() == null ? QmpResources.shared() : qmpOptions.resources();
    }

    /**
     * Starts a template VM, as {@link TemplateVm#start(QemuBinary, VmDescription, Path, ProgressListener)}
     * describes.
     *
     * @param binary the QEMU to run; never null
     * @param description what the VM is; never null
     * @param directory the template directory (absent or empty); never null
     * @return the running VM
     * @throws TemplatingException when the directory is not empty or cannot be created
     * @throws dev.qmpkit.qmp.launch.QemuLaunchException when QEMU refuses the configuration
     * @throws IllegalStateException when this owner is closed
     */
    public TemplateVm startTemplate(QemuBinary binary, VmDescription description, Path directory) {
        return startTemplate(binary, description, directory, ProgressListener.NONE);
    }

    /**
     * Starts a template VM, reporting {@link Step#TEMPLATE_LAUNCH}; see
     * {@link TemplateVm#start(QemuBinary, VmDescription, Path, ProgressListener)}.
     *
     * @param binary the QEMU to run; never null
     * @param description what the VM is; never null
     * @param directory the template directory (absent or empty); never null
     * @param listener receives progress; never null
     * @return the running VM
     * @throws TemplatingException when the directory is not empty or cannot be created
     * @throws dev.qmpkit.qmp.launch.QemuLaunchException when QEMU refuses the configuration
     * @throws IllegalStateException when this owner is closed
     */
    public TemplateVm startTemplate(QemuBinary binary, VmDescription description, Path directory,
                                    ProgressListener listener) {
        Objects.requireNonNull(binary, "binary");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(listener, "listener");
        checkOpen();
        TemplateLaunch.Started s = templateLaunch.start(binary, description, directory,
                MeasuredProgress.of(listener, measure));
        return track(new TemplateVm(this, s.directory(), s.description(), s.process(), s.serialLog(), s.vmgenid()));
    }

    /**
     * Opens a saved template, as {@link Template#open(Path)} describes; its clones are started
     * by this owner.
     *
     * @param directory a template directory; never null
     * @return the template
     * @throws ManifestCorruptException when the manifest is missing, unreadable, edited or
     *         contradicts itself ({@link ManifestCorruptException#reason()})
     * @throws ManifestMismatchException when the manifest is intact but a file differs from it
     *         ({@link ManifestMismatchException#kind()})
     */
    public Template openTemplate(Path directory) {
        Objects.requireNonNull(directory, "directory");
        Path dir = directory.toAbsolutePath().normalize();
        return new Template(this, dir, ManifestIo.readChecked(dir));
    }

    /**
     * Starts a clone of a template with this owner's launcher, options and caches, as
     * {@link Template#startClone(CloneOptions)} describes.
     *
     * @param template the template; never null
     * @param options how; never null
     * @return the clone, running or paused as asked
     * @throws ManifestMismatchException when the template fails {@link Template#verify} (nothing launched)
     * @throws CloneRestoreException when the clone cannot load the state (its QEMU is stopped)
     * @throws dev.qmpkit.templating.inspect.UnsafeCloneException when the restored clone fails
     *         {@link dev.qmpkit.templating.inspect.CloneGuard} (its QEMU is stopped before any vCPU ran)
     * @throws IllegalStateException when this owner is closed
     */
    public CloneVm startClone(Template template, CloneOptions options) {
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(options, "options");
        checkOpen();
        long t0 = System.nanoTime();
        boolean ok = false;
        try {
            CloneOptions measured = measure == TemplatingMetrics.NONE ? options
                    : options.toBuilder().listener(MeasuredProgress.of(options.listener(), measure)).build();
            CloneVm vm = track(new CloneVm(this, template, cloneWorkflow.start(template, measured)));
            ok = true;
            return vm;
        } finally {
            measure.cloneStarted(ok, System.nanoTime() - t0);
        }
    }

    /**
     * Starts a warm pool of clones of a template, as {@link ClonePool#start} describes; its
     * clones are started by this owner.
     *
     * @param template the template; never null
     * @param size how many clones to keep ready, 1 to 64
     * @param options clone options (their {@code resume} is ignored: members wait paused); never null
     * @return the pool, filling in the background
     * @throws IllegalArgumentException when {@code size} is not 1 to 64
     * @throws IllegalStateException when this owner is closed
     */
    public ClonePool startPool(Template template, int size, CloneOptions options) {
        Objects.requireNonNull(template, "template");
        Objects.requireNonNull(options, "options");
        checkOpen();
        return track(ClonePool.create(this, template, size, options));
    }

    /**
     * Stops every pool, clone and template VM this owner started and that is still open (in
     * that order), then refuses to start more. What the caller already closed is left alone;
     * borrowed {@link QmpResources} are not closed. Idempotent. On {@link #defaults()} it does
     * nothing.
     */
    @Override
    public void close() {
        if (shared || !closed.compareAndSet(false, true)) {
            return;
        }
        // A background hashing still running is abandoned (the manifest keeps no RAM checksum), and
        // whoever waits for one (verifyRamFiles, ramChecksumsRecorded) is told so instead of waiting forever.
        background.shutdownNow();
        try {
            // Interrupted, the hashing stops at its next read; waiting for it means a closed owner
            // writes no manifest into a template directory afterwards.
            if (!background.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("the RAM checksum recording did not stop within 10 s of close()");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        recordings.values().forEach(f -> f.completeExceptionally(closedException()));
        List<AutoCloseable> all = new ArrayList<>(open);
        for (Class<?> kind : List.of(ClonePool.class, CloneVm.class, TemplateVm.class)) {
            for (AutoCloseable c : all) {
                if (kind.isInstance(c)) {
                    try {
                        c.close();
                    } catch (Exception e) {
                        LOG.warn("closing {} failed: {}", c, e.toString());
                    }
                }
            }
        }
    }

    @Override
    public String toString() {
        return shared ? "Templating[defaults]" : "Templating[" + open.size() + " open]";
    }

    // ---- for the objects it builds

    Template save(TemplateVm vm, SaveOptions options) {
        long t0 = System.nanoTime();
        boolean ok = false;
        Template t;
        SaveOptions measured = measure == TemplatingMetrics.NONE ? options
                : options.toBuilder().listener(MeasuredProgress.of(options.listener(), measure)).build();
        try {
            t = new Template(this, vm.directory(), saveWorkflow.save(vm, measured));
            ok = true;
        } finally {
            measure.templateSaved(ok, System.nanoTime() - t0);
        }
        if (options.ramChecksum() == SaveOptions.RamChecksum.BACKGROUND) {
            // Taken now, so the hashing refuses a file changed between the save and its turn.
            recordRamChecksums(t, TemplateChecks.ramIdentities(t), measured.listener());
        }
        return t;
    }

    /** @return the metrics, guarded: for the pools */
    TemplatingMetrics measure() {
        return measure;
    }

    /**
     * @param t a template of this owner
     * @return its recorded RAM checksums: at once when its manifest has them, else the background
     *         hashing of its save (or one started now)
     */
    CompletableFuture<Template> ramChecksums(Template t) {
        return t.hasRamChecksums() ? CompletableFuture.completedFuture(t)
                : recordRamChecksums(t, null, ProgressListener.NONE);
    }

    /** @return the background hashing of {@code t}'s save, or null when none was started by this owner */
    CompletableFuture<Template> recording(Template t) {
        return recordings.get(t.directory() + "|" + t.manifest().createdAt());
    }

    private CompletableFuture<Template> recordRamChecksums(Template t, Map<String, String> atSave,
                                                           ProgressListener listener) {
        return recordings.computeIfAbsent(t.directory() + "|" + t.manifest().createdAt(), k -> {
            CompletableFuture<Template> done = new CompletableFuture<>();
            try {
                background.execute(() -> {
                    try {
                        TemplateManifest m = new Steps(listener, "template").run(Step.RAM_CHECKSUM,
                                () -> TemplateChecks.recordRamChecksums(t, atSave));
                        done.complete(new Template(this, t.directory(), m));
                    } catch (ManifestMismatchException e) {
                        if (closed.get()) {
                            // Interrupted by close(): nothing was found changed.
                            done.completeExceptionally(closedException());
                            return;
                        }
                        checks.refuseRamFiles(t, e);
                        LOG.error("recording the RAM checksums of template {} after its save failed; this owner refuses "
                                + "its clones from now on: {}", t.directory(), e.getMessage());
                        done.completeExceptionally(e);
                    } catch (RuntimeException | Error e) {
                        LOG.warn("recording the RAM checksums of template {} failed: {}", t.directory(), e.toString());
                        done.completeExceptionally(e);
                    }
                });
            } catch (RejectedExecutionException e) {
                done.completeExceptionally(closedException());
            }
            return done;
        });
    }

    TemplateChecks checks() {
        return checks;
    }

    /** @return the features of the binary {@code process} runs, detected once per binary by this owner */
    QemuFeatures features(QemuProcess process) {
        return features.of(process);
    }

    void stop(CloneWorkflow.Restored restored) {
        CloneWorkflow.stop(restored);
    }

    /** Forgets a VM or pool that was closed. */
    void closed(AutoCloseable c) {
        open.remove(c);
    }

    private <T extends AutoCloseable> T track(T c) {
        if (shared) {
            // Never closed, so it has no use for the list, and must not keep what callers forgot alive.
            return c;
        }
        open.add(c);
        if (closed.get()) {
            // close() ran meanwhile and did not see it.
            open.remove(c);
            try {
                c.close();
            } catch (Exception e) {
                // reported below
            }
            throw closedException();
        }
        return c;
    }

    private void checkOpen() {
        if (closed.get()) {
            throw closedException();
        }
    }

    private IllegalStateException closedException() {
        return new IllegalStateException("this Templating was closed; create a new one to start templates, clones "
                + "or pools");
    }

    /** Builds a {@link Templating}. Not thread-safe. */
    public static final class Builder {
        private QemuStarter launcher = QemuStarter.processes();
        private QmpOptions qmpOptions = QmpOptions.defaults();
        private QmpResources resources;
        private Confinement confinement = Confinement.defaults();
        private CloneUids cloneUids;
        private TemplatingMetrics metrics = TemplatingMetrics.NONE;
        private AgentOptions agentOptions = AgentOptions.defaults();
        private MacAllocator macAllocator;

        private Builder() {
        }

        /**
         * @param confinement how every template VM and clone's QEMU is confined (default
         *                    {@link Confinement#defaults()}: seccomp sandbox on and, when the
         *                    JVM runs as root, the unprivileged user {@code nobody});
         *                    {@link Confinement#none()} starts them as before confinement
         *                    existed. File ownership follows it: a clone's work directory
         *                    belongs to the user its QEMU runs as; never null
         * @return this
         */
        public Builder confinement(Confinement confinement) {
            this.confinement = Objects.requireNonNull(confinement, "confinement");
            return this;
        }

        /**
         * Gives every clone a uid of its own from {@code uids} (allocated at its start, released
         * once its QEMU has exited; never two live clones of this JVM on one uid), so a guest that
         * escapes into one clone's QEMU cannot signal, ptrace or read a sibling. Templates keep
         * the confinement's user. Needs a JVM running as root.
         *
         * @param uids the range, or null for clones sharing the confinement's user (default)
         * @return this
         */
        public Builder cloneUids(CloneUids uids) {
            this.cloneUids = uids;
            return this;
        }

        /**
         * @param launcher starts every QEMU (default {@link QemuStarter#processes()}: real QEMU
         *                 child processes); a test double, or a wrapper that adjusts each
         *                 launch; never null
         * @return this
         */
        public Builder launcher(QemuStarter launcher) {
            this.launcher = Objects.requireNonNull(launcher, "launcher");
            return this;
        }

        /**
         * @param options the options of every monitor client (timeouts, event queues,
         *                listeners; default {@link QmpOptions#defaults()}); never null
         * @return this
         */
        public Builder qmpOptions(QmpOptions options) {
            this.qmpOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * @param resources I/O resources every monitor client borrows, replacing those of
         *                  {@link #qmpOptions}; the owner never closes them; never null
         * @return this
         */
        public Builder resources(QmpResources resources) {
            this.resources = Objects.requireNonNull(resources, "resources");
            return this;
        }

        /**
         * @param metrics receives the time of each workflow step, of clone starts and template
         *                saves, and the pools' sizes, acquires and refills (default
         *                {@link TemplatingMetrics#NONE}); e.g.
         *                {@code MicrometerTemplatingMetrics.of(registry)}; never null
         * @return this
         */
        public Builder metrics(TemplatingMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * @param options the options of every guest agent client (timeouts, message size; default
         *                {@link AgentOptions#defaults()}); without resources of their own they
         *                borrow the monitors'; never null
         * @return this
         */
        public Builder agentOptions(AgentOptions options) {
            this.agentOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * @param allocator where the MACs of clone NICs come from (default: a new
         *                  {@link MacAllocator#create()} per owner, with a random prefix). Share one
         *                  between owners whose clones meet on one network; never null
         * @return this
         */
        public Builder macAllocator(MacAllocator allocator) {
            this.macAllocator = Objects.requireNonNull(allocator, "allocator");
            return this;
        }

        /**
         * @return a new owner; never null
         * @throws IllegalStateException when {@link #cloneUids} is set but the JVM does not run as
         *         root, or the confinement keeps the JVM's user
         */
        public Templating build() {
            if (cloneUids != null) {
                if (!jvmIsRoot()) {
                    throw new IllegalStateException("per-clone uids (" + cloneUids + ") need a JVM running as root: "
                            + "only root can make QEMU change its uid. Fix: run as root, or leave cloneUids unset");
                }
                if (!confinement.userAutomatic() && confinement.user().isEmpty()) {
                    throw new IllegalStateException("per-clone uids (" + cloneUids + ") contradict a confinement that "
                            + "keeps the JVM's user (" + confinement + "). Fix: use Confinement.defaults() or give "
                            + "a user, or leave cloneUids unset");
                }
            }
            return new Templating(this, false);
        }

        private static boolean jvmIsRoot() {
            try {
                return ConfinementStatus.ofPid(ProcessHandle.current().pid()).isRoot();
            } catch (java.io.IOException e) {
                return false;
            }
        }
    }
}
