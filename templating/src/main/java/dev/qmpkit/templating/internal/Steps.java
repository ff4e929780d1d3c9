package dev.qmpkit.templating.internal;

import dev.qmpkit.templating.ProgressListener;
import dev.qmpkit.templating.Step;
import dev.qmpkit.templating.inspect.Finding;
import dev.qmpkit.templating.fixup.FixUpResult;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Times workflow steps and reports them to a listener that may not throw into the workflow. */
public final class Steps {
    private static final Logger LOG = LoggerFactory.getLogger(Steps.class);

    private final ProgressListener listener;
    private final String vmName;
    private volatile Step current;

    /**
     * @param listener receives reports
     * @param vmName the VM they concern
     */
    public Steps(ProgressListener listener, String vmName) {
        this.listener = listener;
        this.vmName = vmName;
    }

    /** @return the step running or last run, or null */
    public Step current() {
        return current;
    }

    /** Runs a step, reporting start, finish (with duration) or failure. */
    public <T> T run(Step step, Supplier<T> work) {
        current = step;
        safe(() -> listener.stepStarted(step, vmName));
        long t0 = System.nanoTime();
        T result;
        try {
            result = work.get();
        } catch (RuntimeException | Error e) {
            safe(() -> listener.stepFailed(step, vmName, e));
            throw e;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        LOG.debug("{}: {} took {} ms", vmName, step, took.toNanos() / 1e6);
        safe(() -> listener.stepFinished(step, vmName, took));
        return result;
    }

    /** Runs a step without a result. */
    public void run(Step step, Runnable work) {
        run(step, () -> {
            work.run();
            return null;
        });
    }

    /** Tells the listener about a warning a step's check found. */
    public void warning(Step step, Finding warning) {
        safe(() -> listener.warning(step, vmName, warning));
    }

    /** Reports one fix-up's result. */
    public void fixUpFinished(FixUpResult result) {
        safe(() -> listener.fixUpFinished(vmName, result));
    }

    private static void safe(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("progress listener failed: {}", e.toString());
        }
    }
}
