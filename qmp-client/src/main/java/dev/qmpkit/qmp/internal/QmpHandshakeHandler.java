package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.Greeting;
import dev.qmpkit.qmp.QmpCommandException;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.QmpProtocolException;
import dev.qmpkit.qmp.QmpTimeoutException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * QMP's opening, as a handler between the framer and the {@link QmpConnection} (in the manner
 * of Lettuce's {@code RedisHandshakeHandler}): it reads QEMU's greeting, sends
 * {@code qmp_capabilities} (with {@code oob} when QEMU offers it and it is wanted) and waits for
 * the answer, all within the greeting timeout. On success it tells the handlers after it
 * ({@link Negotiated} as a user event), removes itself from the pipeline and completes
 * {@link #result()}; on failure it fails the result and ends the connection. Messages that are
 * not part of the handshake pass on to the next handler unchanged.
 *
 * <p>A protocol without a greeting (the guest agent's) builds its pipeline without this handler.
 * The owner sends nothing before {@link #result()} completes.
 */
final class QmpHandshakeHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(QmpHandshakeHandler.class);

    /**
     * The outcome of a handshake, fired as a user event down the pipeline before the handler
     * removes itself.
     *
     * @param greeting QEMU's greeting
     * @param oob whether the {@code oob} capability was enabled
     */
    record Negotiated(Greeting greeting, boolean oob) {
    }

    private final String peer;
    private final LongSupplier ids;
    private final boolean requestOob;
    private final long timeoutNanos;
    private final QmpMessages.Parser parser;
    private final CompletableFuture<Negotiated> result = new CompletableFuture<>();
    // Event loop only:
    private Greeting greeting;
    private long capabilitiesId = -1;
    private ScheduledFuture<?> timer;

    /**
     * @param peer the peer's address, for messages
     * @param ids gives the id of {@code qmp_capabilities} (from the owner's command numbers)
     * @param requestOob whether to enable {@code oob} when QEMU offers it
     * @param timeout the limit for the greeting and the negotiation together
     * @param maxMessageSize the connection's message size limit
     */
    QmpHandshakeHandler(String peer, LongSupplier ids, boolean requestOob, Duration timeout, int maxMessageSize) {
        this.peer = peer;
        this.ids = ids;
        this.requestOob = requestOob;
        this.timeoutNanos = timeout.toNanos();
        this.parser = new QmpMessages.Parser(maxMessageSize);
    }

    /**
     * @return completed (on the event loop) once capabilities are negotiated, or failed with a
     *         {@link QmpProtocolException}, {@link QmpTimeoutException} or {@link QmpConnectionException}
     */
    CompletableFuture<Negotiated> result() {
        return result;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            startTimer(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        startTimer(ctx);
        ctx.fireChannelActive();
    }

    private void startTimer(ChannelHandlerContext ctx) {
        if (timer != null) {
            return;
        }
        timer = ctx.executor().schedule(() -> {
            Duration d = Duration.ofNanos(timeoutNanos);
            String what = greeting == null ? "no QMP greeting" : "no reply to qmp_capabilities";
            fail(ctx, new QmpTimeoutException(what + " from " + describePeer() + " within " + d
                    + "; is this socket a QMP monitor (-qmp or -mon mode=control), and is QEMU running?", d));
        }, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (result.isDone()) {
            ReferenceCountUtil.release(msg); // the handshake failed and the connection is closing
            return;
        }
        if (!(msg instanceof ByteBuf frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        QmpMessages.Inbound in;
        try {
            in = parser.parse(frame);
        } catch (QmpProtocolException e) {
            if (greeting == null) {
                ReferenceCountUtil.release(msg);
                fail(ctx, new QmpProtocolException("the peer's first message is not a QEMU greeting: "
                        + e.getMessage(), e));
            } else {
                ctx.fireChannelRead(msg); // the connection reports it, as it would later
            }
            return;
        }
        if (greeting == null) {
            ReferenceCountUtil.release(msg);
            onGreeting(ctx, in);
        } else if (in.id() == capabilitiesId
                && (in.kind() == QmpMessages.Kind.RETURN || in.kind() == QmpMessages.Kind.ERROR)) {
            ReferenceCountUtil.release(msg);
            onCapabilitiesReply(ctx, in);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    private void onGreeting(ChannelHandlerContext ctx, QmpMessages.Inbound in) {
        if (in.kind() != QmpMessages.Kind.GREETING) {
            fail(ctx, new QmpProtocolException("the peer's first message is not a QEMU QMP greeting "
                    + "(got a " + in.kind().name().toLowerCase(Locale.ROOT) + " message); is " + peer
                    + " a QMP monitor?"));
            return;
        }
        try {
            greeting = QmpMessages.greeting(in.node());
        } catch (QmpProtocolException e) {
            fail(ctx, e);
            return;
        }
        Object args = wantsOob() ? Map.of("enable", List.of("oob")) : null;
        capabilitiesId = ids.getAsLong();
        ctx.writeAndFlush(QmpMessages.encodeCommand(ctx.alloc(), "qmp_capabilities", capabilitiesId, args, false),
                ctx.voidPromise());
    }

    private boolean wantsOob() {
        return requestOob && greeting.offers("oob");
    }

    private void onCapabilitiesReply(ChannelHandlerContext ctx, QmpMessages.Inbound in) {
        if (in.kind() == QmpMessages.Kind.ERROR) {
            QmpCommandException refused = new QmpCommandException("qmp_capabilities", in.errorClass(), in.errorDesc(),
                    greeting.version());
            fail(ctx, new QmpProtocolException("QEMU refused qmp_capabilities: " + refused.getMessage(), refused));
            return;
        }
        Negotiated done = new Negotiated(greeting, wantsOob());
        timer.cancel(false);
        ctx.fireUserEventTriggered(done);
        ctx.pipeline().remove(this);
        LOG.debug("negotiated QMP with {} (QEMU {}, oob={})", peer, greeting.version(), done.oob());
        result.complete(done);
    }

    /** Fails the handshake and ends the connection, with the failure as the reason. */
    private void fail(ChannelHandlerContext ctx, QmpException e) {
        if (!result.completeExceptionally(e)) {
            return;
        }
        LOG.debug("handshake with {} failed: {}", peer, e.getMessage());
        if (timer != null) {
            timer.cancel(false);
        }
        // The QmpConnection after this handler closes the channel with this reason.
        ctx.fireExceptionCaught(new QmpConnectionException("handshake with " + describePeer() + " failed: "
                + e.getMessage(), e));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!result.isDone()) {
            QmpConnectionException reason = ConnectionErrors.translate(cause, describePeer());
            result.completeExceptionally(reason.getCause() instanceof QmpProtocolException p ? p : reason);
            if (timer != null) {
                timer.cancel(false);
            }
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
        result.completeExceptionally(ConnectionErrors.peerClosed(describePeer(), peer));
        ctx.fireChannelInactive();
    }

    private String describePeer() {
        return greeting == null ? peer : "QEMU " + greeting.version() + " at " + peer;
    }
}
