package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.CommandOutcome;
import dev.qmpkit.qmp.QmpMetrics;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A user's {@link QmpMetrics} that cannot break the client: what it throws is logged (the first
 * time as a warning, then at debug level, so a broken recorder cannot flood the log) and
 * ignored, since it is called on the I/O thread between a reply and its future.
 */
public final class GuardedMetrics implements QmpMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(GuardedMetrics.class);

    private final QmpMetrics metrics;
    private final AtomicBoolean warned = new AtomicBoolean();

    private GuardedMetrics(QmpMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * @param metrics a user's recorder
     * @return {@link QmpMetrics#NONE} itself (so callers can skip measuring), else a guarded one
     */
    public static QmpMetrics of(QmpMetrics metrics) {
        return metrics == QmpMetrics.NONE ? QmpMetrics.NONE : new GuardedMetrics(metrics);
    }

    @Override
    public void commandStarted(String command) {
        try {
            metrics.commandStarted(command);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void commandFinished(String command, CommandOutcome outcome, long durationNanos) {
        try {
            metrics.commandFinished(command, outcome, durationNanos);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void eventDropped(String event) {
        try {
            metrics.eventDropped(event);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void reconnectAttempt(boolean succeeded) {
        try {
            metrics.reconnectAttempt(succeeded);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private void failed(RuntimeException e) {
        if (warned.compareAndSet(false, true)) {
            LOG.warn("QmpMetrics {} threw; ignored (further failures are logged at debug level)", metrics, e);
        } else {
            LOG.debug("QmpMetrics {} threw; ignored", metrics, e);
        }
    }
}
