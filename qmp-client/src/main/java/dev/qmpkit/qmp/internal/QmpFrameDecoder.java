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
 *
 * <p>The guest agent's mode ({@code sentinels}): the agent precedes its answer to
 * {@code guest-sync-delimited} with a 0xFF byte, which can never occur in UTF-8 JSON. There, a
 * 0xFF anywhere (even inside a message) abandons what was scanned so far and is passed on as
 * {@link #SENTINEL}, and {@link #discardUntilSentinel()} drops everything up to the next one:
 * stale replies, half-written messages and garbage left in the channel by an earlier client.
 */
final class QmpFrameDecoder extends ByteToMessageDecoder {
    private static final ByteProcessor SKIP_WHITESPACE =
            b -> b == ' ' || b == '\r' || b == '\n' || b == '\t';

    /** Passed on, in the agent's mode, for each 0xFF byte the peer sends. */
    static final Object SENTINEL = new Object() {
        @Override
        public String toString() {
            return "SENTINEL(0xFF)";
        }
    };

    private static final byte SENTINEL_BYTE = (byte) 0xFF;

    private final int maxMessageSize;
    private final boolean sentinels;
    private final Scanner scanner;
    /** Bytes of the current message already scanned (relative to the reader index). */
    private int scanned;
    private boolean corrupted;
    private boolean discarding;

    QmpFrameDecoder(int maxMessageSize) {
        this(maxMessageSize, false);
    }

    /**
     * @param maxMessageSize the limit on one message, in bytes
     * @param sentinels whether 0xFF bytes are the guest agent's sentinels (see the class comment)
     */
    QmpFrameDecoder(int maxMessageSize, boolean sentinels) {
        this.maxMessageSize = maxMessageSize;
        this.sentinels = sentinels;
        this.scanner = new Scanner(sentinels);
    }

    /**
     * Drops every byte received from now on, and whatever part of a message is buffered, up to
     * and including the next 0xFF; then passes on {@link #SENTINEL} and frames as usual.
     * Agent mode only; event loop only.
     */
    void discardUntilSentinel() {
        if (!sentinels) {
            throw new IllegalStateException("not a sentinel-aware decoder");
        }
        discarding = true;
    }

    /** Tracks nesting across reads; stops on the byte that closes the top-level value. */
    private static final class Scanner implements ByteProcessor {
        final boolean sentinels;
        int depth;
        boolean inString;
        boolean escaped;
        boolean sawSentinel;

        Scanner(boolean sentinels) {
            this.sentinels = sentinels;
        }

        @Override
        public boolean process(byte b) {
            if (sentinels && b == SENTINEL_BYTE) {
                sawSentinel = true;
                return false;
            }
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
            sawSentinel = false;
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (corrupted) {
            in.skipBytes(in.readableBytes());
            return;
        }
        while (in.isReadable()) {
            if (discarding) {
                int at = in.indexOf(in.readerIndex(), in.writerIndex(), SENTINEL_BYTE);
                scanned = 0;
                scanner.reset();
                if (at < 0) {
                    in.skipBytes(in.readableBytes());
                    return;
                }
                in.readerIndex(at + 1);
                discarding = false;
                out.add(SENTINEL);
                continue;
            }
            if (scanner.depth == 0 && scanned == 0) {
                int start = in.forEachByte(SKIP_WHITESPACE);
                if (start < 0) {
                    in.skipBytes(in.readableBytes());
                    return;
                }
                in.readerIndex(start);
                byte first = in.getByte(start);
                if (sentinels && first == SENTINEL_BYTE) {
                    in.skipBytes(1);
                    out.add(SENTINEL);
                    continue;
                }
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
            if (scanner.sawSentinel) {
                // A 0xFF inside a message: the agent restarted its output, so the part before is stale.
                in.readerIndex(end + 1);
                scanned = 0;
                scanner.reset();
                out.add(SENTINEL);
                continue;
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
