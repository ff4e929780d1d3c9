package dev.qmpkit.templating.inspect;

import java.util.Objects;

/**
 * One memory backend object ({@code memory-backend-file}, {@code -ram}, {@code -memfd}, ...) of a
 * running VM, as read over QMP ({@code qom-get} on {@code /objects/ID}).
 *
 * @param id the backend id (the RAM block name migration matches on); never null
 * @param qomPath e.g. {@code /objects/pc.ram}; never null
 * @param qomType e.g. {@code memory-backend-file}; never null
 * @param size size in bytes
 * @param memPath the backing file or directory; null unless the type has {@code mem-path}
 * @param share whether the mapping is shared ({@code share=on})
 * @param readonly whether the file is opened read-only; null when the type has no {@code readonly}
 * @param rom the {@code rom} property; null when this QEMU has none (7.2) or the type lacks it
 * @param prealloc whether memory was preallocated; null when unknown
 * @param discardData whether the file's data is discarded at exit ({@code discard-data}); null unless file
 * @param role what the backend provides to the guest; never null
 * @param usedBy who uses it, e.g. {@code /machine}, {@code numa}, or the memory device's QOM path or id; null when unused
 * @param origin where it came from ({@code -object}, or QEMU's own for {@code -m} or {@code -mem-path}); never null
 */
public record MemoryBackend(
        String id,
        String qomPath,
        String qomType,
        long size,
        String memPath,
        boolean share,
        Boolean readonly,
        RomMode rom,
        Boolean prealloc,
        Boolean discardData,
        BackendRole role,
        String usedBy,
        BackendOrigin origin) {

    /** QOM type of the file backend. */
    public static final String FILE_TYPE = "memory-backend-file";

    /**
     * Validates.
     *
     * @param id the backend id (the RAM block name migration matches on); never null
     * @param qomPath e.g. {@code /objects/pc.ram}; never null
     * @param qomType e.g. {@code memory-backend-file}; never null
     * @param size size in bytes
     * @param memPath the backing file or directory; null unless the type has {@code mem-path}
     * @param share whether the mapping is shared ({@code share=on})
     * @param readonly whether the file is opened read-only; null when the type has no {@code readonly}
     * @param rom the {@code rom} property; null when this QEMU has none (7.2) or the type lacks it
     * @param prealloc whether memory was preallocated; null when unknown
     * @param discardData whether the file's data is discarded at exit ({@code discard-data}); null unless file
     * @param role what the backend provides to the guest; never null
     * @param usedBy who uses it, e.g. {@code /machine}, {@code numa}, or the memory device's QOM path or id; null when unused
     * @param origin where it came from ({@code -object}, or QEMU's own for {@code -m} or {@code -mem-path}); never null
     */
    public MemoryBackend {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(qomPath, "qomPath");
        Objects.requireNonNull(qomType, "qomType");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(origin, "origin");
    }

    /** @return whether this is a {@code memory-backend-file} with a {@code mem-path} */
    public boolean isFileBacked() {
        return FILE_TYPE.equals(qomType) && memPath != null && !memPath.isEmpty();
    }

    /** @return whether QEMU is told to punch the file's data out when the backend goes away ({@code discard-data=on}) */
    public boolean discardsDataAtExit() {
        return Boolean.TRUE.equals(discardData);
    }

    /** @return whether the file is opened read-only ({@code readonly=on}) */
    public boolean isReadonly() {
        return Boolean.TRUE.equals(readonly);
    }
}
