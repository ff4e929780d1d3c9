package dev.qmpkit.qmp.command;

import java.util.List;

/**
 * One fd set as {@code query-fdsets} reports it.
 *
 * @param fdsetId the set's id
 * @param fds the descriptors in it; never null
 */
public record FdsetInfo(long fdsetId, List<FdsetFdInfo> fds) {
    /**
     * Copies the list.
     *
     * @param fdsetId the set's id
     * @param fds the descriptors in it; never null
     */
    public FdsetInfo {
        fds = fds == null ? List.of() : List.copyOf(fds);
    }

    /**
     * One descriptor in an fd set.
     *
     * @param fd the descriptor's number inside QEMU
     * @param opaque the free-form text given to {@code add-fd}; may be null
     */
    public record FdsetFdInfo(long fd, String opaque) {
    }
}
