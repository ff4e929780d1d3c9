package dev.qmpkit.qmp.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.QmpTimeoutException;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuOption;
import dev.qmpkit.qmp.launch.QemuProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The agent channel of a real QEMU whose guest never starts an agent (the VM is paused with
 * {@code -S}, as a guest that has not booted yet): the socket accepts the connection and then
 * nothing answers. Each call fails with a clear timeout, never hangs, and the client stays usable.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AbsentAgentIT {

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void qemuChannelWithoutAnAgent_timesOutClearly_everyTime_neverHangs(QemuBinary binary) {
        Path socket = dir.resolve("qga " + binary.executable().getFileName() + ".sock");
        try (QemuProcess qemu = QemuLauncher.builder(binary).args("-M", "q35", "-accel", "tcg", "-nodefaults", "-S",
                        "-chardev", QemuOption.of("socket").set("id", "qga0").set("path", socket)
                                .set("server", "on").set("wait", "off").toString(),
                        "-device", "virtio-serial-pci,id=vs0",
                        "-device", "virtserialport,bus=vs0.0,chardev=qga0,name=org.qemu.guest_agent.0")
                .build().start();
             GuestAgentClient agent = GuestAgentClient.open(socket, AgentOptions.builder()
                     .syncTimeout(Duration.ofMillis(500)).build())) {
            for (int round = 0; round < 3; round++) {
                long start = System.nanoTime();
                CompletableFuture<Void> ping = agent.ping();
                CompletableFuture<GuestAgentInfo> info = agent.info();
                assertThatThrownBy(ping::join).hasCauseInstanceOf(QmpTimeoutException.class)
                        .hasMessageContaining("did not answer guest-sync-delimited within PT0.5S")
                        .hasMessageContaining("qemu-ga is not running in the guest")
                        .hasMessageContaining(socket.toString());
                assertThatThrownBy(info::join).as("queued behind it: fails with it")
                        .hasCauseInstanceOf(QmpTimeoutException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            }
            assertThatThrownBy(() -> agent.blocking().awaitAgent(Duration.ofSeconds(2)))
                    .isInstanceOf(QmpTimeoutException.class).hasMessageContaining("did not answer within PT2S");
            assertThat(qemu.isAlive()).isTrue();
        }
    }
}
