package dev.qmpkit.qmp.command;

import java.util.List;

/**
 * A memory backend as {@code query-memdev} reports it ({@code Memdev}).
 *
 * @param id the backend's id; may be null for an anonymous backend
 * @param size size in bytes
 * @param merge whether KSM may merge its pages
 * @param dump whether it is included in a core dump
 * @param prealloc whether it was preallocated
 * @param share whether it is mapped shared ({@code share=on})
 * @param reserve whether swap space is reserved (QEMU 6.1+); may be null
 * @param hostNodes host NUMA nodes it is bound to; never null, may be empty
 * @param policy the NUMA policy, e.g. {@code default}; may be null
 */
public record Memdev(String id, long size, boolean merge, boolean dump, boolean prealloc, boolean share,
                     Boolean reserve, List<Integer> hostNodes, String policy) {
    /**
     * Copies the list.
     *
     * @param id the backend's id; may be null for an anonymous backend
     * @param size size in bytes
     * @param merge whether KSM may merge its pages
     * @param dump whether it is included in a core dump
     * @param prealloc whether it was preallocated
     * @param share whether it is mapped shared ({@code share=on})
     * @param reserve whether swap space is reserved (QEMU 6.1+); may be null
     * @param hostNodes host NUMA nodes it is bound to; never null, may be empty
     * @param policy the NUMA policy, e.g. {@code default}; may be null
     */
    public Memdev {
        hostNodes = hostNodes == null ? List.of() : List.copyOf(hostNodes);
    }
}
