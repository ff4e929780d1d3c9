package dev.qmpkit.qmp;

import dev.qmpkit.qmp.internal.DefaultQmpResources;

/**
 * The expensive things clients share: the I/O event loop and the timer for timeouts.
 * Create one per application and pass it to every client through
 * {@link QmpOptions.Builder#resources}; clients borrow it and never close it. Without it,
 * clients use {@link #shared()}, a process-wide instance of daemon threads.
 */
public interface QmpResources extends AutoCloseable {

    /**
     * @param ioThreads number of I/O threads, at least 1
     * @return new resources, owned by the caller (close them when done)
     */
    static QmpResources create(int ioThreads) {
        return DefaultQmpResources.create(ioThreads);
    }

    /** @return the process-wide default resources (one daemon I/O thread); closing them does nothing */
    static QmpResources shared() {
        return DefaultQmpResources.shared();
    }

    /** @return whether the native epoll transport is in use (needed for fd passing) */
    boolean nativeTransport();

    /** Shuts the event loop down. Idempotent. Clients still using it are closed. */
    @Override
    void close();
}
