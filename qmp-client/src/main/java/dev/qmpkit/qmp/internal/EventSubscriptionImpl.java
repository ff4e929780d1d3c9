package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.EventListener;
import dev.qmpkit.qmp.EventSubscription;
import dev.qmpkit.qmp.QmpEvent;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listener with its own bounded queue, drained serially on the event executor (so its
 * events arrive in order without a thread of its own). The I/O thread only enqueues; when the
 * queue is full the oldest event is dropped, so a slow listener can neither grow memory nor
 * hold up command replies.
 */
final class EventSubscriptionImpl implements EventSubscription, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(EventSubscriptionImpl.class);
    private static final long WARN_INTERVAL_NANOS = 5_000_000_000L;
    private static final int BATCH = 64;

    private final String eventName;
    private final Predicate<QmpEvent> filter;
    private final EventListener listener;
    private final Executor executor;
    private final int capacity;
    private final Runnable onClose;
    private final ArrayDeque<QmpEvent> queue = new ArrayDeque<>();
    private final AtomicLong dropped = new AtomicLong();
    private boolean scheduled;
    private volatile boolean closed;
    private long lastWarnNanos;
    private long droppedAtLastWarn;

    EventSubscriptionImpl(String eventName, Predicate<QmpEvent> filter, EventListener listener, Executor executor,
                          int capacity, Runnable onClose) {
        this.eventName = eventName;
        this.filter = filter;
        this.listener = listener;
        this.executor = executor;
        this.capacity = capacity;
        this.onClose = onClose;
    }

    /** Called on the I/O thread; never blocks on the listener. */
    void offer(QmpEvent event) {
        if (closed || (eventName != null && !eventName.equals(event.name()))) {
            return;
        }
        boolean schedule;
        synchronized (queue) {
            if (queue.size() >= capacity) {
                queue.pollFirst();
                long n = dropped.incrementAndGet();
                long now = System.nanoTime();
                if (lastWarnNanos == 0 || now - lastWarnNanos >= WARN_INTERVAL_NANOS) {
                    LOG.warn("event listener for {} is too slow: dropped {} oldest events ({} since the last warning);"
                                    + " queue capacity is {} (QmpOptions.eventQueueCapacity)",
                            eventName == null ? "all events" : eventName, n, n - droppedAtLastWarn, capacity);
                    lastWarnNanos = now;
                    droppedAtLastWarn = n;
                }
            }
            queue.addLast(event);
            schedule = !scheduled;
            scheduled = true;
        }
        if (schedule) {
            try {
                executor.execute(this);
            } catch (RejectedExecutionException e) {
                synchronized (queue) {
                    scheduled = false;
                }
                LOG.warn("event executor rejected delivery for {}: {}", eventName, e.toString());
            }
        }
    }

    @Override
    public void run() {
        for (int i = 0; i < BATCH; i++) {
            QmpEvent event;
            synchronized (queue) {
                event = queue.pollFirst();
                if (event == null) {
                    scheduled = false;
                    return;
                }
            }
            if (closed) {
                continue;
            }
            try {
                if (filter == null || filter.test(event)) {
                    listener.onEvent(event);
                }
            } catch (RuntimeException e) {
                LOG.warn("event listener for {} threw on {}", eventName, event.name(), e);
            } catch (Error e) {
                // Not ours to handle (OutOfMemoryError, AssertionError): it goes to the executor's
                // thread, and the events still queued get a fresh drain task.
                reschedule();
                throw e;
            }
        }
        // Yield the executor thread after a batch so one busy subscription cannot monopolise it.
        reschedule();
    }

    private void reschedule() {
        try {
            executor.execute(this);
        } catch (RejectedExecutionException e) {
            synchronized (queue) {
                scheduled = false;
            }
        }
    }

    @Override
    public long droppedEvents() {
        return dropped.get();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            synchronized (queue) {
                queue.clear();
            }
            onClose.run();
        }
    }

    @Override
    public String toString() {
        return "EventSubscription[" + (eventName == null ? "*" : eventName) + ", dropped=" + dropped.get() + "]";
    }
}
