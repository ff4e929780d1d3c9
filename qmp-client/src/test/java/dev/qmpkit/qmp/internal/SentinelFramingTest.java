package dev.qmpkit.qmp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The frame decoder's guest agent mode (0xFF sentinels), in Netty's EmbeddedChannel. */
class SentinelFramingTest {
    private static final String FF = "\u00ff";

    @Test
    void sentinelsBetweenAndInsideMessages_areReportedAndResetTheFraming() {
        EmbeddedChannel ch = new EmbeddedChannel(new QmpFrameDecoder(1 << 20, true));
        ch.writeInbound(bytes("{\"a\": 1}" + FF + "{\"return\": \"half a stri" + FF + "\n{\"return\": 2}\n"));
        assertThat(drain(ch)).containsExactly("{\"a\": 1}", "SENTINEL", "SENTINEL", "{\"return\": 2}");
    }

    @Test
    void discardUntilSentinel_dropsGarbageAndPartialMessages_acrossReads() {
        QmpFrameDecoder decoder = new QmpFrameDecoder(1 << 20, true);
        EmbeddedChannel ch = new EmbeddedChannel(decoder);
        ch.writeInbound(bytes("{\"stale\": \"reply"));
        assertThat(drain(ch)).isEmpty();
        decoder.discardUntilSentinel();
        ch.writeInbound(bytes("\"}\n\u0000\u0001 not json ]]}} {\"error\": {}}\n"));
        assertThat(drain(ch)).isEmpty();
        ch.writeInbound(bytes("still garbage" + FF + "{\"return\": 42}\n{\"return\": 43}"));
        assertThat(drain(ch)).containsExactly("SENTINEL", "{\"return\": 42}", "{\"return\": 43}");
    }

    @Test
    void everySplitPoint_givesTheSameFrames() {
        String stream = "garbage {\"x\": \"" + FF + "{\"return\": {\"s\": \"a}{\\\"b\"}}\n" + FF + "{\"return\": 7}\n";
        byte[] all = stream.getBytes(StandardCharsets.ISO_8859_1);
        for (int split = 0; split <= all.length; split++) {
            QmpFrameDecoder decoder = new QmpFrameDecoder(1 << 20, true);
            EmbeddedChannel ch = new EmbeddedChannel(decoder);
            decoder.discardUntilSentinel();
            ch.writeInbound(Unpooled.wrappedBuffer(all, 0, split));
            ch.writeInbound(Unpooled.wrappedBuffer(all, split, all.length - split));
            assertThat(drain(ch)).as("split at %d", split)
                    .containsExactly("SENTINEL", "{\"return\": {\"s\": \"a}{\\\"b\"}}", "SENTINEL", "{\"return\": 7}");
        }
    }

    @Test
    void qmpModeIsUnchanged_a0xFFIsCorruption() {
        EmbeddedChannel ch = new EmbeddedChannel(new QmpFrameDecoder(1 << 20));
        assertThatThrownBy(() -> ch.writeInbound(bytes(FF + "{\"return\": 1}")))
                .isInstanceOf(CorruptedFrameException.class).hasMessageContaining("0xff");
        assertThatThrownBy(() -> new QmpFrameDecoder(1 << 20).discardUntilSentinel())
                .isInstanceOf(IllegalStateException.class);
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static List<String> drain(EmbeddedChannel ch) {
        List<String> out = new ArrayList<>();
        Object m;
        while ((m = ch.readInbound()) != null) {
            if (m == QmpFrameDecoder.SENTINEL) {
                out.add("SENTINEL");
            } else {
                ByteBuf b = (ByteBuf) m;
                out.add(b.toString(StandardCharsets.ISO_8859_1));
                b.release();
            }
        }
        return out;
    }
}
