package dev.qmpkit.templating.inspect;

/** What a memory backend provides to the guest. */
public enum BackendRole {
    /** The machine's main RAM ({@code -machine memory-backend=ID}, or the backend QEMU creates for {@code -m}). */
    MAIN_RAM,
    /** The RAM of a vNUMA node ({@code -numa node,memdev=ID}). */
    NUMA_NODE,
    /** A {@code pc-dimm} or {@code nvdimm} ({@code -device pc-dimm,memdev=ID}). */
    DIMM,
    /** Memory managed by a {@code virtio-mem} device. */
    VIRTIO_MEM,
    /** Used by another memory device (e.g. {@code virtio-pmem}) or by nothing the inspector recognises. */
    OTHER
}
