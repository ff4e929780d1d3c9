package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuVersionProbe;
import dev.qmpkit.templating.ManifestCorruptException;
import dev.qmpkit.templating.ManifestCorruptException.Reason;
import dev.qmpkit.templating.ManifestMismatchException;
import dev.qmpkit.templating.ManifestMismatchException.Kind;
import dev.qmpkit.templating.RamBackend;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateManifest;
import dev.qmpkit.templating.Disk;
import dev.qmpkit.templating.TemplateManifest.BackendFile;
import dev.qmpkit.templating.TemplateManifest.DiskLayer;
import dev.qmpkit.templating.TemplatingException;
import dev.qmpkit.templating.WorkFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The checks that keep a clone from ever running on a wrong base; all run before QEMU is launched. */
public final class TemplateChecks {

    private static final Logger LOG = LoggerFactory.getLogger(TemplateChecks.class);
    private static final String RESAVE = " Fix: restore the template directory as it was saved, or save the template again.";

    /**
     * One lock per template directory for the whole JVM, not per owner: it guards a file that
     * two owners could otherwise rewrite at once.
     */
    private static final Map<Path, Object> RECORD_LOCKS = new ConcurrentHashMap<>();

    /**
     * RAM files (by path, size, mtime and file key) this owner already hashed and found equal
     * to their manifest, so a pool of clones pays for a suspicious file once.
     */
    private final Set<String> verifiedRamFiles = ConcurrentHashMap.newKeySet();

    /**
     * State files this owner hashed and found equal to their manifest, by {@link #identity}: a
     * clone start then pays a {@code stat} instead of hashing the whole file (a few hundred KB)
     * and reading its header again, and a file changed since is hashed (and refused) again.
     */
    private final Set<String> verifiedStateFiles = ConcurrentHashMap.newKeySet();

    /**
     * Templates (by directory and save time) whose RAM files a background hashing found changed
     * after the save: every clone is refused with that finding, whatever the files' times say.
     */
    private final Map<String, ManifestMismatchException> refusedRamFiles = new ConcurrentHashMap<>();

    /**
     * Refuses every later clone of {@code t} (this owner's): its background RAM hashing found a
     * file changed after the save.
     *
     * @param t the template as saved
     * @param why what the hashing found
     */
    public void refuseRamFiles(Template t, ManifestMismatchException why) {
        refusedRamFiles.put(saveKey(t), why);
    }

    /** The save times of the manifests this owner checked: parsing one costs more than a clone's stats. */
    private final Map<String, Instant> savedAt = new ConcurrentHashMap<>();

    private Instant savedAt(Template t) {
        String at = t.manifest().createdAt();
        Instant i = savedAt.get(at);
        if (i == null) {
            i = Instant.parse(at);
            if (savedAt.size() < 1024) {
                savedAt.put(at, i);
            }
        }
        return i;
    }

    private static String saveKey(Template t) {
        return t.directory() + "|" + t.manifest().createdAt();
    }

    /**
     * The checks of {@link dev.qmpkit.templating.Template#open}: first the manifest itself
     * (fingerprint, then consistency: {@link ManifestCorruptException}), then the files against it
     * (sizes, the machine type in the state file: {@link ManifestMismatchException}). The
     * fingerprint comes first so that any edit of the manifest is reported as one, whichever
     * field was changed.
     */
    public static void verifyManifest(Path dir, TemplateManifest m) {
        Path manifestFile = dir.resolve(TemplateManifest.FILE_NAME);
        String qemu = " (template saved by QEMU " + m.qemu().version() + ")";
        String expected = ManifestIo.fingerprint(m);
        if (!expected.equals(m.fingerprint())) {
            throw new ManifestCorruptException(manifestFile, Reason.EDITED, "template manifest " + manifestFile
                    + " was modified after the save (its fingerprint no longer matches its contents)" + qemu
                    + ". A clone is refused, because an edited manifest may describe a machine other than the one "
                    + "saved." + RESAVE, null);
        }
        String inconsistent = " although its fingerprint matches" + qemu + ": it was not written by a save."
                + RESAVE;
        if (!m.machineType().equals(m.description().machineType())) {
            throw new ManifestCorruptException(manifestFile, Reason.INCONSISTENT, "template manifest " + manifestFile
                    + " names machine type '" + m.machineType() + "' but its VM description says '"
                    + m.description().machineType() + "'" + inconsistent, null);
        }
        if (!machineTypeMatches(m.machineType(), m.resolvedMachineType())) {
            throw new ManifestCorruptException(manifestFile, Reason.INCONSISTENT, "template manifest " + manifestFile
                    + " names machine type '" + m.machineType() + "' but records the resolved type '"
                    + m.resolvedMachineType() + "'; a clone would fail with 'Machine type received is "
                    + m.resolvedMachineType() + "'," + inconsistent, null);
        }
        List<RamBackend> described = m.description().ramBackends();
        if (described.size() != m.backends().size()) {
            throw new ManifestCorruptException(manifestFile, Reason.INCONSISTENT, "template manifest " + manifestFile
                    + " lists " + m.backends().size() + " RAM files but its description has " + described.size()
                    + " memory backends," + inconsistent, null);
        }
        for (int i = 0; i < described.size(); i++) {
            RamBackend d = described.get(i);
            BackendFile f = m.backends().get(i);
            if (!d.id().equals(f.id()) || d.kind() != f.kind() || d.sizeBytes() != f.sizeBytes()) {
                throw new ManifestCorruptException(manifestFile, Reason.INCONSISTENT, "template manifest "
                        + manifestFile + " records RAM backend '" + f.id() + "' (" + f.kind() + ", " + f.sizeBytes()
                        + " bytes) but its description has '" + d.id() + "' (" + d.kind() + ", " + d.sizeBytes()
                        + " bytes)," + inconsistent, null);
            }
        }
        List<Disk> disks = m.description().disks();
        if (disks.size() != m.disks().size()) {
            throw new ManifestCorruptException(manifestFile, Reason.INCONSISTENT, "template manifest " + manifestFile
                    + " lists " + m.disks().size() + " disk layers but its description has " + disks.size()
                    + " disks," + inconsistent, null);
        }
        for (int i = 0; i < disks.size(); i++) {
            Disk d = disks.get(i);
            DiskLayer l = m.disks().get(i);
            String base = d.base() == null ? null : d.base().toString();
            if (!d.id().equals(l.id()) || !d.layerFileName().equals(l.file()) || !java.util.Objects.equals(base,
                    l.base())) {
                throw new ManifestCorruptException(manifestFile, Reason.INCONSISTENT, "template manifest "
                        + manifestFile + " records disk layer '" + l.id() + "' (" + l.file() + " on " + l.base()
                        + ") but its description has disk '" + d.id() + "' (on " + base + ")," + inconsistent, null);
            }
        }
        checkFiles(dir, m);
        checkStateMachineType(dir, m);
    }

    /**
     * Files, state checksum, machine type in the state, and the QEMU version of {@code binary}.
     *
     * @param t the template; never null
     * @param binary the QEMU the clone would run; never null
     */
    public void verifyBeforeLaunch(Template t, QemuBinary binary) {
        Path dir = t.directory();
        TemplateManifest m = t.manifest();
        ManifestMismatchException refused = refusedRamFiles.get(saveKey(t));
        if (refused != null) {
            throw new ManifestMismatchException(refused.file(), refused.kind(), "refusing a clone of template " + dir
                    + ": recording its RAM checksums after the save found a RAM file changed. " + refused.getMessage());
        }
        checkFiles(dir, m);
        Path state = dir.resolve(m.state().file());
        String before = identity(state);
        if (before == null || !verifiedStateFiles.contains(before + "|" + m.state().sha256())) {
            String sha = sha256(state, "template state");
            if (!sha.equals(m.state().sha256())) {
                throw new ManifestMismatchException(state, Kind.SHA256, "template state file " + state
                        + " has SHA-256 " + sha + " but the manifest recorded " + m.state().sha256()
                        + " (saved by QEMU " + m.qemu().version() + "): the file changed after the save." + RESAVE);
            }
            checkStateMachineType(dir, m);
            if (before != null && before.equals(identity(state))) {
                verifiedStateFiles.add(before + "|" + m.state().sha256());
            }
        }
        checkFilesUntouched(t);
        String version = QemuVersionProbe.probe(binary).version().toString();
        if (!version.equals(m.qemu().version())) {
            throw new ManifestMismatchException(binary.executable(), Kind.QEMU_VERSION, "template " + dir
                    + " was saved by QEMU " + m.qemu().version() + " (" + m.qemu().executable() + ") but the clone "
                    + "would run QEMU " + version + " (" + binary.executable() + "). Device state is only guaranteed "
                    + "to load on the QEMU that saved it. Fix: clone with the template's QEMU "
                    + "(CloneOptions.binary(null)), or save the template again with " + binary.executable() + ".");
        }
        if (!binary.executable().toString().equals(m.qemu().executable())) {
            LOG.info("cloning {} with {} (same QEMU {} as the template's {})", dir, binary.executable(), version,
                    m.qemu().executable());
        }
    }

    /**
     * A file every clone reads (a RAM file, a disk layer or its base image) modified after the
     * save completed is hashed before a clone may use it (a copy made without preserving times is
     * hashed once, then trusted while it stays as it is), or refused when the manifest has no
     * checksum to compare it with; one not modified since is not read, so a clone start stays cheap.
     */
    private void checkFilesUntouched(Template t) {
        Instant saved = savedAt(t);
        for (CloneInput f : cloneInputs(t)) {
            BasicFileAttributes a = attributes(f.path());
            if (!a.lastModifiedTime().toInstant().isAfter(saved)) {
                continue;
            }
            if (f.sha256() == null) {
                throw f.noChecksum().apply(a);
            }
            String key = f.path() + "|" + a.size() + "|" + a.lastModifiedTime().toMillis() + "|" + a.fileKey();
            if (!verifiedRamFiles.contains(key)) {
                LOG.info("{} {} was modified after the save ({}); hashing it before cloning", f.what(), f.path(),
                        a.lastModifiedTime());
                f.verify().run();
                verifiedRamFiles.add(key);
            }
        }
    }

    /**
     * A file clones read from the template, with what refuses it.
     *
     * @param noChecksum the refusal of the file modified after the save with no checksum recorded
     * @param verify hashes the file and refuses it when it differs from the manifest
     */
    private record CloneInput(Path path, String sha256, String what,
                              Function<BasicFileAttributes, ManifestMismatchException> noChecksum, Runnable verify) {
    }

    /** @return the RAM files, then each disk layer and its base image, of {@code t} */
    private static List<CloneInput> cloneInputs(Template t) {
        List<CloneInput> inputs = new ArrayList<>();
        for (BackendFile b : t.manifest().backends()) {
            Path f = t.directory().resolve(b.file());
            inputs.add(new CloneInput(f, b.sha256(), "template RAM file", a -> modifiedWithoutChecksum(t, b, f, a),
                    () -> verifyRamChecksum(t, b, f)));
        }
        for (DiskLayer l : t.manifest().disks()) {
            for (DiskFile f : diskFiles(t, l)) {
                inputs.add(new CloneInput(f.path(), f.sha256(), f.what(), a -> diskModifiedWithoutChecksum(t, f, a),
                        () -> verifyDiskFile(t, f)));
            }
        }
        return inputs;
    }

    private static ManifestMismatchException diskModifiedWithoutChecksum(Template t, DiskFile f, BasicFileAttributes a) {
        return new ManifestMismatchException(f.path(), Kind.NO_RAM_CHECKSUM, f.what() + " " + f.path()
                + " was modified at " + a.lastModifiedTime() + ", after the save at "
                + t.manifest().createdAt() + " (QEMU " + t.manifest().qemu().version() + "), and cannot "
                + "be verified: no checksum was recorded (the template was saved with "
                + "SaveOptions.RamChecksum.NONE). It is refused, because a clone could run on a silently "
                + "different disk. Fix: if the files were copied, copy them again keeping modification "
                + "times (cp -a, rsync -a); otherwise save the template again.");
    }

    /** A file a disk layer consists of: the layer, or its base image. */
    private record DiskFile(Path path, String sha256, String what) {
    }

    private static List<DiskFile> diskFiles(Template t, DiskLayer l) {
        List<DiskFile> files = new ArrayList<>();
        files.add(new DiskFile(t.directory().resolve(l.file()), l.sha256(), "template disk layer of disk '" + l.id()
                + "'"));
        if (l.base() != null) {
            files.add(new DiskFile(Path.of(l.base()), l.baseSha256(), "base image of template disk '" + l.id() + "'"));
        }
        return files;
    }

    private static void verifyDiskFile(Template t, DiskFile f) {
        String sha = sha256(f.path(), f.what());
        if (!sha.equals(f.sha256())) {
            throw new ManifestMismatchException(f.path(), Kind.SHA256, f.what() + " " + f.path() + " has SHA-256 " + sha
                    + " but was saved as " + f.sha256() + " (QEMU " + t.manifest().qemu().version() + "): something "
                    + "wrote to it after the save, so the file system the saved guest has in its page cache no "
                    + "longer matches the disk. Every clone of it is suspect." + RESAVE);
        }
    }

    /**
     * Hashes every disk layer and base image and compares with the manifest; refuses when a
     * checksum was not recorded.
     */
    public static void verifyDiskChecksums(Template t) {
        for (DiskLayer l : t.manifest().disks()) {
            if (!l.hasChecksums()) {
                throw new ManifestMismatchException(t.directory().resolve(l.file()), Kind.NO_RAM_CHECKSUM, "cannot verify "
                        + "the layer of template disk '" + l.id() + "': no checksum was recorded, because the "
                        + "template was saved with SaveOptions.RamChecksum.NONE (QEMU " + t.manifest().qemu().version()
                        + "). Fix: record the checksums with Template.recordRamChecksums(), or save the template "
                        + "with SaveOptions.RamChecksum.FULL.");
            }
        }
        for (DiskLayer l : t.manifest().disks()) {
            for (DiskFile f : diskFiles(t, l)) {
                verifyDiskFile(t, f);
            }
        }
    }

    /** Hashes every RAM file and compares with the manifest; refuses when a checksum was not recorded. */
    public static void verifyRamChecksums(Template t) {
        for (BackendFile b : t.manifest().backends()) {
            Path f = t.directory().resolve(b.file());
            if (b.sha256() == null) {
                throw new ManifestMismatchException(f, Kind.NO_RAM_CHECKSUM, "cannot verify template RAM file " + f
                        + " (backend '" + b.id() + "'): no checksum was recorded, because the template was saved with "
                        + "SaveOptions.RamChecksum.NONE (QEMU " + t.manifest().qemu().version() + "). Fix: record "
                        + "the checksums with Template.recordRamChecksums() (it hashes the files if none was "
                        + "modified since the save), or save the template with SaveOptions.RamChecksum.FULL.");
            }
        }
        for (BackendFile b : t.manifest().backends()) {
            verifyRamChecksum(t, b, t.directory().resolve(b.file()));
        }
    }

    /**
     * Hashes the RAM files whose checksum the manifest of {@code t}'s directory lacks and
     * rewrites the manifest (fingerprint, temporary file, fsync, atomic rename). A file whose
     * modification time is later than the save, before or after hashing, is refused: its
     * bytes may no longer be what was saved, and recording them would bless a wrong base.
     *
     * @return the manifest now on disk
     */
    public static TemplateManifest recordRamChecksums(Template t) {
        return recordRamChecksums(t, null);
    }

    /**
     * As {@link #recordRamChecksums(Template)}, for the save that just wrote {@code t}: a RAM
     * file whose {@link #identity} is no longer what the save left is refused too, so a change
     * whose modification time was set back is not recorded either.
     *
     * @param atSave {@link #ramIdentities} right after the save, or null when not known
     * @return the manifest now on disk
     */
    public static TemplateManifest recordRamChecksums(Template t, Map<String, String> atSave) {
        Path dir = t.directory();
        // One recorder per directory in this JVM: a second caller waits, then finds them recorded
        // instead of hashing again and racing for the manifest's temporary file.
        synchronized (RECORD_LOCKS.computeIfAbsent(dir, d -> new Object())) {
            return recordRamChecksumsLocked(t, dir, atSave);
        }
    }

    /**
     * @param t a template
     * @return the {@link #identity} of each RAM file, disk layer and base image, by its path as
     *         the manifest names it (null for one that cannot be read)
     */
    public static Map<String, String> ramIdentities(Template t) {
        Map<String, String> ids = new java.util.HashMap<>();
        for (BackendFile b : t.manifest().backends()) {
            ids.put(b.file(), identity(t.directory().resolve(b.file())));
        }
        for (DiskLayer l : t.manifest().disks()) {
            ids.put(l.file(), identity(t.directory().resolve(l.file())));
            if (l.base() != null) {
                ids.put(l.base(), identity(Path.of(l.base())));
            }
        }
        return ids;
    }

    private static TemplateManifest recordRamChecksumsLocked(Template t, Path dir, Map<String, String> atSave) {
        // The manifest on disk, not t's: another Template (or process) may have recorded them already.
        TemplateManifest m = ManifestIo.readChecked(dir);
        if (m.backends().stream().allMatch(b -> b.sha256() != null)
                && m.disks().stream().allMatch(DiskLayer::hasChecksums)) {
            return m;
        }
        Instant saved = Instant.parse(m.createdAt());
        List<BackendFile> hashed = new ArrayList<>();
        for (BackendFile b : m.backends()) {
            if (b.sha256() != null) {
                hashed.add(b);
                continue;
            }
            Path f = dir.resolve(b.file());
            BasicFileAttributes before = attributes(f);
            if (before.lastModifiedTime().toInstant().isAfter(saved)) {
                throw modifiedWithoutChecksum(t, b, f, before);
            }
            String identity = atSave == null ? identity(f) : atSave.get(b.file());
            if (identity == null || !identity.equals(identity(f))) {
                throw changedSinceSave(b, f, m);
            }
            String sha = sha256(f, "template RAM file");
            BasicFileAttributes after = attributes(f);
            if (after.lastModifiedTime().toInstant().isAfter(saved)) {
                throw modifiedWithoutChecksum(t, b, f, after);
            }
            if (!identity.equals(identity(f))) {
                throw changedSinceSave(b, f, m);
            }
            hashed.add(new BackendFile(b.id(), b.kind(), b.sizeBytes(), b.file(), sha));
        }
        List<DiskLayer> layers = new ArrayList<>();
        for (DiskLayer l : m.disks()) {
            String layerSha = l.sha256() != null ? l.sha256() : hashUnchanged(dir.resolve(l.file()),
                    atSave == null ? null : atSave.get(l.file()), saved, t, "template disk layer of disk '" + l.id() + "'");
            String baseSha = l.base() == null || l.baseSha256() != null ? l.baseSha256() : hashUnchanged(
                    Path.of(l.base()), atSave == null ? null : atSave.get(l.base()), saved, t,
                    "base image of template disk '" + l.id() + "'");
            layers.add(new DiskLayer(l.id(), l.file(), l.sizeBytes(), layerSha, l.base(), l.baseSizeBytes(), baseSha));
        }
        TemplateManifest updated = ManifestIo.sign(new TemplateManifest(m.formatVersion(), m.createdAt(), m.qemu(),
                m.machineType(), m.resolvedMachineType(), m.cloneRecipe(), hashed, m.state(), m.description(),
                m.warnings(), layers, null));
        try {
            ManifestIo.write(dir, updated);
        } catch (IOException e) {
            throw new TemplatingException("cannot rewrite template manifest " + dir.resolve(TemplateManifest.FILE_NAME)
                    + " with the RAM checksums: " + e + ". The manifest is unchanged (it is replaced atomically). "
                    + "Fix: make the template directory writable and retry.", e);
        }
        LOG.info("recorded the RAM checksums of template {}", dir);
        return updated;
    }

    /**
     * As {@link #hashUnmodified}, and, for the save that just wrote the template, refuses a file
     * whose {@link #identity} moved since (a write whose modification time was set back).
     *
     * @param atSave the file's identity right after the save, or null when not known
     */
    private static String hashUnchanged(Path f, String atSave, Instant saved, Template t, String what) {
        if (atSave == null) {
            return hashUnmodified(f, saved, t, what);
        }
        refuseIfChanged(f, atSave, t, what);
        String sha = hashUnmodified(f, saved, t, what);
        refuseIfChanged(f, atSave, t, what);
        return sha;
    }

    private static void refuseIfChanged(Path f, String atSave, Template t, String what) {
        if (!atSave.equals(identity(f))) {
            throw new ManifestMismatchException(f, Kind.NO_RAM_CHECKSUM, what + " " + f + " changed after the save "
                    + "at " + t.manifest().createdAt() + " (QEMU " + t.manifest().qemu().version() + "), before or "
                    + "while its checksum was being recorded (its change time moved, whatever its modification time "
                    + "says): what would be read may not be what was saved, so it is not recorded, and clones of it "
                    + "are refused." + RESAVE);
        }
    }

    /** @return the SHA-256 of a file not modified since the save (checked before and after hashing), or refuses */
    private static String hashUnmodified(Path f, Instant saved, Template t, String what) {
        refuseIfModified(f, saved, t, what);
        String sha = sha256(f, what);
        refuseIfModified(f, saved, t, what);
        return sha;
    }

    private static void refuseIfModified(Path f, Instant saved, Template t, String what) {
        BasicFileAttributes a = attributes(f);
        if (a.lastModifiedTime().toInstant().isAfter(saved)) {
            throw new ManifestMismatchException(f, Kind.NO_RAM_CHECKSUM, what + " " + f + " was modified at "
                    + a.lastModifiedTime() + ", after the save at " + t.manifest().createdAt() + " (QEMU "
                    + t.manifest().qemu().version() + "), so its checksum cannot be recorded as the template's. "
                    + "Fix: save the template again.");
        }
    }

    /**
     * @return what changes whenever a file's bytes may have: device, inode, size, modification
     *         and change times (the kernel sets the change time on every write, truncation or
     *         time change, and no caller can set it back), or null when they cannot be read
     */
    private static String identity(Path f) {
        try {
            Map<String, Object> a = Files.readAttributes(f, "unix:dev,ino,size,lastModifiedTime,ctime");
            // Nanoseconds, not FileTime.toString(): formatting two dates cost more than the stat itself.
            return f.toAbsolutePath() + "|" + a.get("dev") + "|" + a.get("ino") + "|" + a.get("size") + "|"
                    + ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS) + "|"
                    + ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static BasicFileAttributes attributes(Path f) {
        try {
            return Files.readAttributes(f, BasicFileAttributes.class);
        } catch (IOException e) {
            throw new ManifestMismatchException(f, Kind.MISSING, "cannot read template RAM file " + f + ": " + e
                    + "." + RESAVE);
        }
    }

    /** A write whose modification time was set back still moves the change time. */
    private static ManifestMismatchException changedSinceSave(BackendFile b, Path f, TemplateManifest m) {
        return new ManifestMismatchException(f, Kind.NO_RAM_CHECKSUM, "template RAM file " + f + " (backend '"
                + b.id() + "') changed after the save, before or while its checksum was being recorded (its change "
                + "time moved although its modification time did not; QEMU " + m.qemu().version() + "): what would "
                + "be read may not be what was saved, so it is not recorded, and clones of it are refused." + RESAVE);
    }

    private static ManifestMismatchException modifiedWithoutChecksum(Template t, BackendFile b, Path f,
                                                                      BasicFileAttributes a) {
        return new ManifestMismatchException(f, Kind.NO_RAM_CHECKSUM, "template RAM file " + f + " (backend '"
                + b.id() + "') was modified at " + a.lastModifiedTime() + ", after the save at "
                + t.manifest().createdAt() + " (QEMU " + t.manifest().qemu().version() + "), and cannot be verified: no checksum was recorded "
                + "(the template was saved with SaveOptions.RamChecksum.NONE, or its owner is still recording them in the "
                + "background). It is refused, because a clone could run on a silently different base. Fix: if the "
                + "template directory was copied, copy it again keeping modification times (cp -a, rsync -a); "
                + "otherwise save the template again with the RAM checksums recorded (SaveOptions.RamChecksum.FULL, or "
                + "the default BACKGROUND and Template.ramChecksumsRecorded() before touching the directory).");
    }

    private static void verifyRamChecksum(Template t, BackendFile b, Path f) {
        String sha = sha256(f, "template RAM file");
        if (!sha.equals(b.sha256())) {
            throw new ManifestMismatchException(f, Kind.SHA256, "template RAM file " + f + " (backend '" + b.id()
                    + "') has SHA-256 " + sha + " but was saved as " + b.sha256() + " (QEMU "
                    + t.manifest().qemu().version() + "): something wrote to it after the save (a template VM "
                    + "that ran again, a clone with a shared mapping, or a RAM discard on QEMU before 8.2). Every "
                    + "clone of it is suspect." + RESAVE);
        }
    }

    /** SHA-256 of a template file; an unreadable file refuses the clone like a changed one. */
    private static String sha256(Path f, String what) {
        try {
            return WorkFiles.sha256(f);
        } catch (IOException e) {
            throw new ManifestMismatchException(f, Kind.UNREADABLE, "cannot read " + what + " " + f + ": " + e + "."
                    + RESAVE);
        }
    }

    /**
     * @param described the machine type as given, e.g. {@code q35}
     * @param resolved the name QEMU recorded, e.g. {@code pc-q35-10.0}
     * @return whether the described type can have resolved to that name
     */
    static boolean machineTypeMatches(String described, String resolved) {
        String d = described.toLowerCase(Locale.ROOT);
        String r = resolved.toLowerCase(Locale.ROOT);
        if (d.equals(r)) {
            return true;
        }
        // QEMU records the versioned name behind an alias: q35 -> pc-q35-X.Y, pc -> pc-i440fx-X.Y.
        return switch (d) {
            case "q35" -> r.startsWith("pc-q35-");
            case "pc" -> r.startsWith("pc-i440fx-");
            case "microvm" -> r.equals("microvm");
            default -> !d.startsWith("pc-") && !r.startsWith("pc-");
        };
    }

    private static void checkFiles(Path dir, TemplateManifest m) {
        for (BackendFile b : m.backends()) {
            checkSize(dir.resolve(b.file()), b.sizeBytes(), "RAM file of backend '" + b.id() + "'", m);
        }
        checkSize(dir.resolve(m.state().file()), m.state().sizeBytes(), "device-state file", m);
        for (DiskLayer l : m.disks()) {
            checkSize(dir.resolve(l.file()), l.sizeBytes(), "disk layer of disk '" + l.id() + "'", m);
            if (l.base() != null) {
                checkSize(Path.of(l.base()), l.baseSizeBytes(), "base image of disk '" + l.id() + "'", m);
            }
        }
    }

    private static void checkSize(Path f, long expected, String what, TemplateManifest m) {
        long size;
        try {
            size = Files.size(f);
        } catch (IOException e) {
            throw new ManifestMismatchException(f, Kind.MISSING, "template " + what + " " + f + " is missing or "
                    + "unreadable (" + e.getClass().getSimpleName() + "; saved by QEMU " + m.qemu().version() + ")."
                    + RESAVE);
        }
        if (size != expected) {
            throw new ManifestMismatchException(f, Kind.SIZE, "template " + what + " " + f + " is " + size
                    + " bytes but the manifest records " + expected + " bytes (saved by QEMU " + m.qemu().version()
                    + "); a clone would fail or run on a different memory size." + RESAVE);
        }
    }

    private static void checkStateMachineType(Path dir, TemplateManifest m) {
        Path state = dir.resolve(m.state().file());
        String inStream;
        try {
            inStream = StreamHeader.machineType(state);
        } catch (IOException e) {
            throw new ManifestMismatchException(state, Kind.NOT_A_MIGRATION_STREAM, "template state file " + state
                    + " is not a QEMU migration stream: " + e.getMessage() + "." + RESAVE);
        }
        if (inStream != null && !inStream.equals(m.resolvedMachineType())) {
            throw new ManifestMismatchException(state, Kind.MACHINE_TYPE, "template state file " + state
                    + " was saved on machine type '" + inStream + "' but the manifest says '"
                    + m.resolvedMachineType() + "' (QEMU " + m.qemu().version() + "); a clone would fail with "
                    + "'Machine type received is " + inStream + "'." + RESAVE);
        }
    }
}
