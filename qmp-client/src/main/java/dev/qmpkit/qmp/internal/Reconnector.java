package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.ReconnectPolicy;
import io.netty.util.Timer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-establishes a lost connection under a {@link ReconnectPolicy}: after the policy's delay,
 * one attempt at a time, each a fresh connection with its own handshake, until one succeeds or
 * the attempts run out. Commands are never replayed: those pending at the loss have failed.
 */
final class Reconnector {
    private static final Logger LOG = LoggerFactory.getLogger(Reconnector.class);

    /** What is reconnected: the client. */
    interface Target {
        /** @return whether reconnecting is still wanted (false once the client is closed) */
        boolean reconnecting();

        /**
         * Makes one attempt: connects, negotiates and makes the new connection current.
         *
         * @param attempt 1 for the first attempt after a loss
         * @return completed when the attempt succeeded, failed when it did not
         */
        CompletableFuture<?> attempt(int attempt);

        /**
         * Every attempt failed.
         *
         * @param cause why, with the last attempt's failure attached
         */
        void gaveUp(QmpConnectionException cause);
    }

    private final String peer;
    private final ReconnectPolicy policy;
    private final Timer timer;
    private final Target target;

    /**
     * @param peer the peer's address, for messages
     * @param policy how often and how long to wait; enabled
     * @param timer schedules the attempts
     * @param target the client
     */
    Reconnector(String peer, ReconnectPolicy policy, Timer timer, Target target) {
        this.peer = peer;
        this.policy = policy;
        this.timer = timer;
        this.target = target;
    }

    /** The connection was lost: starts the first attempt after the policy's delay. */
    void start() {
        schedule(1);
    }

    private void schedule(int attempt) {
        try {
            timer.newTimeout(t -> run(attempt), Math.max(0, policy.delay().toNanos()), TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
            target.gaveUp(new QmpConnectionException("cannot schedule a reconnect to " + peer, e));
        }
    }

    private void run(int attempt) {
        if (!target.reconnecting()) {
            return;
        }
        target.attempt(attempt).whenComplete((ok, e) -> {
            if (e == null) {
                return;
            }
            QmpException failure = DefaultQmpClient.unwrapQmp(e);
            LOG.debug("reconnect attempt {} to {} failed: {}", attempt, peer, failure.getMessage());
            if (attempt < policy.maxAttempts()) {
                schedule(attempt + 1);
            } else {
                target.gaveUp(new QmpConnectionException("lost the connection to " + peer
                        + " and could not reconnect after " + attempt + " attempt(s): " + failure.getMessage(),
                        failure));
            }
        });
    }
}
