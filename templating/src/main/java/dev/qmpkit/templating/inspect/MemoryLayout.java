package dev.qmpkit.templating.inspect;

import dev.qmpkit.templating.inspect.internal.MemoryRules;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The memory configuration of a running VM: its memory backends, which one the machine uses
 * as main RAM, and how much RAM the guest has. Produced by {@link MemoryBackendInspector}.
 *
 * @param backends every memory backend under {@code /objects}, in QOM order; never null, immutable
 * @param mainRamBackendId the id of {@code /machine}'s {@code memory-backend}; null when the
 *                         machine's RAM is not a backend (vNUMA nodes, or no RAM backend at all)
 * @param baseMemory boot RAM in bytes ({@code query-memory-size-summary} base-memory)
 * @param pluggedMemory RAM in memory devices in bytes (DIMMs, virtio-mem), 0 when none
 * @param romPropertySupported whether this QEMU's {@code memory-backend-file} has a {@code rom} property (8.2+)
 * @param ignoreSharedNeedsNamedFile whether this QEMU's {@code x-ignore-shared} skips only shared RAM
 *                                   backed by a named file (8.1+); before 8.1 it skips every shared
 *                                   RAM block, so shared anonymous RAM ({@code memory-backend-ram} or
 *                                   {@code memfd} with {@code share=on}) is saved nowhere
 */
public record MemoryLayout(
        List<MemoryBackend> backends,
        String mainRamBackendId,
        long baseMemory,
        long pluggedMemory,
        boolean romPropertySupported,
        boolean ignoreSharedNeedsNamedFile) {

    /**
     * Copies.
     *
     * @param backends every memory backend under {@code /objects}, in QOM order; never null, immutable
     * @param mainRamBackendId the id of {@code /machine}'s {@code memory-backend}; null when the
     *                                machine's RAM is not a backend (vNUMA nodes, or no RAM backend at all)
     * @param baseMemory boot RAM in bytes ({@code query-memory-size-summary} base-memory)
     * @param pluggedMemory RAM in memory devices in bytes (DIMMs, virtio-mem), 0 when none
     * @param romPropertySupported whether this QEMU's {@code memory-backend-file} has a {@code rom} property (8.2+)
     * @param ignoreSharedNeedsNamedFile whether {@code x-ignore-shared} skips only shared RAM backed by a named file (8.1+)
     */
    public MemoryLayout {
        backends = List.copyOf(Objects.requireNonNull(backends, "backends"));
    }

    /** @return the main RAM backend, if the machine uses one */
    public Optional<MemoryBackend> mainRam() {
        return backends.stream().filter(b -> b.role() == BackendRole.MAIN_RAM).findFirst();
    }

    /**
     * @param id a backend id; never null
     * @return the backend with that id
     */
    public Optional<MemoryBackend> backend(String id) {
        return backends.stream().filter(b -> b.id().equals(id)).findFirst();
    }

    /**
     * @param backend one of this layout's backends; never null
     * @return whether a save with {@code x-ignore-shared} leaves this backend's RAM out of the
     *         state: a shared mapping of a named file always; on QEMU before 8.1 any shared RAM,
     *         which for anonymous memory means it is saved nowhere
     */
    public boolean skippedByIgnoreShared(MemoryBackend backend) {
        return backend.share() && (backend.isFileBacked() || !ignoreSharedNeedsNamedFile);
    }

    /** @return the backends that hold guest RAM (every role except {@link BackendRole#OTHER}); never null */
    public List<MemoryBackend> guestRamBackends() {
        return backends.stream().filter(b -> b.role() != BackendRole.OTHER).toList();
    }

    /**
     * @return whether guest boot RAM exists that no memory backend provides (e.g. a machine
     *         without a default RAM backend); such RAM is always migrated and cannot be templated
     */
    public boolean hasRamWithoutBackend() {
        return baseMemory > 0 && backends.stream()
                .noneMatch(b -> b.role() == BackendRole.MAIN_RAM || b.role() == BackendRole.NUMA_NODE);
    }

    /**
     * @return whether the VM's memory lets it serve as a template: all guest RAM in
     *         {@code memory-backend-file} with {@code share=on} and a writable named file
     */
    public boolean canServeAsTemplate() {
        return MemoryRules.ramFindings(this, VmRole.TEMPLATE).stream().noneMatch(f -> f.severity() == Severity.ERROR);
    }

    /**
     * @return whether the VM's memory is a proper clone of a template file: every guest RAM
     *         backend a file with {@code share=off}, and on QEMU 8.2+ {@code readonly=on,rom=off}
     *         (on 7.2, which has no {@code rom}, {@code readonly} must stay off)
     */
    public boolean isProperClone() {
        return MemoryRules.ramFindings(this, VmRole.CLONE).stream().noneMatch(f -> f.severity() == Severity.ERROR);
    }
}
