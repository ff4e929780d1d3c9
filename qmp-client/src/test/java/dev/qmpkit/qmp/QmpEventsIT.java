package dev.qmpkit.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Event delivery under a real QEMU event flood (STOP/RESUME pairs), on QEMU 10.0 and 7.2. */
@Timeout(120)
class QmpEventsIT {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void stopResumeFlood_slowListenerIsBounded_fastListenerSeesEverythingInOrder_repliesNotStarved(QemuBinary qemu)
            throws Exception {
        int capacity = 32;
        int pairs = 1000;
        QmpOptions options = QmpOptions.builder().eventQueueCapacity(capacity).build();
        try (QemuProcess p = QemuLauncher.builder(qemu).args("-M", "none", "-accel", "tcg", "-nodefaults")
                .workDir(tmp).name("flood").qmpOptions(options).build().start()) {
            QmpClient c = p.qmp();
            CountDownLatch release = new CountDownLatch(1);
            List<String> slowGot = new CopyOnWriteArrayList<>();
            EventSubscription slow = c.subscribe(null, null, e -> {
                try {
                    release.await();
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                slowGot.add(e.name());
            });
            List<QmpEvent> fastGot = new CopyOnWriteArrayList<>();
            EventSubscription fast = c.subscribe(null, e -> e.name().equals("STOP") || e.name().equals("RESUME"),
                    fastGot::add);
            // Pipelined stop/cont pairs: QEMU emits one event per command.
            List<CompletableFuture<JsonNode>> replies = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < pairs; i++) {
                replies.add(c.execute("stop"));
                replies.add(c.execute("cont"));
            }
            for (CompletableFuture<JsonNode> r : replies) {
                r.get(30, TimeUnit.SECONDS);
            }
            // a command issued while the slow listener is stuck still answers promptly
            long q0 = System.nanoTime();
            assertThat(c.execute("query-status").get(5, TimeUnit.SECONDS).get("status").asText()).isEqualTo("running");
            assertThat(Duration.ofNanos(System.nanoTime() - q0)).isLessThan(Duration.ofSeconds(1));
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (fastGot.size() + fast.droppedEvents() < 2L * pairs && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            // every event is either delivered or counted as dropped, and delivery keeps QEMU's order
            assertThat(fastGot.size() + fast.droppedEvents()).isEqualTo(2L * pairs);
            for (int i = 1; i < fastGot.size(); i++) {
                assertThat(fastGot.get(i).timestamp()).isAfterOrEqualTo(fastGot.get(i - 1).timestamp());
                if (fast.droppedEvents() == 0) {
                    assertThat(fastGot.get(i).name()).isNotEqualTo(fastGot.get(i - 1).name());
                }
            }
            release.countDown();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (slowGot.size() + slow.droppedEvents() < 2L * pairs && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(slow.droppedEvents()).as("flood of %d events in %s", 2 * pairs, took)
                    .isGreaterThanOrEqualTo(2L * pairs - capacity - 1);
            assertThat(slowGot.size()).isLessThanOrEqualTo(capacity + 1);
            assertThat(slowGot.size() + slow.droppedEvents()).isEqualTo(2L * pairs);
            // the newest events survived the drop-oldest policy
            assertThat(slowGot.get(slowGot.size() - 1)).isEqualTo("RESUME");
        }
    }
}
