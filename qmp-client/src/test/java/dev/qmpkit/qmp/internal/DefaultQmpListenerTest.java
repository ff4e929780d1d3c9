package dev.qmpkit.qmp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.QmpListener;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.QmpResources;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Listen mode against close(): what a peer sees when it connects while the listener closes. */
@Timeout(60)
class DefaultQmpListenerTest {

    @Test
    void aConnectionAcceptedWhileCloseRuns_isClosed_notLeftOpen(@TempDir Path dir) throws Exception {
        // Two I/O threads: the server channel and the accepted connection run on different ones.
        try (QmpResources resources = QmpResources.create(2)) {
            Path sock = dir.resolve("l.sock");
            // A long greeting timeout: only the listener's close can end this connection in time.
            DefaultQmpListener listener = (DefaultQmpListener) QmpListener.bind(sock, QmpOptions.builder()
                    .resources(resources).greetingTimeout(Duration.ofSeconds(60)).build());
            SocketChannel peer;
            // The accept path registers a new connection under the listener's lock: holding it
            // stops that path right there, and close() runs in full in between.
            synchronized (listener) {
                peer = SocketChannel.open(UnixDomainSocketAddress.of(sock));
                awaitAThreadBlockedOn(listener);
                listener.close();
            }
            try (peer) {
                ByteBuffer buf = ByteBuffer.allocate(64);
                CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
                    try {
                        return peer.read(buf);
                    } catch (java.io.IOException e) {
                        return -2;
                    }
                });
                // end of stream: the listener closed the connection it accepted while closing
                assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(-1);
            }
        }
    }

    private static void awaitAThreadBlockedOn(Object lock) throws InterruptedException {
        int id = System.identityHashCode(lock);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            for (ThreadInfo t : ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
                if (t.getThreadState() == Thread.State.BLOCKED && t.getLockInfo() != null
                        && t.getLockInfo().getIdentityHashCode() == id) {
                    return;
                }
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the accept path never reached the listener's lock");
    }
}
