package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.Greeting;
import dev.qmpkit.qmp.QemuVersion;
import dev.qmpkit.qmp.QmpCommandException;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpEvent;
import dev.qmpkit.qmp.QmpMetrics;
import dev.qmpkit.qmp.QmpProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.Timer;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One transport connection to a monitor, as the last handler of its pipeline: it routes each
 * message the framer delivers (a reply to its command by id, an event to the owner, anything
 * else to the owner as a protocol error), and when the connection ends it fails every command
 * with the reason. Writing is {@link CommandWriter}'s job, the table of commands in flight and
 * their timeouts {@link PendingCommands}', turning failures into exceptions
 * {@link ConnectionErrors}'. It knows nothing of the greeting: a {@link QmpHandshakeHandler}
 * before it (when the protocol has one) tells it the QEMU version through a user event.
 *
 * <p>Threading: callers only {@link #submit} and {@link #close}; everything else runs on the
 * channel's event loop, so the routing table needs no locking and replies complete futures
 * directly on the I/O thread.
 */
final class QmpConnection extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(QmpConnection.class);

    /** What the connection reports to the client that owns it. Called on the event loop. */
    interface Owner {
        /**
         * An event arrived.
         *
         * @param event a well-formed event
         */
        void onEvent(QmpEvent event);

        /**
         * The peer broke the protocol, and the connection goes on.
         *
         * @param problem what was wrong
         */
        void onProtocolError(QmpProtocolException problem);

        /**
         * The connection ended; every pending command has already failed with {@code cause}.
         *
         * @param connection this
         * @param cause why
         */
        void onClosed(QmpConnection connection, QmpConnectionException cause);
    }

    private final Owner owner;
    private final String peer;
    private final Timer timer;
    private final QmpMessages.Parser parser;
    private final ConnectionErrors errors;
    private final QmpMetrics metrics;
    // Set once the handler is added to its channel:
    private volatile Channel channel;
    private EventLoop loop;
    private PendingCommands pending;
    private volatile CommandWriter writer;
    // Event loop only:
    private QmpConnectionException closeReason;
    private volatile Greeting greeting;
    private volatile boolean closed;

    /**
     * @param owner receives events, protocol errors and the end of the connection
     * @param peer the peer's address, for messages
     * @param timer runs the command timeouts
     * @param maxMessageSize the connection's message size limit
     */
    QmpConnection(Owner owner, String peer, Timer timer, int maxMessageSize) {
        this(owner, peer, timer, maxMessageSize, QmpMetrics.NONE);
    }

    /**
     * @param owner receives events, protocol errors and the end of the connection
     * @param peer the peer's address, for messages
     * @param timer runs the command timeouts
     * @param maxMessageSize the connection's message size limit
     * @param metrics told when each command starts and ends
     */
    QmpConnection(Owner owner, String peer, Timer timer, int maxMessageSize, QmpMetrics metrics) {
        this.metrics = metrics;
        this.owner = owner;
        this.peer = peer;
        this.timer = timer;
        this.parser = new QmpMessages.Parser(maxMessageSize);
        this.errors = new ConnectionErrors(peer, owner::onProtocolError);
    }

    boolean isClosed() {
        return closed;
    }

    Channel channel() {
        return channel;
    }

    /** Queues a command; the caller has validated it and holds its future. Any thread. */
    void submit(PendingCommand p) {
        writer.submit(p);
    }

    /** Closes the connection; pending commands fail with {@code reason}. Any thread. */
    void close(QmpConnectionException reason) {
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

    private void closeNow(QmpConnectionException reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        channel.close();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        loop = channel.eventLoop();
        pending = new PendingCommands(loop, timer, this::describePeer, metrics);
        writer = new CommandWriter(channel, pending);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof QmpHandshakeHandler.Negotiated n) {
            greeting = n.greeting();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!(msg instanceof ByteBuf frame) || closed) {
                return;
            }
            QmpMessages.Inbound in;
            try {
                in = parser.parse(frame);
            } catch (QmpProtocolException e) {
                errors.report(e);
                return;
            }
            route(in);
        } catch (RuntimeException e) {
            // A bug of ours must not kill the pipeline or leave a future hanging elsewhere.
            LOG.error("unexpected failure handling a message from {}", peer, e);
            errors.report(new QmpProtocolException("internal error handling a message: " + e, e));
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void route(QmpMessages.Inbound in) {
        switch (in.kind()) {
            case RETURN, ERROR -> reply(in);
            case EVENT -> {
                QmpEvent event = QmpMessages.event(in.node());
                if (event == null) {
                    errors.report(new QmpProtocolException("event message without a valid 'event' name"));
                } else {
                    owner.onEvent(event);
                }
            }
            case GREETING -> errors.report(new QmpProtocolException("unexpected second greeting from the monitor"));
            default -> errors.report(new QmpProtocolException(
                    "message from the monitor is neither a reply nor an event (no return/error/event member)"));
        }
    }

    private void reply(QmpMessages.Inbound in) {
        boolean error = in.kind() == QmpMessages.Kind.ERROR;
        if (in.rawId() == null) {
            if (error && pending.takeExpectedStrayError()) {
                LOG.debug("swallowed QEMU's expected parse error for the payload byte of a passed fd: {}",
                        in.errorDesc());
                return;
            }
            errors.report(new QmpProtocolException(error
                    ? "error reply without an id from " + describePeer() + ": " + in.errorClass() + ": "
                        + truncate(in.errorDesc()) + " (not the answer to any pending command)"
                    : "reply without an id from " + describePeer()));
            return;
        }
        PendingCommand p = pending.answer(in.id(), error);
        if (p == null) {
            if (pending.wasWritten(in.id())) {
                LOG.debug("dropped a late or duplicate reply for {} (its command timed out or was answered)",
                        QmpMessages.wireId(in.id()));
            } else {
                errors.report(new QmpProtocolException("reply with an id this client never sent: "
                        + truncate(in.rawId().toString()) + " (dropped)"), false);
            }
            return;
        }
        if (error) {
            p.future.completeExceptionally(new QmpCommandException(p.command, in.errorClass(), in.errorDesc(),
                    versionOrNull()));
        } else {
            p.future.complete(in.returnValue());
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ConnectionErrors.unexpected(cause)) {
            LOG.warn("unexpected failure on the connection to {}", peer, cause);
        }
        QmpConnectionException reason = ConnectionErrors.translate(cause, describePeer());
        if (reason.getCause() instanceof QmpProtocolException p && reason != cause) {
            errors.report(p);
        }
        closeNow(reason);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        QmpConnectionException reason = closeReason != null ? closeReason
                : ConnectionErrors.peerClosed(describePeer(), peer);
        pending.failAll(reason);
        writer.close(reason);
        LOG.debug("connection to {} closed: {}", peer, reason.getMessage());
        owner.onClosed(this, reason);
        ctx.fireChannelInactive();
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
        return "QmpConnection[" + peer + (closed ? ", closed" : "") + "]";
    }
}
