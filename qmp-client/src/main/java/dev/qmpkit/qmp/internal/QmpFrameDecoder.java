package dev.qmpkit.qmp.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ByteProcessor;
import java.util.List;

/**
 * Splits the byte stream into top-level JSON values by tracking brackets, strings and escapes,
 * so multi-line (pretty-printed) messages frame correctly and nothing depends on line ends.
 *
 * <p>Why not Netty's {@code JsonObjectDecoder}: it compares its limit with the cumulation
 * buffer's writer index rather than with the current message, so a busy connection of small
 * messages trips it (measured: 1 KB replies with a 64 KiB limit closed the connection after
 * 16 replies). Here the limit applies to exactly one message.
 *
 * <p>A byte that cannot start a JSON value between messages means the framing is lost: the
 * decoder raises {@link CorruptedFrameException} once and discards everything after it, and
 * the handler closes the connection. Parsing and classification happen later, once, in
 * {@link QmpMessages}.
 */
final class QmpFrameDecoder extends ByteToMessageDecoder {
    private static final ByteProcessor SKIP_WHITESPACE =
            b -> b == ' ' || b == '\r' || b == '\n' || b == '\t';

    private final int maxMessageSize;
    private final Scanner scanner = new Scanner();
    /** Bytes of the current message already scanned (relative to the reader index). */
    private int scanned;
    private boolean corrupted;

    QmpFrameDecoder(int maxMessageSize) {
        this.maxMessageSize = maxMessageSize;
    }

    /** Tracks nesting across reads; stops on the byte that closes the top-level value. */
    private static final class Scanner implements ByteProcessor {
        int depth;
        boolean inString;
        boolean escaped;

        @Override
        public boolean process(byte b) {
            if (inString) {
                if (escaped) {
                    escaped = false;
                } else if (b == '\\') {
                    escaped = true;
                } else if (b == '"') {
                    inString = false;
                }
                return true;
            }
            switch (b) {
                case '"' -> inString = true;
                case '{', '[' -> depth++;
                case '}', ']' -> {
                    if (--depth == 0) {
                        return false;
                    }
                }
                default -> {
                }
            }
            return true;
        }

        void reset() {
            depth = 0;
            inString = false;
            escaped = false;
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (corrupted) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.isReadable()) {
            if (scanner.depth == 0 && scanned == 0) {
                int start = in.forEachByte(SKIP_WHITESPACE);
                if (start < 0) {
                    in.skipBytes(in.readableBytes());
                    return;
                }
                in.readerIndex(start);
                byte first = in.getByte(start);
                if (first != '{' && first != '[') {
                    corrupted = true;
                    in.skipBytes(in.readableBytes());
                    throw new CorruptedFrameException(String.format(
                            "byte 0x%02x where a JSON object must start", first & 0xff));
                }
            }
            int from = in.readerIndex() + scanned;
            int end = in.forEachByte(from, in.writerIndex() - from, scanner);
            if (end < 0) {
                scanned = in.readableBytes();
                if (scanned > maxMessageSize) {
                    tooLong(in);
                }
                return;
            }
            int length = end + 1 - in.readerIndex();
            if (length > maxMessageSize) {
                tooLong(in);
            }
            out.add(in.retainedSlice(in.readerIndex(), length));
            in.skipBytes(length);
            scanned = 0;
            scanner.reset();
        }
    }

    private void tooLong(ByteBuf in) {
        corrupted = true;
        in.skipBytes(in.readableBytes());
        throw new TooLongFrameException("a message exceeds " + maxMessageSize + " bytes");
    }
}
