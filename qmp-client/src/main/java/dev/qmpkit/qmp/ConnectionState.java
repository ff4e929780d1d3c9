package dev.qmpkit.qmp;

/**
 * The life cycle of a {@link QmpClient}'s connection. The client moves only along these
 * lines (a {@link ConnectionListener} hears of the moves marked with its callback):
 *
 * <pre>
 * IDLE ──connect──&gt; CONNECTING ──negotiated (onConnected)──&gt; RUNNING
 * CONNECTING ──the first connect failed──&gt; IDLE
 * RUNNING ──lost, with a ReconnectPolicy (onDisconnected, willReconnect)──&gt; RECONNECTING
 * RECONNECTING ──negotiated again (onConnected, reconnect)──&gt; RUNNING
 * RUNNING, RECONNECTING ──lost for good, attempts used up (onDisconnected)──&gt; CLOSED
 * CONNECTING, RUNNING, RECONNECTING ──close()──&gt; DISCONNECTING ──(onDisconnected)──&gt; CLOSED
 * </pre>
 */
public enum ConnectionState {
    /** Not connected; a failed connect returns here. */
    IDLE,
    /** Connecting, reading the greeting, negotiating capabilities. */
    CONNECTING,
    /** Negotiated: commands and events flow. */
    RUNNING,
    /** The connection was lost and an opt-in reconnect is in progress; commands fail at once. */
    RECONNECTING,
    /** {@link QmpClient#close()} is in progress. */
    DISCONNECTING,
    /** Closed for good; every command fails with {@link QmpConnectionException}. */
    CLOSED
}
