package dev.qmpkit.qmp.internal;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs tasks one at a time, in submission order, on a shared executor (connection listener callbacks). */
final class SerialExecutor implements Executor {
    private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);

    private final Executor delegate;
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    private boolean running;

    SerialExecutor(Executor delegate) {
        this.delegate = delegate;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (tasks) {
            tasks.addLast(task);
            if (running) {
                return;
            }
            running = true;
        }
        startDrain();
    }

    private void startDrain() {
        try {
            delegate.execute(this::drain);
        } catch (RejectedExecutionException e) {
            synchronized (tasks) {
                running = false;
                tasks.clear();
            }
            LOG.warn("listener executor rejected a callback: {}", e.toString());
        }
    }

    private void drain() {
        while (true) {
            Runnable r;
            synchronized (tasks) {
                r = tasks.pollFirst();
                if (r == null) {
                    running = false;
                    return;
                }
            }
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.warn("listener callback threw", e);
            } catch (Error e) {
                // Not ours to handle: it goes to the executor's thread, and the callbacks still
                // queued get a fresh drain task instead of waiting for ever behind "running".
                boolean more;
                synchronized (tasks) {
                    more = !tasks.isEmpty();
                    running = more;
                }
                if (more) {
                    startDrain();
                }
                throw e;
            }
        }
    }
}
