package dev.qmpkit.qmp;

import java.util.Set;

/**
 * A registered {@link EventListener}. Each subscription has its own bounded queue; when the
 * listener falls behind by more than {@link QmpOptions#eventQueueCapacity()} events, the
 * oldest queued events are dropped (counted here, logged at WARN, and reported once per episode
 * to {@link ConnectionListener#onSubscriptionFellBehind}), so a slow listener never grows memory
 * without bound and never delays command replies.
 */
public interface EventSubscription extends AutoCloseable {

    /** @return the event names this subscription receives; empty when it receives every event; never null */
    Set<String> eventNames();

    /** @return how many events this subscription dropped because its queue was full */
    long droppedEvents();

    /** Stops delivery; events still queued are not delivered. Idempotent. */
    @Override
    void close();
}
