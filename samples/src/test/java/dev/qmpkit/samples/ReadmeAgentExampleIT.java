package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.testing.HostAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's guest agent example, compiled from the README as it stands and run against a real
 * qemu-ga on the host.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadmeAgentExampleIT {

    @TempDir
    Path dir;

    @Test
    void guestAgentExample() throws Exception {
        try (HostAgent agent = HostAgent.start(dir)) {
            String out = ReadmeExamples.run("GuestAgentExample", agent.socket().toString(),
                    agent.workDir().toString());
            assertThat(out).contains("Debian GNU/Linux 12 (bookworm), qemu-ga 7.2")
                    .contains("exit 0: 13\n").contains("written by qmpkit\n").contains("guest clock 20");
            assertThat(Files.readString(agent.workDir().resolve("note.txt"))).isEqualTo("written by qmpkit\n");
        }
    }
}
