package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.EventListener;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpEvent;
import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.QmpTimeoutException;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A client's event subscriptions. Each event from the connection is offered to every
 * subscription, which filters and queues it; {@code awaitEvent} is a one-shot subscription with
 * a timeout. Subscriptions belong to the client, so they outlive a reconnect; once the client
 * has closed, every wait fails.
 */
final class EventDispatcher {
    private final String peer;
    private final Executor executor;
    private final int capacity;
    private final Timer timer;
    private final EventSubscriptionImpl.Backlog backlog;
    private final CopyOnWriteArrayList<EventSubscriptionImpl> subscriptions = new CopyOnWriteArrayList<>();
    private final Set<CompletableFuture<QmpEvent>> awaiters = ConcurrentHashMap.newKeySet();
    private volatile QmpException closedBecause;

    /**
     * @param peer the peer's address, for messages
     * @param executor runs the listeners
     * @param capacity each subscription's queue bound
     * @param timer runs the timeouts of awaitEvent
     * @param backlog told when a subscription falls behind and catches up
     */
    EventDispatcher(String peer, Executor executor, int capacity, Timer timer, EventSubscriptionImpl.Backlog backlog) {
        this.peer = peer;
        this.executor = executor;
        this.capacity = capacity;
        this.timer = timer;
        this.backlog = backlog;
    }

    /** @param event an event from the connection; called on the I/O thread */
    void dispatch(QmpEvent event) {
        for (EventSubscriptionImpl s : subscriptions) {
            s.offer(event);
        }
    }

    /**
     * @param eventNames the names to deliver; empty for every event
     * @param filter further filter, or null
     * @param listener receives the events
     * @return the registered subscription
     */
    EventSubscriptionImpl subscribe(Set<String> eventNames, Predicate<QmpEvent> filter, EventListener listener) {
        EventSubscriptionImpl[] self = new EventSubscriptionImpl[1];
        EventSubscriptionImpl s = new EventSubscriptionImpl(eventNames, filter, listener, executor, capacity, backlog,
                () -> subscriptions.remove(self[0]));
        self[0] = s;
        subscriptions.add(s);
        return s;
    }

    /**
     * Starts waiting now.
     *
     * @param eventName the event name
     * @param filter further filter, or null
     * @param timeout positive
     * @return completed with the first matching event, or failed on timeout or when the client closes
     */
    CompletableFuture<QmpEvent> await(String eventName, Predicate<QmpEvent> filter, Duration timeout) {
        CompletableFuture<QmpEvent> f = new CompletableFuture<>();
        if (closedBecause != null) {
            f.completeExceptionally(new QmpConnectionException("client is closed (" + peer + ")"));
            return f;
        }
        EventSubscriptionImpl s = subscribe(Set.of(eventName), null, event -> {
            if (f.isDone()) {
                return;
            }
            try {
                if (filter == null || filter.test(event)) {
                    f.complete(event);
                }
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        awaiters.add(f);
        Timeout t = timer.newTimeout(x -> f.completeExceptionally(new QmpTimeoutException(
                "no " + eventName + " event from " + peer + " within " + timeout, timeout)),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        f.whenComplete((ev, e) -> {
            s.close();
            t.cancel();
            awaiters.remove(f);
        });
        if (closedBecause != null) { // closed while registering: close() may have missed this one
            f.completeExceptionally(new QmpConnectionException("client is closed (" + peer + ")"));
        }
        return f;
    }

    /** @param cause why the client closed for good: every wait fails, now and later */
    void close(QmpException cause) {
        closedBecause = cause;
        for (CompletableFuture<QmpEvent> f : awaiters) {
            f.completeExceptionally(new QmpConnectionException("connection closed while waiting for an event: "
                    + cause.getMessage(), cause));
        }
    }
}
