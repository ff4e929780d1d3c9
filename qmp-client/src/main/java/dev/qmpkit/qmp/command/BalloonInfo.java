package dev.qmpkit.qmp.command;

/**
 * The reply of {@code query-balloon}.
 *
 * @param actual the guest's memory size in bytes as the balloon sets it
 */
public record BalloonInfo(long actual) {
}
