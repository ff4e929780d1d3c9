package dev.qmpkit.qmp.command;

/**
 * The reply of {@code add-fd}.
 *
 * @param fdsetId the fd set the descriptor was added to; refer to it as {@code /dev/fdset/ID}
 * @param fd the descriptor's number inside QEMU
 */
public record AddFdInfo(long fdsetId, long fd) {
}
