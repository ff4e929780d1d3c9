package dev.qmpkit.qmp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.QmpCommandException;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.testing.FakeMonitor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seeded random and mutation fuzzing of the inbound path (framer, parser, router): random
 * bytes and mutated QMP frames, fed in random chunks between the real replies of pending
 * commands. Invariants: nothing is thrown out of the pipeline, nothing blocks (the test is
 * time-bounded), and a future only ever completes with its own reply, or fails with a
 * connection error when the noise destroyed the framing.
 */
class QmpDecoderFuzzTest {
    private static final Logger LOG = LoggerFactory.getLogger(QmpDecoderFuzzTest.class);
    private static final long SEED = Long.getLong("qmpkit.fuzz.seed", 0x5eed_2026L);
    private static final int ITERATIONS = Integer.getInteger("qmpkit.fuzz.iterations", 400);

    /** Noise frames whose ids can never be mutated into a pending id (pending ids are small). */
    private static final String[] SEEDS = {
        "{\"return\": {\"status\": \"running\", \"running\": true}, \"id\": \"qk99999999\"}",
        "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error, stray 'x'\"}}",
        "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"nope\"}, \"id\": \"qk88888888\"}",
        "{\"timestamp\": {\"seconds\": 1700000000, \"microseconds\": 5}, \"event\": \"STOP\"}",
        "{\"event\": \"MIGRATION\", \"data\": {\"status\": \"completed\", \"list\": [1, 2.5, -3e9, null, true]}}",
        "{\"return\": [{\"name\": \"a\\\"}{\", \"type\": \"b\\\\\"}], \"id\": \"qk77777777\"}",
        FakeMonitor.GREETING_10_0,
        "{\n  \"return\": {\n    \"nested\": {\"a\": {\"b\": {\"c\": []}}}\n  },\n  \"id\": \"qk66666666\"\n}",
    };

    @Test
    @Timeout(60)
    void randomAndMutatedFramesNeverThrowBlockOrMisroute() throws Exception {
        Random rnd = new Random(SEED);
        int closedRuns = 0;
        int completedOwn = 0;
        for (int iter = 0; iter < ITERATIONS; iter++) {
            EmbeddedQmp q = new EmbeddedQmp(64 * 1024).negotiate();
            List<PendingCommand> pending = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                pending.add(q.send("cmd", null));
                q.written();
            }
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            for (int f = 0; f < 12; f++) {
                int kind = rnd.nextInt(10);
                if (kind < 4) {
                    stream.writeBytes(mutate(rnd, SEEDS[rnd.nextInt(SEEDS.length)].getBytes(StandardCharsets.UTF_8)));
                } else if (kind < 6) {
                    byte[] junk = new byte[1 + rnd.nextInt(40)];
                    rnd.nextBytes(junk);
                    stream.writeBytes(junk);
                } else if (kind < 7) {
                    // structurally deep or wide input
                    int depth = 1 + rnd.nextInt(3000);
                    stream.writeBytes(("{\"return\": " + "[".repeat(depth) + "]".repeat(depth) + "}")
                            .getBytes(StandardCharsets.UTF_8));
                } else {
                    stream.writeBytes(SEEDS[rnd.nextInt(SEEDS.length)].getBytes(StandardCharsets.UTF_8));
                }
                if (rnd.nextInt(3) == 0) {
                    PendingCommand p = pending.get(rnd.nextInt(pending.size()));
                    String own = rnd.nextBoolean()
                            ? EmbeddedQmp.replyFor(p, "{\"own\": " + p.id + "}")
                            : "{\"error\": {\"class\": \"Own" + p.id + "\", \"desc\": \"d\"}, \"id\": \"qk" + p.id + "\"}";
                    stream.writeBytes(own.getBytes(StandardCharsets.UTF_8));
                }
            }
            byte[] all = stream.toByteArray();
            int pos = 0;
            while (pos < all.length && q.channel.isOpen()) {
                int n = Math.min(all.length - pos, 1 + rnd.nextInt(64));
                byte[] chunk = new byte[n];
                System.arraycopy(all, pos, chunk, 0, n);
                pos += n;
                q.feed(chunk); // EmbeddedChannel rethrows anything that escapes the pipeline
                q.channel.checkException();
            }
            for (PendingCommand p : pending) {
                if (!p.future.isDone()) {
                    continue; // its reply was swallowed by an unbalanced noise frame: it would time out
                }
                try {
                    JsonNode v = p.future.join();
                    assertThat(v.path("own").asLong()).as("iteration %d: value of %d", iter, p.id).isEqualTo(p.id);
                    completedOwn++;
                } catch (CompletionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof QmpCommandException ce) {
                        assertThat(ce.errorClass()).as("iteration %d: error of %d", iter, p.id).isEqualTo("Own" + p.id);
                        completedOwn++;
                    } else {
                        assertThat(c).as("iteration %d", iter).isInstanceOf(QmpConnectionException.class);
                        assertThat(q.channel.isActive()).isFalse();
                    }
                }
            }
            if (!q.channel.isActive()) {
                closedRuns++;
            }
            q.channel.finishAndReleaseAll();
        }
        LOG.info("fuzz seed {}: {} iterations, {} closed the connection, {} futures completed with their own reply",
                SEED, ITERATIONS, closedRuns, completedOwn);
        // the fuzz must exercise both outcomes, or it proves nothing
        assertThat(closedRuns).isPositive().isLessThan(ITERATIONS);
        assertThat(completedOwn).isPositive();
    }

    private static byte[] mutate(Random rnd, byte[] in) {
        byte[] b = in.clone();
        int ops = 1 + rnd.nextInt(3);
        for (int o = 0; o < ops && b.length > 1; o++) {
            int i = rnd.nextInt(b.length);
            switch (rnd.nextInt(5)) {
                case 0 -> b[i] = (byte) rnd.nextInt(256);
                case 1 -> b[i] = (byte) "{}[]\"\\:,".charAt(rnd.nextInt(8));
                case 2 -> { // delete one byte
                    byte[] c = new byte[b.length - 1];
                    System.arraycopy(b, 0, c, 0, i);
                    System.arraycopy(b, i + 1, c, i, b.length - i - 1);
                    b = c;
                }
                case 3 -> { // truncate
                    byte[] c = new byte[i + 1];
                    System.arraycopy(b, 0, c, 0, i + 1);
                    b = c;
                }
                default -> { // duplicate a slice
                    int len = Math.min(b.length - i, 1 + rnd.nextInt(16));
                    byte[] c = new byte[b.length + len];
                    System.arraycopy(b, 0, c, 0, i + len);
                    System.arraycopy(b, i, c, i + len, b.length - i);
                    b = c;
                }
            }
        }
        return b;
    }
}
