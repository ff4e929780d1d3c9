package dev.qmpkit.qmp;

import java.time.Duration;

/**
 * Per-command settings.
 *
 * @param timeout the command's timeout; null means {@link QmpOptions#commandTimeout()}
 * @param outOfBand send with {@code exec-oob} (QEMU must have negotiated {@code oob} and the
 *                  command must allow it), so it overtakes queued in-band commands
 */
public record CommandOptions(Duration timeout, boolean outOfBand) {

    private static final CommandOptions DEFAULTS = new CommandOptions(null, false);

    /**
     * Validates.
     *
     * @param timeout the command's timeout; null means {@link QmpOptions#commandTimeout()}
     * @param outOfBand send with {@code exec-oob} (QEMU must have negotiated {@code oob} and the
     *     command must allow it), so it overtakes queued in-band commands
     */
    public CommandOptions {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
    }

    /** @return the defaults: client timeout, in-band */
    public static CommandOptions defaults() {
        return DEFAULTS;
    }

    /**
     * @param timeout positive; never null
     * @return in-band options with this timeout
     */
    public static CommandOptions timeout(Duration timeout) {
        return new CommandOptions(java.util.Objects.requireNonNull(timeout, "timeout"), false);
    }

    /** @return out-of-band options with the client's timeout */
    public static CommandOptions oob() {
        return new CommandOptions(null, true);
    }
}
