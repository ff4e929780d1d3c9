package dev.qmpkit.qmp.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpTimeoutException;
import dev.qmpkit.qmp.agent.AgentOptions;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The launcher's guest agent channel on real QEMU 10.0 and 7.2, q35 and pc: QEMU serves the
 * socket in the private run directory, the guest sees a virtio-serial port named
 * {@code org.qemu.guest_agent.0}, {@link QemuProcess#guestAgent()} hands out a client on it, and
 * {@link QemuProcess#close()} closes that client and removes the socket. The guest is paused
 * ({@code -S}), so no agent answers: the client says so within its sync timeout. A client
 * talking to a real agent in a booted guest is {@code TemplateVm.agent()}'s test in templating.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class GuestAgentChannelIT {

    static Stream<Arguments> qemusAndMachines() {
        List<Arguments> all = new ArrayList<>();
        for (QemuBinary q : dev.qmpkit.qmp.testing.TestQemus.all()) {
            all.add(Arguments.of(q, "q35"));
            all.add(Arguments.of(q, "pc"));
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("qemusAndMachines")
    void theChannelIsServedInTheRunDirectoryAndTheClientClosesWithTheProcess(QemuBinary binary, String machine) {
        GuestAgentClient agent;
        Path socket;
        Path runDir;
        try (QemuProcess qemu = QemuLauncher.builder(binary).args("-M", machine, "-accel", "tcg", "-nodefaults", "-S")
                .guestAgent(AgentOptions.builder().syncTimeout(Duration.ofMillis(500)).build()).build().start()) {
            agent = qemu.guestAgent().orElseThrow();
            socket = agent.socket();
            runDir = qemu.runDir();
            assertThat(socket).isEqualTo(runDir.resolve("qga.sock"));
            assertThat(Files.exists(socket)).as("QEMU serves it as soon as its monitor is up").isTrue();

            JsonNode chardevs = qemu.qmp().blocking().execute("query-chardev");
            assertThat(chardevs.findValuesAsText("label")).contains(CommandLine.AGENT_CHARDEV_ID);
            JsonNode port = qemu.qmp().blocking().execute("qom-get", Map.of("path",
                    "/machine/peripheral/" + CommandLine.AGENT_PORT_ID, "property", "name"));
            assertThat(port.asText()).isEqualTo(QemuLauncher.AGENT_PORT_NAME);

            assertThatThrownBy(() -> agent.blocking().ping()).isInstanceOf(QmpTimeoutException.class)
                    .hasMessageContaining(socket.toString());
        }
        assertThat(Files.exists(socket)).isFalse();
        assertThat(Files.exists(runDir)).isFalse();
        assertThatThrownBy(() -> agent.blocking().ping()).as("closed with the process")
                .isInstanceOf(QmpConnectionException.class);
    }

    @Test
    void withoutTheOptionThereIsNoChannel() {
        try (QemuProcess qemu = QemuLauncher.builder(dev.qmpkit.qmp.testing.TestQemus.qemu10())
                .args("-M", "none", "-accel", "tcg").build().start()) {
            assertThat(qemu.guestAgent()).isEmpty();
            assertThat(qemu.commandLine()).noneMatch(a -> a.contains(QemuLauncher.AGENT_PORT_NAME));
            assertThat(Files.exists(qemu.runDir().resolve("qga.sock"))).isFalse();
        }
    }
}
