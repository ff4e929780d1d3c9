package dev.qmpkit.templating;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One guest RAM region of a {@link VmDescription}. In the template it becomes a
 * {@code memory-backend-file,share=on} on a writable file in the template directory; in a
 * clone the same id and size, mapped privately (see {@link Template}).
 *
 * @param id the QOM id of the backend object, e.g. {@code ram0}; letters, digits, {@code _ . -},
 *           starting with a letter; never null. Template and clone must use the same id, or the
 *           clone fails with QEMU's {@code Unknown ramblock}
 * @param sizeBytes the size in bytes, a positive multiple of 1 MiB
 * @param kind how the machine uses it; never null
 */
public record RamBackend(String id, long sizeBytes, Kind kind) {

    private static final Pattern ID = Pattern.compile("[A-Za-z][A-Za-z0-9_.\\-]{0,63}");
    private static final long MIB = 1L << 20;

    /** How the machine uses a backend. */
    public enum Kind {
        /** The machine's main RAM: {@code -machine memory-backend=ID}. */
        MAIN,
        /** A vNUMA node's memory: {@code -numa node,memdev=ID}. The nodes together are the main RAM. */
        NUMA_NODE,
        /** A pluggable DIMM: {@code -device pc-dimm,memdev=ID}, with {@code -m ...,slots=,maxmem=}. */
        DIMM
    }

    /**
     * Validates.
     *
     * @param id the QOM id of the backend object, e.g. {@code ram0}; letters, digits, {@code _ . -},
     *                  starting with a letter; never null. Template and clone must use the same id, or the
     *                  clone fails with QEMU's {@code Unknown ramblock}
     * @param sizeBytes the size in bytes, a positive multiple of 1 MiB
     * @param kind how the machine uses it; never null
     */
    public RamBackend {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("memory backend id '" + id + "' must start with a letter and contain "
                    + "only letters, digits, '_', '.' and '-' (at most 64 characters): it names the RAM file and QEMU's ramblock");
        }
        if (sizeBytes <= 0 || sizeBytes % MIB != 0) {
            throw new IllegalArgumentException("memory backend '" + id + "' size " + sizeBytes
                    + " must be a positive multiple of 1 MiB");
        }
    }

    /**
     * @param id the backend id; never null
     * @param sizeBytes the size in bytes
     * @return the machine's main RAM
     */
    public static RamBackend main(String id, long sizeBytes) {
        return new RamBackend(id, sizeBytes, Kind.MAIN);
    }

    /**
     * @param id the backend id; never null
     * @param sizeBytes the size in bytes
     * @return one vNUMA node's RAM (node numbers follow the order of the description)
     */
    public static RamBackend numaNode(String id, long sizeBytes) {
        return new RamBackend(id, sizeBytes, Kind.NUMA_NODE);
    }

    /**
     * @param id the backend id; never null
     * @param sizeBytes the size in bytes
     * @return a DIMM's RAM
     */
    public static RamBackend dimm(String id, long sizeBytes) {
        return new RamBackend(id, sizeBytes, Kind.DIMM);
    }

    /** @return the name of this backend's RAM file inside a template directory; never null */
    public String fileName() {
        return "mem-" + id + ".ram";
    }
}
