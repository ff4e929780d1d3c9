package dev.qmpkit.qmp;

/**
 * Receives what happens to a client's connection. Every method has an empty default, so
 * override only what you need. Each call names the client, so one listener can serve many
 * clients (pass the same instance in each client's {@link QmpOptions}).
 *
 * <p>Calls are made off the I/O thread, on the client's event executor
 * ({@link QmpOptions#eventExecutor()}), one at a time and in order for each client; a listener
 * must not block for long. A {@link RuntimeException} thrown by a listener is logged at WARN and
 * the client carries on.
 */
public interface ConnectionListener {

    /**
     * The connection is negotiated and ready, the first time or after a reconnect.
     *
     * @param client the client; never null
     * @param greeting QEMU's greeting; never null
     * @param reconnect whether this follows a lost connection
     */
    default void onConnected(QmpClient client, Greeting greeting, boolean reconnect) {
    }

    /**
     * The connection was lost or closed. Pending commands have been failed with {@code cause}.
     *
     * @param client the client; never null
     * @param cause why; never null
     * @param willReconnect whether an opt-in reconnect follows
     */
    default void onDisconnected(QmpClient client, QmpException cause, boolean willReconnect) {
    }

    /**
     * A reconnect attempt starts.
     *
     * @param client the client; never null
     * @param attempt 1 for the first attempt
     */
    default void onReconnecting(QmpClient client, int attempt) {
    }

    /**
     * The peer sent something that breaks the protocol but did not end the connection
     * (an error reply without an id, a malformed event, a reply nobody waits for).
     *
     * @param client the client; never null
     * @param problem what was wrong; never null
     */
    default void onProtocolError(QmpClient client, QmpProtocolException problem) {
    }

    /**
     * A subscription's listener fell behind: its queue
     * ({@link QmpOptions#eventQueueCapacity()}) was full, so it started dropping its oldest
     * events. Called once when dropping starts, not per event; called again only after
     * {@link #onSubscriptionCaughtUp} reported that it recovered.
     *
     * @param client the client; never null
     * @param subscription the subscription; {@link EventSubscription#droppedEvents()} counts
     *                     its drops so far; never null
     */
    default void onSubscriptionFellBehind(QmpClient client, EventSubscription subscription) {
    }

    /**
     * A subscription that fell behind has caught up: its listener has emptied its queue.
     *
     * @param client the client; never null
     * @param subscription the subscription; never null
     * @param dropped how many events it dropped since it fell behind
     */
    default void onSubscriptionCaughtUp(QmpClient client, EventSubscription subscription, long dropped) {
    }
}
