package dev.qmpkit.templating;

import dev.qmpkit.qmp.QmpException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A warm pool: keeps up to {@code size} clones of one template restored and paused, so
 * {@link #acquire()} only has to resume one ({@code cont}, well under a millisecond of QMP
 * round trip). Refills in the background, one clone at a time, never beyond {@code size}
 * clones waiting or starting. A waiting clone whose QEMU dies is dropped and replaced.
 * Acquired clones belong to the caller (close them); {@link #close()} stops every clone still
 * in the pool and any being started. Clones are started by a {@link Templating}
 * ({@link Templating#startPool}; {@link #start} uses the template's). Thread-safe.
 *
 * <pre>{@code
 * try (ClonePool pool = ClonePool.start(template, 4, CloneOptions.defaults())) {
 *     try (CloneVm vm = pool.acquire()) { ... }
 * }
 * }</pre>
 */
public final class ClonePool implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClonePool.class);
    private static final Duration RETRY_DELAY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(30);

    private final Templating templating;
    private final Template template;
    private final CloneOptions options;
    private final int size;
    private final LinkedBlockingDeque<CloneVm> ready = new LinkedBlockingDeque<>();
    private final AtomicInteger starting = new AtomicInteger();
    private final AtomicLong replaced = new AtomicLong();
    private final ScheduledExecutorService refiller;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Void> closeDone = new CompletableFuture<>();
    private volatile boolean closed;
    private volatile Throwable lastFailure;
    private final AtomicInteger consecutiveFailures = new AtomicInteger();

    private ClonePool(Templating templating, Template template, int size, CloneOptions options) {
        this.templating = templating;
        this.template = template;
        this.size = size;
        // Pool members wait paused; acquire() resumes them.
        this.options = options.toBuilder().resume(false).build();
        ScheduledThreadPoolExecutor exec = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "qmpkit-pool-" + template.directory().getFileName());
            t.setDaemon(true);
            return t;
        });
        // A pending retry must not hold up close().
        exec.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.refiller = exec;
    }

    /**
     * Creates the pool and starts filling it in the background, with the template's
     * {@link Template#templating() owner}.
     *
     * @param template the template; never null
     * @param size how many clones to keep ready, 1 to 64
     * @param options clone options (their {@code resume} is ignored: members wait paused); never null
     * @return the pool
     */
    public static ClonePool start(Template template, int size, CloneOptions options) {
        Objects.requireNonNull(template, "template");
        return template.templating().startPool(template, size, options);
    }

    static ClonePool create(Templating templating, Template template, int size, CloneOptions options) {
        if (size < 1 || size > 64) {
            throw new IllegalArgumentException("pool size must be 1 to 64, not " + size);
        }
        ClonePool pool = new ClonePool(templating, template, size, options);
        templating.measure().poolStarted(pool);
        pool.refill();
        return pool;
    }

    /**
     * Takes a ready clone, waiting up to the options' restore timeout for one.
     *
     * @return a running clone, now owned by the caller; never null
     * @throws TemplatingException when none became ready in time (with the last start failure)
     * @throws IllegalStateException when the pool is closed
     */
    public CloneVm acquire() {
        return acquire(options.restoreTimeout());
    }

    /**
     * Takes a ready clone and resumes it (on its first resume it waits for its guest agent and
     * runs its fix-ups, see {@link CloneVm#resume()}); the pool starts a replacement in the
     * background.
     *
     * @param timeout how long to wait when none is ready; never null
     * @return a running clone, now owned by the caller; never null
     * @throws TemplatingException when none became ready in time (with the last start failure)
     * @throws CloneRestoreException when the clone's agent did not answer or a fix-up failed it
     * @throws IllegalStateException when the pool is closed
     */
    public CloneVm acquire(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        long t0 = System.nanoTime();
        boolean ok = false;
        try {
            CloneVm vm = take(timeout);
            ok = true;
            return vm;
        } finally {
            templating.measure().poolAcquired(this, ok, System.nanoTime() - t0);
        }
    }

    private CloneVm take(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (closed) {
                throw new IllegalStateException("the clone pool for " + template.directory() + " is closed");
            }
            long left = deadline - System.nanoTime();
            CloneVm vm;
            try {
                vm = ready.pollFirst(Math.max(0, left), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new TemplatingException("interrupted while waiting for a clone of " + template.directory(), e);
            }
            if (vm == null) {
                Throwable f = lastFailure;
                throw new TemplatingException("no clone of " + template.directory() + " became ready within "
                        + timeout.toMillis() + " ms (pool size " + size + ")"
                        + (f == null ? "" : "; the last clone start failed: " + f.getMessage()), f);
            }
            if (!vm.isAlive()) {
                discardDead(vm);
                continue;
            }
            try {
                // The refill starts once 'cont' is answered, on the thread that completes it and after
                // the waiting caller was woken: spawning a QEMU competes for the CPU with 'cont', and
                // waking the refill thread from the caller let it run first, on the caller's time.
                vm.resume(this::refill);
                return vm;
            } catch (CloneRestoreException e) {
                if (e.step() == Step.RESUME) {
                    LOG.warn("pool clone {} could not be resumed ({}); replacing it", vm.name(), e.getMessage());
                    discardDead(vm);
                    continue;
                }
                // Its agent or a fix-up failed: the clone is stopped, and the next one would fail alike.
                discardDead(vm);
                throw e;
            } catch (QmpException e) {
                LOG.warn("pool clone {} could not be resumed ({}); replacing it", vm.name(), e.getMessage());
                discardDead(vm);
            }
        }
    }

    /** @return the template this pool clones; never null */
    public Template template() {
        return template;
    }

    /** @return the configured number of ready clones */
    public int size() {
        return size;
    }

    /** @return how many clones are ready now */
    public int available() {
        return ready.size();
    }

    /** @return the clones waiting now (a snapshot, for tests and diagnostics); never null */
    List<CloneVm> waiting() {
        return List.copyOf(ready);
    }

    /** @return how many waiting clones died and were replaced since the pool started */
    public long replacedCount() {
        return replaced.get();
    }

    /**
     * Stops every clone waiting in the pool and any being started, and waits for them. Clones
     * already acquired are the caller's. Idempotent; a concurrent call returns only once the
     * first has stopped every clone.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            closeDone.join();
            return;
        }
        closed = true;
        try {
            stopAll();
        } finally {
            templating.closed(this);
            templating.measure().poolClosed(this);
            closeDone.complete(null);
        }
    }

    private void stopAll() {
        refiller.shutdown();
        try {
            // A start in progress finishes (or times out) and then sees 'closed' and stops its clone.
            if (!refiller.awaitTermination(options.restoreTimeout().toMillis() + 5000, TimeUnit.MILLISECONDS)) {
                refiller.shutdownNow();
            }
        } catch (InterruptedException e) {
            refiller.shutdownNow();
            Thread.currentThread().interrupt();
        }
        List<CloneVm> left = new ArrayList<>();
        ready.drainTo(left);
        ExecutorService stopper = Executors.newFixedThreadPool(Math.max(1, Math.min(left.size(), 8)));
        try {
            for (CloneVm vm : left) {
                stopper.execute(vm::close);
            }
        } finally {
            stopper.shutdown();
            try {
                stopper.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void discardDead(CloneVm vm) {
        replaced.incrementAndGet();
        vm.close();
        refill();
    }

    private void refill() {
        if (closed) {
            return;
        }
        while (true) {
            int s = starting.get();
            if (closed || ready.size() + s >= size) {
                return;
            }
            if (starting.compareAndSet(s, s + 1)) {
                try {
                    refiller.execute(this::startOne);
                } catch (RejectedExecutionException e) {
                    starting.decrementAndGet();
                    return;
                }
            }
        }
    }

    private void startOne() {
        CloneVm vm;
        try {
            vm = templating.startClone(template, options);
        } catch (RuntimeException | Error e) {
            // Accounted for whatever was thrown: a start that is not counted off leaves the pool short for good.
            starting.decrementAndGet();
            templating.measure().poolRefilled(this, false);
            retryLater(e);
            if (e instanceof Error err) {
                throw err;
            }
            return;
        }
        if (closed) {
            starting.decrementAndGet();
            vm.close();
            return;
        }
        lastFailure = null;
        consecutiveFailures.set(0);
        ready.addLast(vm);
        starting.decrementAndGet();
        templating.measure().poolRefilled(this, true);
        vm.process().onExit().thenRun(() -> {
            if (ready.remove(vm)) {
                LOG.warn("pool clone {} (pid {}) died while waiting; replacing it", vm.name(), vm.pid());
                discardDead(vm);
            }
        });
    }

    private void retryLater(Throwable e) {
        lastFailure = e;
        // Back off (1 s doubling to 30 s) so a broken template does not spin QEMU launches.
        int n = Math.min(consecutiveFailures.getAndIncrement(), 5);
        long delay = Math.min(MAX_RETRY_DELAY.toMillis(), RETRY_DELAY.toMillis() << n);
        if (e instanceof Error) {
            LOG.error("pool could not start a clone of {} (retrying in {} ms)", template.directory(), delay, e);
        } else {
            LOG.warn("pool could not start a clone of {} (retrying in {} ms): {}", template.directory(), delay,
                    e.getMessage());
        }
        if (!closed) {
            try {
                refiller.schedule(this::refill, delay, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException ignored) {
                // closing
            }
        }
    }

    @Override
    public String toString() {
        return "ClonePool[" + template.directory() + ", " + ready.size() + "/" + size + " ready]";
    }
}
