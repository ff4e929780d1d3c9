package dev.qmpkit.qmp;

/** The life cycle of a {@link QmpClient}'s connection. */
public enum ConnectionState {
    /** Not connected; a failed connect returns here. */
    IDLE,
    /** Connecting, reading the greeting, negotiating capabilities. */
    CONNECTING,
    /** Negotiated: commands and events flow. */
    RUNNING,
    /** The connection was lost and an opt-in reconnect is in progress. */
    RECONNECTING,
    /** {@link QmpClient#close()} is in progress. */
    DISCONNECTING,
    /** Closed for good; every command fails with {@link QmpConnectionException}. */
    CLOSED
}
