package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.CommandOutcome;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpMetrics;
import dev.qmpkit.qmp.QmpTimeoutException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.Timer;
import io.netty.util.collection.LongObjectHashMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The commands written and not answered yet, by id, each with its timeout: a timer task per
 * command that fails its future and is cancelled by the reply. Ids are never reused, so an id
 * at or below the highest one written is known as ours even after its command timed out: its
 * late reply is dropped, never given to another command. Event loop only (the timer hands its
 * expiry over to the loop). It tells the {@link QmpMetrics} when each command starts and how it
 * ends; with {@link QmpMetrics#NONE} it does not even read the clock.
 */
final class PendingCommands {
    private final LongObjectHashMap<PendingCommand> byId = new LongObjectHashMap<>();
    private final EventLoop loop;
    private final Timer timer;
    private final Supplier<String> describedPeer;
    private final QmpMetrics metrics;
    private final boolean measured;
    private long highestWrittenId = -1;
    private int strayErrorsExpected;

    /**
     * @param loop the connection's event loop
     * @param timer runs the timeouts
     * @param describedPeer names the peer in timeout messages
     * @param metrics told when each command starts and ends
     */
    PendingCommands(EventLoop loop, Timer timer, Supplier<String> describedPeer, QmpMetrics metrics) {
        this.loop = loop;
        this.timer = timer;
        this.describedPeer = describedPeer;
        this.metrics = metrics;
        this.measured = metrics != QmpMetrics.NONE;
    }

    /**
     * Records a command about to be written and starts its timeout.
     *
     * @param p the command; its future is not done
     * @return its message, now owned by the caller to write
     */
    ByteBuf add(PendingCommand p) {
        byId.put(p.id, p);
        highestWrittenId = Math.max(highestWrittenId, p.id);
        if (p.fd != null) {
            // QEMU answers the payload byte that carries a descriptor with one id-less parse error.
            strayErrorsExpected++;
        }
        p.timeout = timer.newTimeout(t -> expireOnLoop(p), p.timeoutNanos, TimeUnit.NANOSECONDS);
        if (measured) {
            p.startNanos = System.nanoTime();
            metrics.commandStarted(p.command);
        }
        ByteBuf m = p.message;
        p.message = null;
        return m;
    }

    /**
     * @param id an id from a reply
     * @param error whether the reply is an error
     * @return the command it answers, no longer pending and with its timeout cancelled; or null
     */
    PendingCommand answer(long id, boolean error) {
        PendingCommand p = id >= 0 ? byId.remove(id) : null;
        if (p != null) {
            p.cancelTimeout();
            finished(p, error ? CommandOutcome.ERROR : CommandOutcome.SUCCESS);
        }
        return p;
    }

    /**
     * @param id an id from a reply that answers no pending command
     * @return whether this connection wrote it (a late or duplicate reply), rather than never sent it
     */
    boolean wasWritten(long id) {
        return id >= 0 && id <= highestWrittenId;
    }

    /** @return whether an id-less error is the one expected for a descriptor sent (and consumes it) */
    boolean takeExpectedStrayError() {
        if (strayErrorsExpected > 0) {
            strayErrorsExpected--;
            return true;
        }
        return false;
    }

    /** @param reason what every pending command fails with; the table is empty afterwards */
    void failAll(QmpConnectionException reason) {
        List<PendingCommand> failed = new ArrayList<>(byId.values());
        byId.clear();
        for (PendingCommand p : failed) {
            p.cancelTimeout();
            finished(p, CommandOutcome.DISCONNECTED);
            p.future.completeExceptionally(reason);
        }
    }

    private void finished(PendingCommand p, CommandOutcome outcome) {
        if (measured) {
            metrics.commandFinished(p.command, outcome, System.nanoTime() - p.startNanos);
        }
    }

    private void expireOnLoop(PendingCommand p) {
        try {
            loop.execute(() -> expire(p));
        } catch (RejectedExecutionException e) {
            p.future.completeExceptionally(new QmpConnectionException("the I/O event loop is shut down", e));
        }
    }

    private void expire(PendingCommand p) {
        if (byId.get(p.id) != p) {
            return;
        }
        byId.remove(p.id);
        finished(p, CommandOutcome.TIMEOUT);
        Duration d = Duration.ofNanos(p.timeoutNanos);
        p.future.completeExceptionally(new QmpTimeoutException("QMP command '" + p.command + "' (id "
                + QmpMessages.wireId(p.id) + ") got no reply from " + describedPeer.get() + " within " + d
                + "; a late reply will be dropped. Is QEMU stopped (SIGSTOP) or busy? "
                + "Raise CommandOptions.timeout for slow commands.", d));
    }
}
