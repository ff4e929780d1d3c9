package dev.qmpkit.templating;

import java.time.Duration;

/**
 * A workflow's progress listener that also hands each finished step's time to the
 * {@link TemplatingMetrics}: the workflows time their steps once, for both.
 */
final class MeasuredProgress implements ProgressListener {
    private final ProgressListener listener;
    private final TemplatingMetrics metrics;

    private MeasuredProgress(ProgressListener listener, TemplatingMetrics metrics) {
        this.listener = listener;
        this.metrics = metrics;
    }

    /**
     * @param listener the caller's listener
     * @param metrics the owner's metrics
     * @return {@code listener} itself when nothing is measured, else a listener that also measures
     */
    static ProgressListener of(ProgressListener listener, TemplatingMetrics metrics) {
        return metrics == TemplatingMetrics.NONE ? listener : new MeasuredProgress(listener, metrics);
    }

    @Override
    public void stepStarted(Step step, String vmName) {
        listener.stepStarted(step, vmName);
    }

    @Override
    public void stepFinished(Step step, String vmName, Duration took) {
        try {
            metrics.stepFinished(step, took.toNanos());
        } finally {
            listener.stepFinished(step, vmName, took);
        }
    }

    @Override
    public void stepFailed(Step step, String vmName, Throwable failure) {
        listener.stepFailed(step, vmName, failure);
    }

    @Override
    public void migrationProgress(String vmName, String status, long transferredBytes) {
        listener.migrationProgress(vmName, status, transferredBytes);
    }
}
