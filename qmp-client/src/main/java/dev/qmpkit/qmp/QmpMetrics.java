package dev.qmpkit.qmp;

/**
 * Receives measurements from a QMP client, or from a guest agent client: the SPI behind
 * {@link QmpOptions.Builder#metrics} and {@code AgentOptions.Builder#metrics}. It names no
 * metrics library; {@code dev.qmpkit.qmp.micrometer.MicrometerQmpMetrics} records into a
 * Micrometer {@code MeterRegistry}, and anything else can implement it. Every method has an
 * empty default, so implement only what you need.
 *
 * <p>With {@link #NONE} (the default) the client measures nothing: no clock read, no
 * allocation per command. Methods are called on the client's I/O threads, from several threads
 * at once when clients share one recorder: keep them quick, thread-safe, and free of blocking
 * calls. An exception thrown is logged once and ignored.
 *
 * <p>Every {@link #commandStarted} is followed by exactly one {@link #commandFinished} for the
 * same command, so the difference is the number of commands in flight. A QMP command starts
 * when it is written to the socket and finishes with its reply, its timeout or the end of the
 * connection; a command refused before it is written (client not running, bad arguments) is
 * neither. An agent command starts when it is submitted (the agent runs one at a time, so its
 * time includes the wait behind earlier ones).
 */
public interface QmpMetrics {

    /** Measures nothing, at no cost; the default. */
    QmpMetrics NONE = new QmpMetrics() {
    };

    /**
     * A command was sent.
     *
     * @param command the command name, e.g. {@code "query-status"} or {@code "guest-exec"}; never null
     */
    default void commandStarted(String command) {
    }

    /**
     * A command that {@link #commandStarted started} ended.
     *
     * @param command the command name; never null
     * @param outcome how it ended; never null
     * @param durationNanos from its start to its end, in nanoseconds
     */
    default void commandFinished(String command, CommandOutcome outcome, long durationNanos) {
    }

    /**
     * An event subscription's queue was full, and it dropped its oldest event (see
     * {@link QmpOptions.Builder#eventQueueCapacity}); once for each event dropped.
     *
     * @param event the name of the event dropped; never null
     */
    default void eventDropped(String event) {
    }

    /**
     * An attempt to reconnect after a lost connection ended (see {@link ReconnectPolicy}).
     *
     * @param succeeded whether the client is connected again
     */
    default void reconnectAttempt(boolean succeeded) {
    }
}
