package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.launch.CleanupStack;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.launch.QemuVersionProbe;
import dev.qmpkit.templating.Disk;
import dev.qmpkit.templating.RamBackend;
import dev.qmpkit.templating.SaveOptions;
import dev.qmpkit.templating.Step;
import dev.qmpkit.templating.TemplateManifest;
import dev.qmpkit.templating.TemplateManifest.BackendFile;
import dev.qmpkit.templating.TemplateManifest.CloneRecipe;
import dev.qmpkit.templating.TemplateNotReadyException;
import dev.qmpkit.templating.TemplateSaveException;
import dev.qmpkit.templating.TemplateVm;
import dev.qmpkit.templating.TemplatingException;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.WorkFiles;
import dev.qmpkit.templating.inspect.Finding;
import dev.qmpkit.templating.inspect.MigrationCapabilityGuard;
import dev.qmpkit.templating.inspect.QemuErrorHints;
import dev.qmpkit.templating.inspect.QemuFeatures;
import dev.qmpkit.templating.inspect.ReadinessChecker;
import dev.qmpkit.templating.inspect.ReadinessReport;
import dev.qmpkit.templating.inspect.Severity;
import dev.qmpkit.templating.inspect.VmRole;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves a running {@link TemplateVm}: the steps of {@link TemplateVm#save(SaveOptions)}. Every
 * file the save creates and the template's QEMU go onto a {@link CleanupStack} as they appear;
 * a failure at any step runs it, so no QEMU, state file or manifest is left behind.
 */
public final class SaveWorkflow {

    private static final Logger LOG = LoggerFactory.getLogger(SaveWorkflow.class);
    /** Name of the device-state file inside a template directory. */
    public static final String STATE_FILE = "state.bin";
    private static final String STATE_TMP = "state.tmp";
    private static final Duration MIGRATE_TIMEOUT = Duration.ofMinutes(5);
    private static final String NAME = "template";
    /** Less free space than this in the template directory after a failed save is reported as the cause. */
    private static final long FULL_BELOW_BYTES = 1024 * 1024;

    private final Launches launches;

    /**
     * @param launches what template VMs were started with (their confinement decides how the state travels); never null
     */
    public SaveWorkflow(Launches launches) {
        this.launches = launches;
    }

    /**
     * Checks readiness (throwing {@link TemplateNotReadyException} with nothing changed; a NIC
     * is an error unless {@link SaveOptions#acceptSharedMacs()}), reports each warning to the
     * listener and the log, then saves, recording the warnings in the manifest. Any later failure stops QEMU, removes the state and manifest files and throws
     * {@link TemplateSaveException}; the manifest is written last, so none exists then.
     *
     * @param vm the running template VM; never null
     * @param options how; never null
     * @return the manifest written, read back and checked as {@link ManifestIo#readChecked} does
     */
    public TemplateManifest save(TemplateVm vm, SaveOptions options) {
        Path dir = vm.directory();
        QemuProcess process = vm.process();
        Steps steps = new Steps(options.listener(), NAME);
        CleanupStack cleanups = new CleanupStack();
        cleanups.push("stop the template's QEMU", process::close);
        try {
            ReadinessReport checked = steps.run(Step.READINESS_CHECK, () -> ReadinessChecker.check(vm.qmp(),
                    VmRole.TEMPLATE, vm.features()));
            ReadinessReport report = options.acceptSharedMacs() ? checked.acceptingSharedMacs() : checked;
            if (!report.isReady()) {
                throw new TemplateNotReadyException(report);
            }
            List<Finding> warnings = report.findings(Severity.WARNING);
            for (Finding w : warnings) {
                LOG.warn("template {} (QEMU {}) is saved with a warning: {}", dir, report.qemuVersion(), w.render());
                steps.warning(Step.READINESS_CHECK, w);
            }
            return save(vm, report.features(), warnings, options, steps, cleanups);
        } catch (TemplateNotReadyException e) {
            // Nothing was changed: the caller may fix the VM and save again.
            throw e;
        } catch (RuntimeException | Error e) {
            Step failed = steps.current() == null ? Step.READINESS_CHECK : steps.current();
            // Both read before the cleanup: close() deletes QEMU's stderr log, and deleting the
            // partial state file frees the space whose lack may be the cause.
            String full = fullDiskHint(dir);
            process.kill();
            String stderr = process.stderrTail().strip();
            cleanups.run();
            if (e instanceof Error err) {
                throw err;
            }
            String hint = QemuErrorHints.find(e).or(() -> QemuErrorHints.find(stderr))
                    .map(h -> " -- " + h.render()).orElse("");
            throw new TemplateSaveException(dir, failed, "saving template " + dir + " failed at step " + failed
                    + " (QEMU " + process.version() + "): " + e.getMessage() + hint + full
                    + (stderr.isEmpty() ? "" : "\nQEMU stderr: " + stderr)
                    + "\nNo manifest was written, so this directory cannot be cloned from. Fix: remove " + dir
                    + " and save the template again" + (hint.isEmpty() ? "." : " after fixing the cause above."), e);
        }
    }

    private TemplateManifest save(TemplateVm vm, QemuFeatures features, List<Finding> warnings, SaveOptions options,
                                  Steps steps, CleanupStack cleanups) {
        boolean hashRam = options.ramChecksum() == SaveOptions.RamChecksum.FULL;
        Path dir = vm.directory();
        QmpClient c = vm.qmp();
        QemuProcess process = vm.process();
        Path stateTmp = dir.resolve(STATE_TMP);
        Path state = dir.resolve(STATE_FILE);
        String resolvedMachine = steps.run(Step.STOP, () -> {
            String machine = machineTypeOf(c);
            // 'stop' right after -S emits no STOP event, so trust the reply rather than wait for one.
            Futures.await(c.execute("stop"));
            return machine;
        });
        steps.run(Step.SET_CAPABILITIES, () -> MigrationCapabilityGuard.setCapabilities(c, VmRole.TEMPLATE,
                capabilities()));
        long saveNanos = steps.run(Step.SAVE_STATE, () -> {
            long t0 = System.nanoTime();
            io(() -> {
                Durable.createPrivateFile(stateTmp);
                cleanups.push("delete " + stateTmp, () -> Files.deleteIfExists(stateTmp));
                QemuAccess access = QemuAccess.of(launches.confinement(null));
                try (StateChannel ch = StateChannel.open(c, stateTmp, true, features.fileMigrationUri(), access)) {
                    Migrations.run(c, "migrate", Map.of("uri", ch.uri()), MIGRATE_TIMEOUT, NAME, options.listener());
                } finally {
                    if (access.user() != null) {
                        // QEMU may have written it by name as its own user; the template's files are the JVM's.
                        Ownership.reclaim(stateTmp);
                    }
                }
            });
            return System.nanoTime() - t0;
        });
        steps.run(Step.QUIT_TEMPLATE, () -> {
            // From here on the RAM files are the template: the VM must never run again.
            process.close();
            if (process.isAlive()) {
                throw new TemplatingException("the template's QEMU (pid " + process.pid() + ") did not exit");
            }
        });
        VmDescription d = vm.description();
        CloneRecipe recipe = features.readonlyCloneRecipe() ? CloneRecipe.READONLY_PRIVATE
                : CloneRecipe.WRITABLE_PRIVATE;
        steps.run(Step.MAKE_DURABLE, () -> io(() -> {
            Durable.fsync(stateTmp);
            for (RamBackend b : d.ramBackends()) {
                Durable.fsync(dir.resolve(b.fileName()));
            }
            cleanups.push("delete " + state, () -> Files.deleteIfExists(state));
            Durable.atomicRename(stateTmp, state);
            if (recipe == CloneRecipe.READONLY_PRIVATE) {
                // Clones open the files read-only; make that the only way they can be opened by this user.
                for (RamBackend b : d.ramBackends()) {
                    Files.setPosixFilePermissions(dir.resolve(b.fileName()),
                            PosixFilePermissions.fromString("r--------"));
                }
            }
            Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("r--------"));
        }));
        List<TemplateManifest.DiskLayer> disks = d.disks().isEmpty() ? List.of()
                : steps.run(Step.FREEZE_DISKS, () -> freezeDisks(dir, d, hashRam));
        String streamMachine = io(() -> StreamHeader.machineType(state));
        if (streamMachine != null && !streamMachine.equals(resolvedMachine)) {
            LOG.warn("template {}: machine type in the state file '{}' differs from QOM's '{}'; using the file's",
                    dir, streamMachine, resolvedMachine);
            resolvedMachine = streamMachine;
        }
        String machine = resolvedMachine;
        List<BackendFile> backends = new ArrayList<>();
        String[] stateSha = new String[1];
        steps.run(Step.CHECKSUM, () -> io(() -> {
            // Hashing RAM files reads every byte (seconds per GiB); without it the save is flat in guest
            // size, and clones then refuse RAM files modified after the save instead of hashing them
            // (with BACKGROUND the owner hashes them once the save has returned).
            for (RamBackend b : d.ramBackends()) {
                backends.add(new BackendFile(b.id(), b.kind(), b.sizeBytes(), b.fileName(),
                        hashRam ? WorkFiles.sha256(dir.resolve(b.fileName())) : null));
            }
            stateSha[0] = WorkFiles.sha256(state);
        }));
        QemuBinary binary = process.binary();
        TemplateManifest manifest = ManifestIo.sign(new TemplateManifest(
                TemplateManifest.FORMAT_VERSION,
                Instant.now().truncatedTo(ChronoUnit.MILLIS).toString(),
                new TemplateManifest.QemuInfo(features.version().toString(),
                        QemuVersionProbe.probe(binary).versionLine(),
                        binary.executable().toAbsolutePath().toString(),
                        binary.firmwareDirs().stream().map(p -> p.toAbsolutePath().toString()).toList(),
                        features.fileMigrationUri()),
                d.machineType(), machine, recipe, backends,
                new TemplateManifest.StateFile(STATE_FILE, io(() -> Files.size(state)), stateSha[0],
                        Duration.ofNanos(saveNanos).toMillis()),
                d, warnings, disks, null));
        Path manifestFile = dir.resolve(TemplateManifest.FILE_NAME);
        cleanups.push("delete " + manifestFile, () -> Files.deleteIfExists(manifestFile));
        steps.run(Step.WRITE_MANIFEST, () -> io(() -> ManifestIo.write(dir, manifest)));
        LOG.info("saved template {} (QEMU {}, {}, state {} bytes in {} ms, RAM checksums {})", dir,
                features.version(), machine, manifest.state().sizeBytes(), manifest.state().saveMillis(),
                hashRam ? "recorded" : options.ramChecksum() == SaveOptions.RamChecksum.BACKGROUND
                        ? "recorded in the background" : "not recorded");
        // Read back with every check a clone's open makes; a manifest that fails them is removed with the rest.
        return ManifestIo.readChecked(dir);
    }

    /**
     * Freezes each disk's layer: QEMU flushed it at {@code stop} and has quit, so it holds exactly
     * what the saved RAM's page cache expects. Read-only from now on (clones open it as a backing
     * file, which QEMU opens read-only anyway); hashed with its base unless the save is flat.
     */
    private static List<TemplateManifest.DiskLayer> freezeDisks(Path dir, VmDescription d, boolean hash) {
        List<TemplateManifest.DiskLayer> layers = new ArrayList<>();
        io(() -> {
            for (Disk disk : d.disks()) {
                Path layer = dir.resolve(disk.layerFileName());
                Durable.fsync(layer);
                Files.setPosixFilePermissions(layer, PosixFilePermissions.fromString("r--------"));
                Path base = disk.base();
                layers.add(new TemplateManifest.DiskLayer(disk.id(), disk.layerFileName(), Files.size(layer),
                        hash ? WorkFiles.sha256(layer) : null, base == null ? null : base.toString(),
                        base == null ? 0 : Files.size(base), base != null && hash ? WorkFiles.sha256(base) : null));
            }
        });
        return layers;
    }

    /**
     * QEMU 10.0 reports a full disk during {@code migrate} as "ram_save_setup failed: Input/output
     * error"; name the real cause when the template directory has (almost) no space left.
     */
    private static String fullDiskHint(Path dir) {
        try {
            long free = Files.getFileStore(dir).getUsableSpace();
            return free < FULL_BELOW_BYTES ? " -- the file system of " + dir + " is full (" + free
                    + " bytes free); free space or save the template elsewhere" : "";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** The capabilities a template and its clones use: skip shared RAM, and report MIGRATION events. */
    public static Map<String, Boolean> capabilities() {
        Map<String, Boolean> caps = new LinkedHashMap<>();
        caps.put(QemuFeatures.X_IGNORE_SHARED, true);
        caps.put("events", true);
        return caps;
    }

    /** @return the running machine's versioned type name, e.g. {@code pc-q35-10.0} */
    static String machineTypeOf(QmpClient c) {
        String type = Futures.await(c.execute("qom-get", Map.of("path", "/machine", "property", "type"))).asText();
        return type.endsWith("-machine") ? type.substring(0, type.length() - "-machine".length()) : type;
    }

    interface IoWork<T> {
        T get() throws IOException;
    }

    interface IoRun {
        void run() throws IOException;
    }

    static <T> T io(IoWork<T> w) {
        try {
            return w.get();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void io(IoRun w) {
        try {
            w.run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
