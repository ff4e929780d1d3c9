package dev.qmpkit.qmp;

/**
 * The connection to QEMU could not be made, was closed, or was lost (for example because
 * QEMU exited or was killed). Pending commands fail with this exception; its cause is the
 * underlying I/O failure when there is one.
 */
public class QmpConnectionException extends QmpException {
    private static final long serialVersionUID = 1L;

    /** @param message what happened to the connection; never null */
    public QmpConnectionException(String message) {
        super(message);
    }

    /**
     * @param message what happened to the connection; never null
     * @param cause the root cause; may be null
     */
    public QmpConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
