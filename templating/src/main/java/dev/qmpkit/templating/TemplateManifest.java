package dev.qmpkit.templating;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.qmpkit.templating.inspect.Finding;
import java.util.List;
import java.util.Objects;

/**
 * The contents of a template directory's {@code manifest.json}: everything a clone needs and
 * everything that is checked before one is launched. Written last by a save (temporary file,
 * fsync, atomic rename), so a directory with a manifest holds a complete template. File names
 * are relative to the template directory, so a template directory can be moved as a whole.
 *
 * @param formatVersion the manifest format, {@value #FORMAT_VERSION} for this SDK
 * @param createdAt when the save completed, ISO-8601 UTC; never null
 * @param qemu the QEMU that saved the template; never null
 * @param machineType the machine type as described, e.g. {@code q35}; never null
 * @param resolvedMachineType the machine type recorded in the migration stream, e.g.
 *                            {@code pc-q35-10.0}; clones are started with it; never null
 * @param cloneRecipe how clones map the RAM files on this QEMU; never null
 * @param backends each RAM backend and its file; never null, immutable
 * @param state the device-state file; never null
 * @param description the description the clones reuse (accelerator resolved); never null
 * @param warnings the warnings of the readiness check at the save (e.g. a NIC whose MAC clones
 *                 share, accepted with {@link SaveOptions#acceptSharedMacs()}; a shared UUID; no
 *                 vmgenid), as they were also reported to the save's {@link ProgressListener} and
 *                 log; never null, immutable, empty for none (and for templates saved before
 *                 warnings were recorded: an empty list is left out of the file, so their
 *                 fingerprints stay valid)
 * @param disks the frozen layer of each {@link Disk} of the description, in its order; never
 *              null, immutable; left out of the file when empty, so templates saved before disks
 *              existed keep their fingerprint
 * @param fingerprint SHA-256 over all the fields above (a RAM checksum that was not recorded
 *                    counts as {@code null}), so any edit is detected; never null in a
 *                    manifest read from disk
 */
public record TemplateManifest(
        int formatVersion,
        String createdAt,
        QemuInfo qemu,
        String machineType,
        String resolvedMachineType,
        CloneRecipe cloneRecipe,
        List<BackendFile> backends,
        StateFile state,
        VmDescription description,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Finding> warnings,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<DiskLayer> disks,
        String fingerprint) {

    /** The format version this SDK writes and reads. */
    public static final int FORMAT_VERSION = 1;
    /** The manifest's file name inside a template directory. */
    public static final String FILE_NAME = "manifest.json";

    /**
     * Copies. Null checks only: consistency is checked by {@link Template#open}.
     *
     * @param formatVersion the manifest format, {@value #FORMAT_VERSION} for this SDK
     * @param createdAt when the save completed, ISO-8601 UTC; never null
     * @param qemu the QEMU that saved the template; never null
     * @param machineType the machine type as described, e.g. {@code q35}; never null
     * @param resolvedMachineType the machine type recorded in the migration stream, e.g.
     *                                   {@code pc-q35-10.0}; clones are started with it; never null
     * @param cloneRecipe how clones map the RAM files on this QEMU; never null
     * @param backends each RAM backend and its file; never null, immutable
     * @param state the device-state file; never null
     * @param description the description the clones reuse (accelerator resolved); never null
     * @param warnings the warnings of the readiness check at the save; null or empty for none
     * @param disks the frozen disk layers; null (a manifest written before disks existed) for none
     * @param fingerprint SHA-256 over all the fields above (a RAM checksum that was not recorded
     *                           counts as {@code null}), so any edit is detected; never null in a
     *                           manifest read from disk
     */
    public TemplateManifest {
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(qemu, "qemu");
        Objects.requireNonNull(machineType, "machineType");
        Objects.requireNonNull(resolvedMachineType, "resolvedMachineType");
        Objects.requireNonNull(cloneRecipe, "cloneRecipe");
        backends = List.copyOf(Objects.requireNonNull(backends, "backends"));
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(description, "description");
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
        disks = disks == null ? List.of() : List.copyOf(disks);
    }

    /**
     * A manifest without disks.
     *
     * @param formatVersion the manifest format
     * @param createdAt when the save completed; never null
     * @param qemu the QEMU that saved the template; never null
     * @param machineType the machine type as described; never null
     * @param resolvedMachineType the machine type recorded in the migration stream; never null
     * @param cloneRecipe how clones map the RAM files; never null
     * @param backends each RAM backend and its file; never null
     * @param state the device-state file; never null
     * @param description the description the clones reuse; never null
     * @param warnings the warnings of the readiness check at the save; null or empty for none
     * @param fingerprint the fingerprint, or null
     */
    public TemplateManifest(int formatVersion, String createdAt, QemuInfo qemu, String machineType,
                            String resolvedMachineType, CloneRecipe cloneRecipe, List<BackendFile> backends,
                            StateFile state, VmDescription description, List<Finding> warnings, String fingerprint) {
        this(formatVersion, createdAt, qemu, machineType, resolvedMachineType, cloneRecipe, backends, state,
                description, warnings, List.of(), fingerprint);
    }

    /**
     * @param fingerprint the new fingerprint, or null
     * @return a copy with it
     */
    public TemplateManifest withFingerprint(String fingerprint) {
        return new TemplateManifest(formatVersion, createdAt, qemu, machineType, resolvedMachineType, cloneRecipe,
                backends, state, description, warnings, disks, fingerprint);
    }

    /**
     * How clones map the template's RAM files.
     */
    public enum CloneRecipe {
        /**
         * QEMU 8.2+: {@code share=off,readonly=on,rom=off}. The file is opened read-only and
         * mapped private and writable: a clone can never change the template.
         */
        READONLY_PRIVATE,
        /**
         * QEMU before 8.2 (no {@code rom} property, and {@code readonly=on} gives a dead guest):
         * {@code share=off}, the file opened writable and mapped private. Writes stay private,
         * but a RAM discard (balloon, free page reporting, virtio-mem) would punch a hole in the
         * template file, so clones refuse those devices; verify the files with
         * {@link Template#verifyRamFiles()}.
         */
        WRITABLE_PRIVATE
    }

    /**
     * The QEMU that saved the template. Clones must run the same version.
     *
     * @param version e.g. {@code 10.0.2}; never null
     * @param versionLine the first line of {@code --version}; never null
     * @param executable the binary's path; never null
     * @param firmwareDirs the {@code -L} directories; never null, immutable
     * @param fileMigrationUri whether this QEMU takes {@code file:} migration URIs (8.2+);
     *                         otherwise the state is passed as a file descriptor
     */
    public record QemuInfo(String version, String versionLine, String executable, List<String> firmwareDirs,
                           boolean fileMigrationUri) {
        /**
         * Copies.
         *
         * @param version e.g. {@code 10.0.2}; never null
         * @param versionLine the first line of {@code --version}; never null
         * @param executable the binary's path; never null
         * @param firmwareDirs the {@code -L} directories; never null, immutable
         * @param fileMigrationUri whether this QEMU takes {@code file:} migration URIs (8.2+);
         *                                otherwise the state is passed as a file descriptor
         */
        public QemuInfo {
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(versionLine, "versionLine");
            Objects.requireNonNull(executable, "executable");
            firmwareDirs = List.copyOf(Objects.requireNonNull(firmwareDirs, "firmwareDirs"));
        }
    }

    /**
     * One RAM backend's file.
     *
     * @param id the backend id (QEMU's ramblock name); never null
     * @param kind how the machine uses it; never null
     * @param sizeBytes the backend's and the file's size
     * @param file the file name, relative to the template directory; never null
     * @param sha256 the file's SHA-256 at save time, lower-case hex; null when the template was
     *               saved with {@link SaveOptions.RamChecksum#NONE} and
     *               {@link Template#recordRamChecksums()} has not been run since
     */
    public record BackendFile(String id, RamBackend.Kind kind, long sizeBytes, String file, String sha256) {
        /**
         * Validates.
         *
         * @param id the backend id (QEMU's ramblock name); never null
         * @param kind how the machine uses it; never null
         * @param sizeBytes the backend's and the file's size
         * @param file the file name, relative to the template directory; never null
         * @param sha256 the file's SHA-256 at save time, lower-case hex; null when the template was
         *                      saved with {@link SaveOptions.RamChecksum#NONE} and
         *                      {@link Template#recordRamChecksums()} has not been run since
         */
        public BackendFile {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(file, "file");
        }
    }

    /**
     * The device-state file (QEMU's migration stream without RAM).
     *
     * @param file the file name, relative to the template directory; never null
     * @param sizeBytes its size
     * @param sha256 its SHA-256, lower-case hex; never null
     * @param saveMillis how long {@code migrate} took, in milliseconds
     */
    public record StateFile(String file, long sizeBytes, String sha256, long saveMillis) {
        /**
         * Validates.
         *
         * @param file the file name, relative to the template directory; never null
         * @param sizeBytes its size
         * @param sha256 its SHA-256, lower-case hex; never null
         * @param saveMillis how long {@code migrate} took, in milliseconds
         */
        public StateFile {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(sha256, "sha256");
        }
    }

    /**
     * The frozen layer of one {@link Disk}: the qcow2 file the template wrote, in the template
     * directory, read-only since the save; each clone's overlay has it as backing file. Its base
     * image (the disk's {@link Disk#base()}), which it refers to by absolute path, is recorded too.
     *
     * @param id the disk's id; never null
     * @param file the layer's file name, relative to the template directory; never null
     * @param sizeBytes the layer file's size
     * @param sha256 the layer's SHA-256 at save time, lower-case hex; null when the template was
     *               saved with {@link SaveOptions.RamChecksum#NONE} and
     *               {@link Template#recordRamChecksums()} has not been run since
     * @param base the base image's absolute path, or null for a blank disk
     * @param baseSizeBytes the base image's size, 0 without one
     * @param baseSha256 the base image's SHA-256 at save time; null without a base, or when not recorded
     */
    public record DiskLayer(String id, String file, long sizeBytes, String sha256, String base, long baseSizeBytes,
                            String baseSha256) {
        /**
         * Validates.
         *
         * @param id the disk's id; never null
         * @param file the layer's file name; never null
         * @param sizeBytes the layer file's size
         * @param sha256 the layer's SHA-256, or null when not recorded
         * @param base the base image's absolute path, or null
         * @param baseSizeBytes the base image's size
         * @param baseSha256 the base image's SHA-256, or null
         */
        public DiskLayer {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(file, "file");
        }

        /** @return whether the checksums of the layer (and its base, if any) are recorded */
        public boolean hasChecksums() {
            return sha256 != null && (base == null || baseSha256 != null);
        }
    }
}
