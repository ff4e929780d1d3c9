package dev.qmpkit.qmp;

import java.time.Duration;
import java.util.Objects;

/**
 * Whether and how a client reconnects after losing its connection. Reconnecting
 * re-handshakes and never replays commands: commands pending when the connection was lost
 * fail with {@link QmpConnectionException}.
 *
 * @param maxAttempts attempts per loss of connection; 0 disables reconnecting
 * @param delay the pause before each attempt; never null
 */
public record ReconnectPolicy(int maxAttempts, Duration delay) {

    /**
     * Validates.
     *
     * @param maxAttempts attempts per loss of connection; 0 disables reconnecting
     * @param delay the pause before each attempt; never null
     */
    public ReconnectPolicy {
        Objects.requireNonNull(delay, "delay");
        if (maxAttempts < 0) {
            throw new IllegalArgumentException("maxAttempts must be >= 0, got " + maxAttempts);
        }
        if (delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, got " + delay);
        }
    }

    /** @return the default: never reconnect */
    public static ReconnectPolicy never() {
        return new ReconnectPolicy(0, Duration.ZERO);
    }

    /**
     * @param maxAttempts attempts per loss of connection, at least 1
     * @param delay pause before each attempt; never null
     * @return a policy that retries with a fixed delay
     */
    public static ReconnectPolicy fixedDelay(int maxAttempts, Duration delay) {
        return new ReconnectPolicy(maxAttempts, delay);
    }

    /** @return whether this policy reconnects at all */
    public boolean enabled() {
        return maxAttempts > 0;
    }
}
