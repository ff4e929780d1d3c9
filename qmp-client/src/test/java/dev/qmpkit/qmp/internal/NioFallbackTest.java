package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.QmpEndpoint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpEvent;
import dev.qmpkit.qmp.QmpListener;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.QmpResources;
import dev.qmpkit.testing.FakeMonitor;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The JDK NIO domain-socket transport, used when the native epoll transport cannot load. */
@Timeout(30)
class NioFallbackTest {

    @TempDir
    Path tmp;

    @Test
    void unixSocketOverNioWorks_butCannotPassFds() throws Exception {
        try (QmpResources nio = DefaultQmpResources.createNio(1); FakeMonitor m = FakeMonitor.start()) {
            assertThat(nio.nativeTransport()).isFalse();
            try (QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(m.socketPath()), QmpOptions.builder().resources(nio).build());
                 RandomAccessFile raf = new RandomAccessFile(tmp.resolve("f").toFile(), "rw")) {
                CompletableFuture<QmpEvent> ev = c.awaitEvent("STOP", null, Duration.ofSeconds(5));
                m.sendEvent("STOP", null);
                assertThat(c.blocking().execute("query-status").get("running").asBoolean()).isTrue();
                assertThat(ev.get(5, TimeUnit.SECONDS).name()).isEqualTo("STOP");
                assertThatThrownBy(() -> c.executeWithFd(raf.getFD(), "getfd", Map.of("fdname", "x")))
                        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("epoll");
            }
        }
    }

    @Test
    void listenModeOverNio() throws Exception {
        Path sock = tmp.resolve("l.sock");
        try (QmpResources nio = DefaultQmpResources.createNio(1);
             QmpListener l = QmpListener.bind(sock, QmpOptions.builder().resources(nio).build())) {
            assertThat(Files.getPosixFilePermissions(sock)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            CompletableFuture<QmpClient> accepted = l.accept(Duration.ofSeconds(5));
            // a fake "QEMU" that connects to us and greets, as QEMU does in listen mode
            try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(
                    java.net.UnixDomainSocketAddress.of(sock))) {
                ch.write(java.nio.ByteBuffer.wrap((FakeMonitor.GREETING_10_0 + "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                java.nio.ByteBuffer in = java.nio.ByteBuffer.allocate(4096);
                ch.read(in);
                String caps = new String(in.array(), 0, in.position(), java.nio.charset.StandardCharsets.UTF_8);
                assertThat(caps).contains("qmp_capabilities");
                String id = caps.replaceAll("(?s).*\"id\":\"([^\"]+)\".*", "$1");
                ch.write(java.nio.ByteBuffer.wrap(("{\"return\": {}, \"id\": \"" + id + "\"}\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                try (QmpClient c = accepted.get(5, TimeUnit.SECONDS)) {
                    assertThat(c.qemuVersion().major()).isEqualTo(10);
                }
            }
        }
        assertThat(sock).doesNotExist();
    }
}
