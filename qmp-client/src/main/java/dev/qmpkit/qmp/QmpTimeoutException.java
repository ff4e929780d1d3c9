package dev.qmpkit.qmp;

import java.time.Duration;

/**
 * No answer arrived in time: a command's reply, the greeting, or an awaited event. The
 * command's id stays reserved, so a reply that arrives later is dropped, never handed to
 * another command.
 */
public class QmpTimeoutException extends QmpException {
    private static final long serialVersionUID = 1L;

    /** How long was waited. */
    private final Duration timeout;

    /**
     * @param message what was waited for; never null
     * @param timeout how long it was waited for; never null
     */
    public QmpTimeoutException(String message, Duration timeout) {
        super(message);
        this.timeout = timeout;
    }

    /** @return how long was waited; never null */
    public Duration timeout() {
        return timeout;
    }
}
