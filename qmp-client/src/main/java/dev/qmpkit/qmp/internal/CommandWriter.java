package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The write path. Any thread queues a command (a lock-free queue plus at most one scheduled
 * drain task); the event loop writes what is queued in batches with one flush, so concurrent
 * callers share syscalls. Each command is recorded in {@link PendingCommands} right before it
 * is written, so its reply can never arrive before it is routable.
 */
final class CommandWriter {
    /** Commands written per drain task before flushing and yielding to reads. */
    private static final int MAX_BATCH = 256;

    private final Channel channel;
    private final EventLoop loop;
    private final PendingCommands pending;
    private final Queue<PendingCommand> outbound = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    // Event loop only:
    private QmpConnectionException closed;

    CommandWriter(Channel channel, PendingCommands pending) {
        this.channel = channel;
        this.loop = channel.eventLoop();
        this.pending = pending;
    }

    /** Queues a command; the caller has validated it and holds its future. Any thread. */
    void submit(PendingCommand p) {
        outbound.offer(p);
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                loop.execute(drainTask);
            } catch (RejectedExecutionException e) {
                drainScheduled.set(false);
                failQueued(new QmpConnectionException("the I/O event loop is shut down (QmpResources closed?)", e));
            }
        }
    }

    /** The connection ended: what is queued now or later fails with {@code reason}. Event loop only. */
    void close(QmpConnectionException reason) {
        closed = reason;
        failQueued(reason);
    }

    private void drain() {
        drainScheduled.set(false);
        if (closed != null) {
            failQueued(closed);
            return;
        }
        PendingCommand p;
        int written = 0;
        while (written < MAX_BATCH && (p = outbound.poll()) != null) {
            if (p.future.isDone()) {
                p.releaseMessage(); // cancelled by the caller before it was sent
                continue;
            }
            ByteBuf m = pending.add(p);
            if (p.fd != null) {
                // The descriptor and its command go out back to back in this task, so nothing
                // else is written between them.
                channel.write(p.fd, channel.voidPromise());
            }
            channel.write(m, channel.voidPromise());
            written++;
        }
        if (written > 0) {
            channel.flush();
        }
        if (!outbound.isEmpty() && drainScheduled.compareAndSet(false, true)) {
            // Producers outpaced this batch: let reads and other channels run before the next one.
            loop.execute(drainTask);
        }
    }

    private void failQueued(QmpException cause) {
        PendingCommand p;
        while ((p = outbound.poll()) != null) {
            p.future.completeExceptionally(cause);
            if (loop.inEventLoop()) {
                p.releaseMessage();
            } else {
                PendingCommand q = p;
                try {
                    loop.execute(q::releaseMessage);
                } catch (RejectedExecutionException e) {
                    q.releaseMessage();
                }
            }
        }
    }
}
