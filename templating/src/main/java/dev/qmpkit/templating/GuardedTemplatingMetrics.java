package dev.qmpkit.templating;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A user's {@link TemplatingMetrics} that cannot break a workflow: what it throws is logged
 * (the first time as a warning, then at debug level) and ignored, so a clone being handed out
 * is never lost to a recorder's failure.
 */
final class GuardedTemplatingMetrics implements TemplatingMetrics {
    private static final Logger LOG = LoggerFactory.getLogger(GuardedTemplatingMetrics.class);

    private final TemplatingMetrics metrics;
    private final AtomicBoolean warned = new AtomicBoolean();

    private GuardedTemplatingMetrics(TemplatingMetrics metrics) {
        this.metrics = metrics;
    }

    /**
     * @param metrics a user's recorder
     * @return {@link TemplatingMetrics#NONE} itself, else a guarded one
     */
    static TemplatingMetrics of(TemplatingMetrics metrics) {
        return metrics == NONE ? NONE : new GuardedTemplatingMetrics(metrics);
    }

    @Override
    public void stepFinished(Step step, long durationNanos) {
        safely(m -> m.stepFinished(step, durationNanos));
    }

    @Override
    public void cloneStarted(boolean succeeded, long durationNanos) {
        safely(m -> m.cloneStarted(succeeded, durationNanos));
    }

    @Override
    public void templateSaved(boolean succeeded, long durationNanos) {
        safely(m -> m.templateSaved(succeeded, durationNanos));
    }

    @Override
    public void poolStarted(ClonePool pool) {
        safely(m -> m.poolStarted(pool));
    }

    @Override
    public void poolClosed(ClonePool pool) {
        safely(m -> m.poolClosed(pool));
    }

    @Override
    public void poolAcquired(ClonePool pool, boolean succeeded, long durationNanos) {
        safely(m -> m.poolAcquired(pool, succeeded, durationNanos));
    }

    @Override
    public void poolRefilled(ClonePool pool, boolean succeeded) {
        safely(m -> m.poolRefilled(pool, succeeded));
    }

    private void safely(Consumer<TemplatingMetrics> call) {
        try {
            call.accept(metrics);
        } catch (RuntimeException e) {
            if (warned.compareAndSet(false, true)) {
                LOG.warn("TemplatingMetrics {} threw; ignored (further failures are logged at debug level)", metrics,
                        e);
            } else {
                LOG.debug("TemplatingMetrics {} threw; ignored", metrics, e);
            }
        }
    }
}
