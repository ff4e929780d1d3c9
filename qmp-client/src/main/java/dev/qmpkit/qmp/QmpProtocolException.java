package dev.qmpkit.qmp;

/**
 * The peer broke the QMP protocol: malformed JSON, a message over the size limit, a greeting
 * that is not QEMU's, or an error reply without an id. Such a failure is reported to
 * {@link ConnectionListener#onProtocolError}; it fails a command only when it makes the
 * connection unusable, and then as the cause of a {@link QmpConnectionException}.
 */
public class QmpProtocolException extends QmpException {
    private static final long serialVersionUID = 1L;

    /** @param message what was wrong; never null */
    public QmpProtocolException(String message) {
        super(message);
    }

    /**
     * @param message what was wrong; never null
     * @param cause the parse failure; may be null
     */
    public QmpProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
