package dev.qmpkit.qmp.launch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How to release what a multi-step start acquired, run newest first (firecracker-go-sdk's
 * {@code cleanupFuncs}): each step that acquires something pushes its release right away, and
 * a failure at any later step runs the stack instead of a catch block per step. A start that
 * succeeds hands the stack to what it started, whose {@code close()} runs it.
 *
 * <pre>{@code
 * CleanupStack cleanups = new CleanupStack();
 * Path dir = Files.createTempDirectory("vm");
 * cleanups.push("delete " + dir, () -> Files.delete(dir));
 * try {
 *     ...                          // later steps push their own releases
 * } catch (RuntimeException e) {
 *     cleanups.run();              // newest first; each failure is logged, the rest still run
 *     throw e;
 * }
 * }</pre>
 *
 * <p>{@link #run()} runs each action once, even when called again or concurrently; an action
 * pushed after that runs at once, so a resource that arrives late (a start that was already
 * abandoned) is still released. Thread-safe.
 */
public final class CleanupStack implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CleanupStack.class);

    /** One release. */
    @FunctionalInterface
    public interface Action {
        /**
         * Releases one resource.
         *
         * @throws Exception when it cannot; the stack logs it and goes on with the others
         */
        void run() throws Exception;
    }

    private record Entry(String what, Action action) {
    }

    private final Deque<Entry> entries = new ArrayDeque<>();
    private boolean ran;

    /**
     * Pushes a release; runs it at once when the stack has already run.
     *
     * @param what what is released, for the log when it fails; never null
     * @param action the release; never null
     * @return this
     */
    public CleanupStack push(String what, Action action) {
        Entry e = new Entry(Objects.requireNonNull(what, "what"), Objects.requireNonNull(action, "action"));
        synchronized (this) {
            if (!ran) {
                entries.push(e);
                return this;
            }
        }
        runOne(e);
        return this;
    }

    /** @return whether {@link #run()} was called */
    public synchronized boolean hasRun() {
        return ran;
    }

    /**
     * Runs every release pushed so far, newest first, each at most once. A release that throws
     * is logged at WARN and the others still run; an interrupt is kept for the caller.
     */
    public void run() {
        List<Entry> todo;
        synchronized (this) {
            ran = true;
            todo = new ArrayList<>(entries);
            entries.clear();
        }
        for (Entry e : todo) {
            runOne(e);
        }
    }

    /** Same as {@link #run()}, so a stack can close a try-with-resources block. */
    @Override
    public void close() {
        run();
    }

    private static void runOne(Entry e) {
        try {
            e.action().run();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            LOG.warn("clean-up '{}' was interrupted", e.what());
        } catch (Exception ex) {
            LOG.warn("clean-up '{}' failed: {}", e.what(), ex.toString());
        }
    }
}
