package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.CloneRestoreException;
import dev.qmpkit.templating.Step;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateManifest;
import dev.qmpkit.templating.TemplateManifest.CloneRecipe;
import dev.qmpkit.templating.TemplatingException;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.inspect.MigrationCapabilityGuard;
import dev.qmpkit.templating.inspect.QemuErrorHints;
import dev.qmpkit.templating.inspect.VmRole;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts and stops clones: the steps of {@link Template#startClone(CloneOptions)}. */
public final class CloneWorkflow {

    private static final Logger LOG = LoggerFactory.getLogger(CloneWorkflow.class);
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<Path> WARNED = ConcurrentHashMap.newKeySet();
    /** Drivers that discard guest RAM: on a writable private mapping that punches holes in the template file. */
    private static final Set<String> DISCARDING_DRIVERS = Set.of("virtio-balloon", "virtio-balloon-pci",
            "virtio-balloon-ccw", "virtio-balloon-device", "virtio-mem", "virtio-mem-pci", "virtio-mem-device");
    private static final String NETDEV_ID = "qmpkit-net0";
    private static final String NIC_ID = "qmpkit-nic0";

    private CloneWorkflow() {
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
     */
    public record Restored(String name, QemuProcess process, Path workDir, Path serialLog, UUID vmgenid, UUID uuid,
                           String mac, boolean resumed, long spawnNanos, Duration launchTime, Duration restoreTime,
                           Duration spawnToRunning) {
    }

    /** Verifies, launches, restores, gives identity, resumes. */
    public static Restored start(Template t, CloneOptions o) {
        TemplateManifest m = t.manifest();
        VmDescription d = m.description();
        QemuBinary binary = o.binary() == null ? t.binary() : o.binary();
        String name = "clone-" + COUNTER.incrementAndGet();
        Steps steps = new Steps(o.listener(), name);
        steps.run(Step.VERIFY_MANIFEST, () -> t.verify(binary));
        if (m.cloneRecipe() == CloneRecipe.WRITABLE_PRIVATE) {
            guardWritablePrivate(t, d);
        }
        Path workDir = createWorkDir(o.workDir(), name);
        Path serial = d.serialLog() ? workDir.resolve("serial.log") : null;
        UUID vmgenid = d.vmgenid() ? UUID.randomUUID() : null;
        UUID uuid = o.freshUuid() ? UUID.randomUUID() : null;
        var args = CommandLines.clone(d, t.directory(), m.resolvedMachineType(), m.cloneRecipe(), serial, vmgenid, uuid);
        long spawn = System.nanoTime();
        QemuProcess process;
        try {
            // The launcher keeps the monitor socket in its own short run directory: a Unix socket
            // path may not exceed 107 bytes, and workDir may be long.
            process = steps.run(Step.CLONE_LAUNCH, () -> QemuLauncher.builder(binary).args(args)
                    .name(name).startTimeout(o.restoreTimeout()).build().start());
        } catch (RuntimeException e) {
            deleteTree(workDir);
            throw failure(t, Step.CLONE_LAUNCH, e, "");
        }
        Duration launchTime = Duration.ofNanos(System.nanoTime() - spawn);
        QmpClient c = process.qmp();
        try {
            long r0 = System.nanoTime();
            steps.run(Step.RESTORE_STATE, () -> {
                // x-ignore-shared must be on before migrate-incoming, or QEMU refuses the stream
                // ("Capability x-ignore-shared is off, but received capability is on").
                MigrationCapabilityGuard.setCapabilities(c, VmRole.CLONE, SaveWorkflow.capabilities());
                Path state = t.directory().resolve(m.state().file());
                try (StateChannel ch = StateChannel.open(c, state, false, m.qemu().fileMigrationUri())) {
                    Duration left = o.restoreTimeout().minus(launchTime);
                    Migrations.run(c, "migrate-incoming", Map.of("uri", ch.uri()),
                            left.isNegative() || left.isZero() ? Duration.ofSeconds(1) : left, name, o.listener());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            Duration restoreTime = Duration.ofNanos(System.nanoTime() - r0);
            String mac = o.nic() ? steps.run(Step.IDENTITY, () -> hotplugNic(c, d)) : null;
            if (o.resume()) {
                steps.run(Step.RESUME, () -> {
                    Futures.await(c.commands().cont());
                });
            }
            Duration total = Duration.ofNanos(System.nanoTime() - spawn);
            LOG.debug("{}: restored from {} in {} ms (launch {} ms, restore {} ms)", name, t.directory(),
                    total.toMillis(), launchTime.toMillis(), restoreTime.toMillis());
            return new Restored(name, process, workDir, serial, vmgenid, uuid, mac, o.resume(), spawn, launchTime,
                    restoreTime, total);
        } catch (RuntimeException e) {
            Step failed = steps.current();
            if (e instanceof Migrations.MigrationFailedException || e instanceof dev.qmpkit.qmp.QmpConnectionException) {
                // QEMU prints why an incoming migration failed (e.g. "Unknown ramblock") and exits;
                // wait briefly for that, so the caller gets QEMU's own words.
                try {
                    process.onExit().get(2, java.util.concurrent.TimeUnit.SECONDS);
                } catch (Exception notYet) {
                    // still running or interrupted: report what is there
                }
            }
            String stderr = process.stderrTail().strip();
            process.kill();
            process.close();
            deleteTree(workDir);
            if (e instanceof TemplatingException || e instanceof dev.qmpkit.templating.inspect.UnsafeCapabilityException) {
                throw e;
            }
            throw failure(t, failed, e, stderr);
        }
    }

    /** Stops the clone's QEMU and removes its work directory. */
    public static void stop(Restored r) {
        r.process().close();
        deleteTree(r.workDir());
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
     * a hole in the file itself, corrupting every clone's base. Refuse devices that discard.
     */
    private static void guardWritablePrivate(Template t, VmDescription d) {
        for (String driver : d.deviceDrivers()) {
            if (DISCARDING_DRIVERS.contains(driver)) {
                throw new TemplatingException("template " + t.directory() + " has a " + driver + " device, and its "
                        + "QEMU " + t.manifest().qemu().version() + " has no 'rom' property, so clones map the template "
                        + "RAM file writable (share=off); a balloon or virtio-mem discard there punches a hole in the "
                        + "template file and silently corrupts every clone's base. Fix: remove the " + driver
                        + " device from the description, or use QEMU 8.2 or later (read-only clone recipe).");
            }
        }
        if (WARNED.add(t.directory())) {
            LOG.warn("QEMU {} has no 'rom' memory-backend property: clones of {} map the template RAM files "
                    + "writable and private (share=off). Writes stay private, but a RAM discard would reach the "
                    + "template file; balloon/virtio-mem are refused, and Template.verifyRamFiles() proves the files "
                    + "unchanged. Use QEMU 8.2+ for the read-only recipe.", t.manifest().qemu().version(),
                    t.directory());
        }
    }

    private static String hotplugNic(QmpClient c, VmDescription d) {
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
        if (d.hotplugPort() && CommandLines.isPcie(d.machineType())) {
            dev.put("bus", VmDescription.HOTPLUG_PORT_ID);
        }
        Futures.await(c.commands().deviceAdd("virtio-net-pci", NIC_ID, dev));
        return mac;
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

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.warn("cannot delete clone work directory {}: {}", dir, e.toString());
        }
    }
}
