package dev.qmpkit.qmp;

/**
 * Root of the runtime exceptions this SDK throws or completes futures with.
 * Catch a subclass to handle one kind of failure differently:
 * {@link QmpCommandException} (QEMU answered with an error),
 * {@link QmpConnectionException} (the connection is gone or never came up),
 * {@link QmpTimeoutException} (no answer in time) and
 * {@link QmpProtocolException} (the peer broke the protocol).
 */
public class QmpException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed and, where known, how to fix it; never null */
    public QmpException(String message) {
        super(message);
    }

    /**
     * @param message what failed; never null
     * @param cause the underlying failure; may be null
     */
    public QmpException(String message, Throwable cause) {
        super(message, cause);
    }
}
