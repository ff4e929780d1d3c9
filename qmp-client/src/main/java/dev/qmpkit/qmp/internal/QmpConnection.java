package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.Greeting;
import dev.qmpkit.qmp.QemuVersion;
import dev.qmpkit.qmp.QmpCommandException;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpEvent;
import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.QmpProtocolException;
import dev.qmpkit.qmp.QmpTimeoutException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.collection.LongObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One transport connection to a monitor: the handshake, id routing, timeouts and the
 * write path. The last handler of the pipeline, after the JSON object framer.
 *
 * <p>Threading: callers only {@link #submit} (a lock-free queue plus at most one scheduled
 * drain task, so concurrent commands are written in batches with one flush); everything else
 * runs on the channel's event loop, so the pending map needs no locking and replies complete
 * futures directly on the I/O thread.
 */
final class QmpConnection extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(QmpConnection.class);

    /** What the connection reports to the client that owns it. Called on the event loop. */
    interface Owner {
        /** @return a fresh command number (monotonic per client, never reused) */
        long nextId();

        /** @param event a well-formed event */
        void onEvent(QmpEvent event);

        /** @param problem a protocol error that did not end the connection */
        void onProtocolError(QmpProtocolException problem);

        /**
         * The connection ended; every pending command has already failed with {@code cause}.
         *
         * @param connection this
         * @param cause why
         */
        void onClosed(QmpConnection connection, QmpConnectionException cause);
    }

    private enum Phase { AWAIT_GREETING, NEGOTIATING, RUNNING, CLOSED }

    /** Commands written per drain task before flushing and yielding to reads. */
    private static final int MAX_BATCH = 256;

    private final Owner owner;
    private final String peer;
    private final Timer timer;
    private final boolean requestOob;
    private final long greetingTimeoutNanos;
    private final QmpMessages.Parser parser;
    private final CompletableFuture<Greeting> handshake = new CompletableFuture<>();
    private final Queue<PendingCommand> outbound = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;

    // Event loop only:
    private final LongObjectHashMap<PendingCommand> pending = new LongObjectHashMap<>();
    private Phase phase = Phase.AWAIT_GREETING;
    private Channel channel;
    private EventLoop loop;
    private ScheduledFuture<?> greetingTimer;
    private long highestWrittenId = -1;
    private int strayErrorsExpected;
    private long lastWarnNanos;
    private long suppressedWarnings;
    private QmpException closeReason;
    private volatile Greeting greeting;
    private volatile boolean oob;
    private volatile boolean closed;

    QmpConnection(Owner owner, String peer, Timer timer, int maxMessageSize, boolean requestOob, Duration greetingTimeout) {
        this.owner = owner;
        this.peer = peer;
        this.timer = timer;
        this.requestOob = requestOob;
        this.greetingTimeoutNanos = greetingTimeout.toNanos();
        this.parser = new QmpMessages.Parser(maxMessageSize);
    }

    /** @return completed with the greeting once capabilities are negotiated, or failed */
    CompletableFuture<Greeting> handshake() {
        return handshake;
    }

    Greeting greeting() {
        return greeting;
    }

    boolean oobEnabled() {
        return oob;
    }

    boolean isClosed() {
        return closed;
    }

    Channel channel() {
        return channel;
    }

    // ---- write path (any thread) ----

    /** Queues a command; the caller has validated it and holds its future. */
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

    private void drain() {
        drainScheduled.set(false);
        if (phase != Phase.RUNNING) {
            failQueued(closeReasonOrDefault());
            return;
        }
        PendingCommand p;
        int written = 0;
        while (written < MAX_BATCH && (p = outbound.poll()) != null) {
            if (p.future.isDone()) {
                p.releaseMessage(); // cancelled by the caller before it was sent
                continue;
            }
            ByteBuf m = track(p);
            if (p.fd != null) {
                // The descriptor and its command go out back to back in this task, so nothing
                // else is written between them; QEMU answers the fd's payload byte with one
                // id-less parse error, which we expect and swallow.
                strayErrorsExpected++;
                channel.write(p.fd, channel.voidPromise());
            }
            channel.write(m, channel.voidPromise());
            armTimeout(p);
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

    /**
     * Records a command about to be written, so its reply is routed and a late one is known as
     * ours (ids up to {@code highestWrittenId}); event loop only.
     *
     * @return the command's message, now owned by the caller to write
     */
    private ByteBuf track(PendingCommand p) {
        pending.put(p.id, p);
        highestWrittenId = Math.max(highestWrittenId, p.id);
        ByteBuf m = p.message;
        p.message = null;
        return m;
    }

    private void armTimeout(PendingCommand p) {
        p.timeout = timer.newTimeout(t -> onTimerFired(p, t), p.timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void onTimerFired(PendingCommand p, Timeout t) {
        try {
            loop.execute(() -> timeout(p));
        } catch (RejectedExecutionException e) {
            p.future.completeExceptionally(new QmpConnectionException("the I/O event loop is shut down", e));
        }
    }

    private void timeout(PendingCommand p) {
        if (pending.get(p.id) != p) {
            return;
        }
        pending.remove(p.id);
        // The id stays reserved: ids are never reused, so a late reply finds no pending entry and is dropped.
        Duration d = Duration.ofNanos(p.timeoutNanos);
        p.future.completeExceptionally(new QmpTimeoutException("QMP command '" + p.command + "' (id "
                + QmpMessages.wireId(p.id) + ") got no reply from " + describePeer() + " within " + d
                + "; a late reply will be dropped. Is QEMU stopped (SIGSTOP) or busy? "
                + "Raise CommandOptions.timeout for slow commands.", d));
    }

    private void failQueued(QmpException cause) {
        PendingCommand p;
        while ((p = outbound.poll()) != null) {
            p.future.completeExceptionally(cause);
            if (loop == null || loop.inEventLoop()) {
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

    /** Closes the connection; pending commands fail with {@code reason}. Any thread. */
    void close(QmpException reason) {
        if (loop == null) {
            return;
        }
        if (loop.inEventLoop()) {
            closeNow(reason);
        } else {
            try {
                loop.execute(() -> closeNow(reason));
            } catch (RejectedExecutionException e) {
                channel.close();
            }
        }
    }

    private void closeNow(QmpException reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        channel.close();
    }

    // ---- inbound (event loop) ----

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        loop = channel.eventLoop();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        greetingTimer = loop.schedule(() -> {
            if (phase == Phase.AWAIT_GREETING || phase == Phase.NEGOTIATING) {
                Duration d = Duration.ofNanos(greetingTimeoutNanos);
                String what = phase == Phase.AWAIT_GREETING ? "no QMP greeting" : "no reply to qmp_capabilities";
                QmpTimeoutException e = new QmpTimeoutException(what + " from " + describePeer() + " within " + d
                        + "; is this socket a QMP monitor (-qmp or -mon mode=control), and is QEMU running?", d);
                handshake.completeExceptionally(e);
                closeNow(new QmpConnectionException("handshake with " + describePeer() + " timed out", e));
            }
        }, greetingTimeoutNanos, TimeUnit.NANOSECONDS);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!(msg instanceof ByteBuf frame) || phase == Phase.CLOSED) {
                return;
            }
            QmpMessages.Inbound in;
            try {
                in = parser.parse(frame);
            } catch (QmpProtocolException e) {
                if (phase == Phase.AWAIT_GREETING) {
                    failHandshake(new QmpProtocolException("the peer's first message is not a QEMU greeting: "
                            + e.getMessage(), e));
                } else {
                    protocolError(e);
                }
                return;
            }
            dispatch(in);
        } catch (RuntimeException e) {
            // A bug of ours must not kill the pipeline or leave a future hanging elsewhere.
            LOG.error("unexpected failure handling a message from {}", peer, e);
            protocolError(new QmpProtocolException("internal error handling a message: " + e, e));
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void dispatch(QmpMessages.Inbound in) {
        switch (phase) {
            case AWAIT_GREETING -> {
                if (in.kind() != QmpMessages.Kind.GREETING) {
                    failHandshake(new QmpProtocolException("the peer's first message is not a QEMU QMP greeting "
                            + "(got a " + in.kind().name().toLowerCase(Locale.ROOT) + " message); is " + peer + " a QMP monitor?"));
                    return;
                }
                Greeting g;
                try {
                    g = QmpMessages.greeting(in.node());
                } catch (QmpProtocolException e) {
                    failHandshake(e);
                    return;
                }
                greeting = g;
                negotiate(g);
            }
            case NEGOTIATING, RUNNING -> route(in);
            default -> {
            }
        }
    }

    private void negotiate(Greeting g) {
        phase = Phase.NEGOTIATING;
        boolean useOob = requestOob && g.offers("oob");
        Object args = null;
        if (useOob) {
            args = java.util.Map.of("enable", List.of("oob"));
        }
        long id = owner.nextId();
        PendingCommand p = new PendingCommand(id, "qmp_capabilities",
                QmpMessages.encodeCommand(channel.alloc(), "qmp_capabilities", id, args, false), null, greetingTimeoutNanos);
        channel.writeAndFlush(track(p), channel.voidPromise());
        p.future.whenComplete((r, e) -> {
            if (phase != Phase.NEGOTIATING) {
                return;
            }
            if (e != null) {
                failHandshake(new QmpProtocolException("QEMU refused qmp_capabilities: " + e.getMessage(), e));
                return;
            }
            oob = useOob;
            phase = Phase.RUNNING;
            if (greetingTimer != null) {
                greetingTimer.cancel(false);
            }
            LOG.debug("negotiated QMP with {} (QEMU {}, oob={})", peer, g.version(), useOob);
            handshake.complete(g);
            if (!outbound.isEmpty()) {
                drain();
            }
        });
    }

    private void failHandshake(QmpException e) {
        if (handshake.completeExceptionally(e)) {
            LOG.debug("handshake with {} failed: {}", peer, e.getMessage());
        }
        closeNow(new QmpConnectionException("handshake with " + describePeer() + " failed: " + e.getMessage(), e));
    }

    private void route(QmpMessages.Inbound in) {
        switch (in.kind()) {
            case RETURN, ERROR -> reply(in);
            case EVENT -> {
                QmpEvent event = QmpMessages.event(in.node());
                if (event == null) {
                    protocolError(new QmpProtocolException("event message without a valid 'event' name"));
                } else {
                    owner.onEvent(event);
                }
            }
            case GREETING -> protocolError(new QmpProtocolException("unexpected second greeting from the monitor"));
            default -> protocolError(new QmpProtocolException(
                    "message from the monitor is neither a reply nor an event (no return/error/event member)"));
        }
    }

    private void reply(QmpMessages.Inbound in) {
        boolean error = in.kind() == QmpMessages.Kind.ERROR;
        if (in.rawId() == null) {
            if (error && strayErrorsExpected > 0) {
                strayErrorsExpected--;
                LOG.debug("swallowed QEMU's expected parse error for the payload byte of a passed fd: {}",
                        in.errorDesc());
                return;
            }
            protocolError(new QmpProtocolException(error
                    ? "error reply without an id from " + describePeer() + ": " + in.errorClass() + ": "
                        + truncate(in.errorDesc()) + " (not the answer to any pending command)"
                    : "reply without an id from " + describePeer()));
            return;
        }
        long id = in.id();
        PendingCommand p = id >= 0 ? pending.remove(id) : null;
        if (p == null) {
            if (id >= 0 && id <= highestWrittenId) {
                LOG.debug("dropped a late or duplicate reply for {} (its command timed out or was answered)",
                        QmpMessages.wireId(id));
            } else {
                protocolError(new QmpProtocolException("reply with an id this client never sent: "
                        + truncate(in.rawId().toString()) + " (dropped)"), false);
            }
            return;
        }
        p.cancelTimeout();
        if (error) {
            p.future.completeExceptionally(new QmpCommandException(p.command, in.errorClass(), in.errorDesc(),
                    versionOrNull()));
        } else {
            p.future.complete(in.returnValue());
        }
    }

    private void protocolError(QmpProtocolException e) {
        protocolError(e, true);
    }

    /** Reports to the owner every time; logs at WARN at most once a second, so a hostile peer cannot flood the log. */
    private void protocolError(QmpProtocolException e, boolean warn) {
        long now = System.nanoTime();
        if (warn && (lastWarnNanos == 0 || now - lastWarnNanos >= 1_000_000_000L)) {
            lastWarnNanos = now;
            if (suppressedWarnings > 0) {
                LOG.warn("protocol error from {}: {} ({} more since the last warning)", peer, e.getMessage(),
                        suppressedWarnings);
            } else {
                LOG.warn("protocol error from {}: {}", peer, e.getMessage());
            }
            suppressedWarnings = 0;
        } else {
            if (warn) {
                suppressedWarnings++;
            }
            LOG.debug("protocol error from {}: {}", peer, e.getMessage());
        }
        try {
            owner.onProtocolError(e);
        } catch (RuntimeException ex) {
            LOG.warn("protocol error callback failed", ex);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        QmpException reason;
        if (c instanceof TooLongFrameException) {
            QmpProtocolException p = new QmpProtocolException("a message from " + describePeer()
                    + " exceeds the size limit (QmpOptions.maxMessageSize); the connection is closed");
            protocolError(p);
            reason = new QmpConnectionException("connection to " + describePeer()
                    + " closed: message over the size limit", p);
        } else if (c instanceof CorruptedFrameException) {
            // The framer cannot resynchronise after bytes that cannot start a JSON object.
            QmpProtocolException p = new QmpProtocolException("the monitor at " + describePeer()
                    + " sent bytes that are not JSON; framing is lost and the connection is closed");
            protocolError(p);
            reason = new QmpConnectionException("connection to " + describePeer() + " closed: invalid JSON framing", p);
        } else if (c instanceof IOException) {
            reason = new QmpConnectionException("connection to " + describePeer() + " lost: " + c.getMessage(), c);
        } else {
            LOG.warn("unexpected failure on the connection to {}", peer, c);
            reason = new QmpConnectionException("connection to " + describePeer() + " failed: " + c, c);
        }
        if (phase == Phase.AWAIT_GREETING || phase == Phase.NEGOTIATING) {
            handshake.completeExceptionally(reason.getCause() instanceof QmpProtocolException pe ? pe : reason);
        }
        closeNow(reason);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Phase was = phase;
        phase = Phase.CLOSED;
        closed = true;
        if (greetingTimer != null) {
            greetingTimer.cancel(false);
        }
        QmpConnectionException reason = closeReasonOrDefault();
        if (was != Phase.RUNNING) {
            handshake.completeExceptionally(reason);
        }
        List<PendingCommand> failed = new ArrayList<>(pending.values());
        pending.clear();
        for (PendingCommand p : failed) {
            p.cancelTimeout();
            p.future.completeExceptionally(reason);
        }
        failQueued(reason);
        LOG.debug("connection to {} closed: {}", peer, reason.getMessage());
        owner.onClosed(this, reason);
        ctx.fireChannelInactive();
    }

    private QmpConnectionException closeReasonOrDefault() {
        if (closeReason instanceof QmpConnectionException c) {
            return c;
        }
        if (closeReason != null) {
            return new QmpConnectionException(closeReason.getMessage(), closeReason);
        }
        return new QmpConnectionException("connection to " + describePeer()
                + " lost: the monitor closed the socket (QEMU exited or was killed?)",
                new EOFException("end of stream on the QMP socket " + peer));
    }

    private QemuVersion versionOrNull() {
        Greeting g = greeting;
        return g == null ? null : g.version();
    }

    private String describePeer() {
        Greeting g = greeting;
        return g == null ? peer : "QEMU " + g.version() + " at " + peer;
    }

    private static String truncate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    @Override
    public String toString() {
        return "QmpConnection[" + peer + ", " + phase + "]";
    }
}
