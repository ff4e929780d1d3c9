package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.EventListener;
import dev.qmpkit.qmp.EventSubscription;
import dev.qmpkit.qmp.QmpEvent;
import java.util.ArrayDeque;
import java.util.Set;
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
 * hold up command replies. The first drop of an episode and the moment the listener has caught
 * up again (its queue emptied) are reported to the {@link Backlog}, once each, never per event.
 */
final class EventSubscriptionImpl implements EventSubscription, Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(EventSubscriptionImpl.class);
    private static final long WARN_INTERVAL_NANOS = 5_000_000_000L;
    private static final int BATCH = 64;

    /** Told when a subscription starts dropping events and when it has caught up again. */
    interface Backlog {
        /**
         * The subscription's queue was full and it dropped its oldest event; called once until
         * {@link #caughtUp}.
         *
         * @param s the subscription
         */
        void fellBehind(EventSubscriptionImpl s);

        /**
         * The listener emptied the subscription's queue after it fell behind.
         *
         * @param s the subscription
         * @param dropped how many events it dropped since it fell behind
         */
        void caughtUp(EventSubscriptionImpl s, long dropped);

        /**
         * The subscription dropped this event, its oldest, to make room; called for every event
         * dropped, outside the subscription's lock.
         *
         * @param event the event dropped
         */
        default void dropped(QmpEvent event) {
        }
    }

    private final Set<String> eventNames;
    private final Predicate<QmpEvent> filter;
    private final EventListener listener;
    private final Executor executor;
    private final int capacity;
    private final Backlog backlog;
    private final Runnable onClose;
    private final ArrayDeque<QmpEvent> queue = new ArrayDeque<>();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;
    // Guarded by queue:
    private boolean scheduled;
    private boolean behind;
    private long droppedBefore;
    private long lastWarnNanos;
    private long droppedAtLastWarn;

    /**
     * @param eventNames the names to deliver; empty for every event
     * @param filter further filter, or null
     * @param listener receives the events
     * @param executor runs the listener
     * @param capacity the queue bound
     * @param backlog told when the subscription falls behind and catches up
     * @param onClose run once when the subscription is closed
     */
    EventSubscriptionImpl(Set<String> eventNames, Predicate<QmpEvent> filter, EventListener listener, Executor executor,
                          int capacity, Backlog backlog, Runnable onClose) {
        this.eventNames = eventNames;
        this.filter = filter;
        this.listener = listener;
        this.executor = executor;
        this.capacity = capacity;
        this.backlog = backlog;
        this.onClose = onClose;
    }

    /** Called on the I/O thread; never blocks on the listener. */
    void offer(QmpEvent event) {
        if (closed || !(eventNames.isEmpty() || eventNames.contains(event.name()))) {
            return;
        }
        boolean schedule;
        QmpEvent droppedEvent = null;
        synchronized (queue) {
            if (queue.size() >= capacity) {
                droppedEvent = queue.pollFirst();
                long n = dropped.incrementAndGet();
                if (!behind) {
                    behind = true;
                    droppedBefore = n - 1;
                    // Under the lock, so that caughtUp can never be submitted before it.
                    backlog.fellBehind(this);
                }
                warnDropped(n);
            }
            queue.addLast(event);
            schedule = !scheduled;
            scheduled = true;
        }
        if (droppedEvent != null) {
            backlog.dropped(droppedEvent);
        }
        if (schedule) {
            try {
                executor.execute(this);
            } catch (RejectedExecutionException e) {
                synchronized (queue) {
                    scheduled = false;
                }
                LOG.warn("event executor rejected delivery for {}: {}", describeNames(), e.toString());
            }
        }
    }

    private void warnDropped(long n) {
        long now = System.nanoTime();
        if (lastWarnNanos == 0 || now - lastWarnNanos >= WARN_INTERVAL_NANOS) {
            LOG.warn("event listener for {} is too slow: dropped {} oldest events ({} since the last warning);"
                            + " queue capacity is {} (QmpOptions.eventQueueCapacity)",
                    describeNames(), n, n - droppedAtLastWarn, capacity);
            lastWarnNanos = now;
            droppedAtLastWarn = n;
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
                    if (behind) {
                        behind = false;
                        if (!closed) {
                            backlog.caughtUp(this, dropped.get() - droppedBefore);
                        }
                    }
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
                LOG.warn("event listener for {} threw on {}", describeNames(), event.name(), e);
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
    public Set<String> eventNames() {
        return eventNames;
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

    private String describeNames() {
        return eventNames.isEmpty() ? "all events" : String.join(", ", eventNames);
    }

    @Override
    public String toString() {
        return "EventSubscription[" + (eventNames.isEmpty() ? "*" : String.join(",", eventNames))
                + ", dropped=" + dropped.get() + "]";
    }
}
