package dev.qmpkit.qmp.agent.internal;

import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpProtocolException;
import dev.qmpkit.qmp.internal.AgentChannels;
import dev.qmpkit.qmp.internal.QmpMessages;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/**
 * The last handler of an agent channel: parses framed messages and hands them, the 0xFF
 * sentinels and the channel's end to the client, which keeps all state. Runs on the client's
 * event loop.
 */
final class AgentHandler extends ChannelInboundHandlerAdapter {

    /** What the client is told. Event loop only. */
    interface Owner {
        /** @param channel the channel @param message a parsed message */
        void onMessage(Channel channel, QmpMessages.Inbound message);

        /** @param channel the channel */
        void onSentinel(Channel channel);

        /**
         * @param channel the channel
         * @return whether the next message is the in-flight command's reply, to be passed on
         *         unparsed ({@link #onRawReply}): a file chunk is parsed off the I/O thread
         */
        boolean wantsRawReply(Channel channel);

        /** @param channel the channel @param frame the reply's bytes, one JSON object */
        void onRawReply(Channel channel, byte[] frame);

        /** @param channel the channel @param problem a message that does not parse (the channel stays open) */
        void onProtocolError(Channel channel, QmpProtocolException problem);

        /** @param channel the channel @param reason why the channel is being closed */
        void onFailure(Channel channel, QmpConnectionException reason);

        /** @param channel the channel that closed */
        void onClosed(Channel channel);
    }

    private final Owner owner;
    private final String peer;
    private final QmpMessages.Parser parser;

    AgentHandler(Owner owner, String peer, int maxMessageSize) {
        this.owner = owner;
        this.peer = peer;
        this.parser = new QmpMessages.Parser(maxMessageSize);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg == AgentChannels.SENTINEL) {
                owner.onSentinel(ctx.channel());
            } else if (msg instanceof ByteBuf frame && owner.wantsRawReply(ctx.channel())) {
                byte[] bytes = new byte[frame.readableBytes()];
                frame.getBytes(frame.readerIndex(), bytes);
                owner.onRawReply(ctx.channel(), bytes);
            } else if (msg instanceof ByteBuf frame) {
                QmpMessages.Inbound in;
                try {
                    in = parser.parse(frame);
                } catch (QmpProtocolException e) {
                    owner.onProtocolError(ctx.channel(), new QmpProtocolException("the guest agent at " + peer
                            + " sent a message that does not parse: " + e.getMessage(), e));
                    return;
                }
                owner.onMessage(ctx.channel(), in);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        QmpConnectionException reason;
        if (c instanceof TooLongFrameException) {
            reason = new QmpConnectionException("connection to the guest agent at " + peer
                    + " closed: a message exceeds the size limit (AgentOptions.maxMessageSize)",
                    new QmpProtocolException("a message from the guest agent at " + peer + " exceeds the size limit: "
                            + c.getMessage() + "; raise AgentOptions.maxMessageSize, or read less at a time"));
        } else if (c instanceof CorruptedFrameException) {
            reason = new QmpConnectionException("connection to the guest agent at " + peer
                    + " closed: it sent bytes that are not JSON",
                    new QmpProtocolException("the guest agent at " + peer + " sent bytes that are not JSON ("
                            + c.getMessage() + "); is something other than qemu-ga at the other end?"));
        } else if (c instanceof IOException) {
            reason = new QmpConnectionException("connection to the guest agent at " + peer + " lost: "
                    + c.getMessage(), c);
        } else {
            reason = new QmpConnectionException("connection to the guest agent at " + peer + " failed: " + c, c);
        }
        owner.onFailure(ctx.channel(), reason);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        owner.onClosed(ctx.channel());
        ctx.fireChannelInactive();
    }
}
