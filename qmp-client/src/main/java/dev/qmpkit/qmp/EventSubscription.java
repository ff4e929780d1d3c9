package dev.qmpkit.qmp;

/**
 * A registered {@link EventListener}. Each subscription has its own bounded queue; when the
 * listener falls behind by more than {@link QmpOptions#eventQueueCapacity()} events, the
 * oldest queued events are dropped (and counted here, and logged at WARN), so a slow
 * listener never grows memory without bound and never delays command replies.
 */
public interface EventSubscription extends AutoCloseable {

    /** @return how many events this subscription dropped because its queue was full */
    long droppedEvents();

    /** Stops delivery. Idempotent. */
    @Override
    void close();
}
