package dev.qmpkit.templating;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.internal.ManifestIo;
import dev.qmpkit.templating.internal.TemplateChecks;
import dev.qmpkit.templating.internal.TemplateLaunch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A saved template: a directory with RAM files, a device-state file and {@code manifest.json}.
 * Open one with {@link #open(Path)} (or get it from {@link TemplateVm#save()}), then start
 * clones with {@link #startClone(CloneOptions)} or a warm {@link ClonePool}. Its clones are
 * started by the {@link Templating} that opened or saved it ({@link #templating()}).
 *
 * <pre>{@code
 * Template template = Template.open(Path.of("/var/lib/tpl/web"));
 * try (CloneVm clone = template.startClone()) {
 *     System.out.println("handed out after " + clone.spawnToReady().toMillis() + " ms");
 * }
 * }</pre>
 *
 * <p>Immutable and thread-safe: any number of clones may be started concurrently.
 */
public final class Template {

    private final Templating templating;
    private final Path directory;
    private final TemplateManifest manifest;

    Template(Templating templating, Path directory, TemplateManifest manifest) {
        this.templating = templating;
        this.directory = directory;
        this.manifest = manifest;
    }

    /**
     * Reads and checks a template directory's manifest (format version, fingerprint, internal
     * consistency). Files and QEMU are checked before each clone, by {@link #verify}. The
     * template belongs to {@link Templating#defaults()}; open it with
     * {@link Templating#openTemplate(Path)} for clones started by an owner of your own.
     *
     * @param directory a template directory; never null
     * @return the template
     * @throws ManifestCorruptException when the manifest is missing (the save never finished),
     *         unreadable, of a format this SDK does not read, edited after the save (whatever
     *         field: the fingerprint is checked first) or contradicts itself; see
     *         {@link ManifestCorruptException#reason()}
     * @throws ManifestMismatchException when the manifest is intact but a file is missing or has
     *         another size, or the state file holds another machine type; see
     *         {@link ManifestMismatchException#kind()}
     */
    public static Template open(Path directory) {
        return Templating.defaults().openTemplate(directory);
    }

    /** @return the owner that starts this template's clones; never null */
    public Templating templating() {
        return templating;
    }

    /** @return the template directory (absolute); never null */
    public Path directory() {
        return directory;
    }

    /** @return the manifest; never null */
    public TemplateManifest manifest() {
        return manifest;
    }

    /** @return the template's RAM files (absolute), one per backend in manifest order; never null */
    public List<Path> ramFiles() {
        return manifest.backends().stream().map(b -> directory.resolve(b.file())).toList();
    }

    /**
     * @return the template VM's serial log as it was when the template was saved (it tells
     *         where the guest stood), or empty when the description turned the serial log off
     */
    public Optional<Path> serialLog() {
        Path log = directory.resolve(TemplateLaunch.SERIAL_LOG);
        return manifest.description().serialLog() && Files.exists(log) ? Optional.of(log) : Optional.empty();
    }

    /** @return the description clones run with; never null */
    public VmDescription description() {
        return manifest.description();
    }

    /** @return the QEMU (binary and firmware directories) that saved the template; never null */
    public QemuBinary binary() {
        return ManifestIo.binary(manifest);
    }

    /**
     * Checks, without launching anything, that a clone can be started on {@code binary}: the
     * files exist with the recorded sizes, the state file's SHA-256 matches, the machine type
     * in the state file matches the manifest, and the binary is the QEMU version that saved the
     * template. A RAM file modified after the save is hashed and compared with its recorded
     * checksum, or refused when none was recorded; unmodified RAM files are not read (see
     * {@link #verifyRamFiles()}).
     *
     * @param binary the QEMU the clone would run; null for the manifest's
     * @throws ManifestMismatchException naming the file, what differs and the fix
     */
    public void verify(QemuBinary binary) {
        templating.checks().verifyBeforeLaunch(this, binary == null ? binary() : binary);
    }

    /**
     * Proves the template's RAM files are unchanged since the save: hashes each one and
     * compares with the manifest. Reads every byte (about 1-3 s per GiB). For a template whose
     * owner is still recording its checksums in the background
     * ({@link SaveOptions.RamChecksum#BACKGROUND}, the default), waits for that first and
     * compares with what it recorded.
     *
     * @throws ManifestMismatchException naming the file whose checksum differs
     *         ({@link ManifestMismatchException.Kind#SHA256}); the background recording's
     *         refusal of a file changed after the save; or, before reading anything, a file
     *         whose checksum was never recorded (the template was saved with
     *         {@link SaveOptions.RamChecksum#NONE}; {@link ManifestMismatchException.Kind#NO_RAM_CHECKSUM}):
     *         record them with {@link #recordRamChecksums()}
     * @throws TemplatingException when interrupted while waiting for the background recording
     */
    public void verifyRamFiles() {
        CompletableFuture<Template> recording = hasRamChecksums() ? null : templating.recording(this);
        TemplateChecks.verifyRamChecksums(recording == null ? this : await(recording));
    }

    /**
     * The template with its RAM checksums recorded: at once when its manifest has them; for a
     * template saved with {@link SaveOptions.RamChecksum#BACKGROUND} (the default), when its
     * owner's background hashing is done; otherwise that hashing starts now, as
     * {@link #recordRamChecksums()} on the owner's background thread. Clones need not wait for
     * it.
     *
     * @return a future completed with the template as recorded (a new object; this one keeps its
     *         manifest), or failed with the {@link ManifestMismatchException} of a RAM file
     *         changed after the save (its clones are then refused by this owner); never null
     */
    public CompletableFuture<Template> ramChecksumsRecorded() {
        return templating.ramChecksums(this).copy();
    }

    private static Template await(CompletableFuture<Template> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new TemplatingException("recording the RAM checksums failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TemplatingException("interrupted while waiting for the RAM checksums being recorded", e);
        }
    }

    /**
     * @return the frozen layer of each disk (absolute), by disk id in the description's order:
     *         read-only since the save, the backing file of every clone's overlay; never null
     */
    public java.util.Map<String, Path> diskLayers() {
        java.util.Map<String, Path> layers = new java.util.LinkedHashMap<>();
        manifest.disks().forEach(l -> layers.put(l.id(), directory.resolve(l.file())));
        return java.util.Collections.unmodifiableMap(layers);
    }

    /**
     * Proves the template's disk layers and their base images are unchanged since the save:
     * hashes each and compares with the manifest. Reads every byte. For a template whose owner
     * is still recording its checksums in the background ({@link SaveOptions.RamChecksum#BACKGROUND},
     * the default), waits for that first and compares with what it recorded.
     *
     * @throws ManifestMismatchException naming the file whose checksum differs; the background
     *         recording's refusal of a file changed after the save; or, before reading anything,
     *         a layer whose checksum was never recorded
     *         ({@link ManifestMismatchException.Kind#NO_RAM_CHECKSUM}; record them with
     *         {@link #recordRamChecksums()})
     * @throws TemplatingException when interrupted while waiting for the background recording
     */
    public void verifyDisks() {
        CompletableFuture<Template> recording = manifest.disks().stream().allMatch(TemplateManifest.DiskLayer::hasChecksums)
                ? null : templating.recording(this);
        TemplateChecks.verifyDiskChecksums(recording == null ? this : await(recording));
    }

    /** @return whether the manifest records the SHA-256 of every RAM file (see {@link SaveOptions.RamChecksum}) */
    public boolean hasRamChecksums() {
        return manifest.backends().stream().allMatch(b -> b.sha256() != null);
    }

    /**
     * Records the RAM checksums a save with {@link SaveOptions.RamChecksum#NONE} left out, and
     * those of the disk layers and their base images: hashes each file that has none (about
     * 1-3 s per GiB) and rewrites
     * {@code manifest.json} atomically with a new fingerprint, keeping the save time. A RAM
     * file modified after the save is refused instead, so a changed file is never recorded as
     * the template. Clones may run meanwhile (they do not write the files); do not run it for
     * the same directory from two processes at once. Does nothing when every checksum is
     * already recorded.
     *
     * @return the template with the updated manifest (this object is immutable and keeps its
     *         manifest); never null
     * @throws ManifestMismatchException when a RAM file was modified after the save
     *         ({@link ManifestMismatchException.Kind#NO_RAM_CHECKSUM}), or a file fails
     *         {@link #open}'s checks
     * @throws ManifestCorruptException when the manifest on disk is missing, unreadable, edited or
     *         inconsistent
     * @throws TemplatingException when the manifest cannot be rewritten (it is left as it was)
     */
    public Template recordRamChecksums() {
        return new Template(templating, directory, TemplateChecks.recordRamChecksums(this));
    }

    /**
     * Starts a clone with the default options (resumed, no NIC, fresh UUID).
     *
     * @return the running clone
     * @throws ManifestMismatchException when the template fails {@link #verify} (nothing launched)
     * @throws CloneRestoreException when the clone cannot load the state (its QEMU is stopped)
     */
    public CloneVm startClone() {
        return startClone(CloneOptions.defaults());
    }

    /**
     * Starts a clone: verifies the template ({@link #verify}), launches QEMU with
     * {@code -incoming defer} and the clone memory recipe, sets {@code x-ignore-shared},
     * loads the state, gives the clone its own identity (vmgenid, UUID, optional NIC) and
     * resumes it unless told not to. Before {@code cont} (and also when the clone stays paused)
     * the clone as QEMU runs it is checked by {@link dev.qmpkit.templating.inspect.CloneGuard};
     * its warnings reach {@link ProgressListener#warning}. Blocks; do not call on a QMP I/O
     * thread.
     *
     * @param options how; never null
     * @return the clone, running or paused as asked
     * @throws ManifestMismatchException when the template fails {@link #verify} (nothing launched)
     * @throws CloneRestoreException when the clone cannot load the state (its QEMU is stopped)
     * @throws dev.qmpkit.templating.inspect.UnsafeCloneException when the restored clone, still
     *         paused, fails {@link dev.qmpkit.templating.inspect.CloneGuard}: e.g. a balloon
     *         (whatever its type name or however it was added) where the template file is mapped
     *         writable (QEMU before 8.2), virtio-mem on the template file, {@code discard-data=on};
     *         no vCPU ran, its QEMU was stopped and its work directory removed
     */
    public CloneVm startClone(CloneOptions options) {
        return templating.startClone(this, options);
    }

    @Override
    public String toString() {
        return "Template[" + directory + ", QEMU " + manifest.qemu().version() + ", " + manifest.resolvedMachineType()
                + "]";
    }
}
