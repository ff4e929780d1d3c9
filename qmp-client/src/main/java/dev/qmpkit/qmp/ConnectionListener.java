package dev.qmpkit.qmp;

/**
 * Receives connection events. Every method has an empty default, so override only what you
 * need. Called off the I/O thread, on the client's event executor; must not block for long.
 */
public interface ConnectionListener {

    /**
     * The connection is negotiated and ready, the first time or after a reconnect.
     *
     * @param greeting QEMU's greeting; never null
     * @param reconnect whether this follows a lost connection
     */
    default void onConnected(Greeting greeting, boolean reconnect) {
    }

    /**
     * The connection was lost or closed. Pending commands have been failed with {@code cause}.
     *
     * @param cause why; never null
     * @param willReconnect whether an opt-in reconnect follows
     */
    default void onDisconnected(QmpException cause, boolean willReconnect) {
    }

    /**
     * A reconnect attempt starts.
     *
     * @param attempt 1 for the first attempt
     */
    default void onReconnecting(int attempt) {
    }

    /**
     * The peer sent something that breaks the protocol but did not end the connection
     * (an error reply without an id, a malformed event, a reply nobody waits for).
     *
     * @param problem what was wrong; never null
     */
    default void onProtocolError(QmpProtocolException problem) {
    }
}
