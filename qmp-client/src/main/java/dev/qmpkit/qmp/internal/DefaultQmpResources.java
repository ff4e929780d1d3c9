package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.QmpResources;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns an event-loop group (epoll when the native transport loads, NIO otherwise) and a timer
 * for command timeouts. The process-wide instance uses daemon threads and ignores close().
 */
public final class DefaultQmpResources implements QmpResources {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultQmpResources.class);

    private static final class SharedHolder {
        static final DefaultQmpResources SHARED = new DefaultQmpResources(1, true, false);
    }

    /**
     * Default executor for event and connection listeners: threads are created on demand and
     * expire when idle, so a client or subscription never owns a thread of its own; each
     * subscription drains its queue serially, which keeps its order.
     */
    private static final class EventPoolHolder {
        static final ExecutorService POOL = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
                new SynchronousQueue<>(), new DefaultThreadFactory("qmpkit-events", true));
    }

    private final IoEventLoopGroup group;
    private final HashedWheelTimer timer;
    private final boolean nativeTransport;
    private final boolean shared;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DefaultQmpResources(int ioThreads, boolean shared, boolean forceNio) {
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be >= 1, got " + ioThreads);
        }
        this.shared = shared;
        this.nativeTransport = !forceNio && Epoll.isAvailable();
        DefaultThreadFactory ioThreadFactory = new DefaultThreadFactory(shared ? "qmpkit-io-shared" : "qmpkit-io", true);
        if (nativeTransport) {
            group = new MultiThreadIoEventLoopGroup(ioThreads, ioThreadFactory, EpollIoHandler.newFactory());
        } else {
            if (!forceNio) {
                LOG.info("native epoll transport unavailable ({}); using NIO, file-descriptor passing is disabled",
                        String.valueOf(Epoll.unavailabilityCause()));
            }
            group = new MultiThreadIoEventLoopGroup(ioThreads, ioThreadFactory, NioIoHandler.newFactory());
        }
        // 10 ms ticks: command timeouts are seconds, so the wheel's coarseness never matters,
        // and scheduling or cancelling a timeout is O(1) from any thread.
        timer = new HashedWheelTimer(new DefaultThreadFactory(shared ? "qmpkit-timer-shared" : "qmpkit-timer", true),
                10, TimeUnit.MILLISECONDS, 512);
    }

    /**
     * @param ioThreads at least 1
     * @return new resources owned by the caller
     */
    public static QmpResources create(int ioThreads) {
        return new DefaultQmpResources(ioThreads, false, false);
    }

    /**
     * @param ioThreads at least 1
     * @return resources on the JDK's NIO transport, as when epoll cannot load
     */
    static QmpResources createNio(int ioThreads) {
        return new DefaultQmpResources(ioThreads, false, true);
    }

    /** @return the process-wide resources */
    public static QmpResources shared() {
        return SharedHolder.SHARED;
    }

    /**
     * @param resources the option value, or null
     * @return the implementation to use
     */
    static DefaultQmpResources of(QmpResources resources) {
        QmpResources r = resources == null ? shared() : resources;
        if (!(r instanceof DefaultQmpResources d)) {
            throw new IllegalArgumentException("QmpResources must come from QmpResources.create() or shared(), got "
                    + r.getClass().getName());
        }
        if (d.closed.get()) {
            throw new IllegalStateException("these QmpResources are closed");
        }
        return d;
    }

    /** @return the default listener executor */
    static ExecutorService defaultEventExecutor() {
        return EventPoolHolder.POOL;
    }

    IoEventLoopGroup group() {
        return group;
    }

    Timer timer() {
        return timer;
    }

    @Override
    public boolean nativeTransport() {
        return nativeTransport;
    }

    @Override
    public void close() {
        if (shared || !closed.compareAndSet(false, true)) {
            return;
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        timer.stop();
    }

    @Override
    public String toString() {
        return (shared ? "shared " : "") + "QmpResources[" + (nativeTransport ? "epoll" : "nio") + "]";
    }
}
