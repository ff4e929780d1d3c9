package dev.qmpkit.qmp;

/** How a command sent to QEMU (or to the guest agent) ended, as {@link QmpMetrics} reports it. */
public enum CommandOutcome {
    /** QEMU answered with {@code return}. */
    SUCCESS,
    /** QEMU answered with {@code error} ({@link QmpCommandException}). */
    ERROR,
    /** No answer within the command's timeout ({@link QmpTimeoutException}); a late answer is dropped. */
    TIMEOUT,
    /** The connection ended first, or the client was closed ({@link QmpConnectionException}). */
    DISCONNECTED
}
