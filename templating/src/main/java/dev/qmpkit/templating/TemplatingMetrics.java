package dev.qmpkit.templating;

/**
 * Receives measurements of the templating workflows: the SPI behind
 * {@link Templating.Builder#metrics}. It names no metrics library;
 * {@code dev.qmpkit.templating.micrometer.MicrometerTemplatingMetrics} records into a Micrometer
 * {@code MeterRegistry}, and anything else can implement it. Every method has an empty default,
 * so implement only what you need. (The monitor clients' own measurements are
 * {@link dev.qmpkit.qmp.QmpMetrics}, set on {@link Templating.Builder#qmpOptions}.)
 *
 * <p>With {@link #NONE} (the default) nothing is measured. Methods are called on the threads
 * doing the work, from several at once: keep them quick and thread-safe. An exception thrown is
 * logged once and ignored.
 */
public interface TemplatingMetrics {

    /** Measures nothing; the default. */
    TemplatingMetrics NONE = new TemplatingMetrics() {
    };

    /**
     * A step of a template's launch or save, or of a clone's start, finished successfully:
     * for a clone {@link Step#VERIFY_MANIFEST}, {@link Step#CLONE_LAUNCH},
     * {@link Step#RESTORE_STATE}, {@link Step#IDENTITY} and {@link Step#RESUME}.
     *
     * @param step the step; never null
     * @param durationNanos how long it took, in nanoseconds
     */
    default void stepFinished(Step step, long durationNanos) {
    }

    /**
     * A clone's start ended ({@link Templating#startClone}, pools included): from the call to a
     * clone running (or paused, as asked), or to the failure.
     *
     * @param succeeded whether a clone came out of it
     * @param durationNanos how long it took, in nanoseconds
     */
    default void cloneStarted(boolean succeeded, long durationNanos) {
    }

    /**
     * A template save ended ({@link TemplateVm#save}): from the call to a durable template
     * directory, or to the failure.
     *
     * @param succeeded whether the template was saved
     * @param durationNanos how long it took, in nanoseconds
     */
    default void templateSaved(boolean succeeded, long durationNanos) {
    }

    /**
     * A warm pool started; {@link ClonePool#available()} is its size now, until
     * {@link #poolClosed}.
     *
     * @param pool the pool; never null
     */
    default void poolStarted(ClonePool pool) {
    }

    /**
     * A warm pool was closed.
     *
     * @param pool the pool; never null
     */
    default void poolClosed(ClonePool pool) {
    }

    /**
     * A {@link ClonePool#acquire} returned a clone or gave up.
     *
     * @param pool the pool; never null
     * @param succeeded whether it handed out a running clone
     * @param durationNanos from the call to its return (waiting for a ready clone, and resuming it)
     */
    default void poolAcquired(ClonePool pool, boolean succeeded, long durationNanos) {
    }

    /**
     * A warm pool started a clone in the background to refill itself.
     *
     * @param pool the pool; never null
     * @param succeeded whether the clone is now waiting in the pool (on failure the pool retries later)
     */
    default void poolRefilled(ClonePool pool, boolean succeeded) {
    }
}
