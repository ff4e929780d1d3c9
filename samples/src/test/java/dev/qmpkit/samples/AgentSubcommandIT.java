package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qmpkit.qmp.testing.HostAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./qmpkit agent} against a real qemu-ga run on the host ({@link HostAgent}). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AgentSubcommandIT {

    @TempDir
    Path dir;

    @Test
    void anyCommand_printsTheAgentsJsonAnswer() throws Exception {
        try (HostAgent agent = HostAgent.start(dir)) {
            String sock = agent.socket().toString();
            CliRun info = CliRun.of("agent", "--socket", sock, "guest-info");
            assertThat(info.exitCode()).as(info.toString()).isZero();
            JsonNode json = new ObjectMapper().readTree(info.out());
            assertThat(json.path("version").asText()).isNotBlank();
            assertThat(json.path("supported_commands").size()).isGreaterThan(20);

            CliRun sync = CliRun.of("agent", "--socket", sock, "guest-sync", "{\"id\": 31337}");
            assertThat(sync.exitCode()).as(sync.toString()).isZero();
            assertThat(sync.out().strip()).isEqualTo("31337");
        }
    }

    @Test
    void exec_passesOnTheProgramsOutput_andExitsWithItsExitCode() throws Exception {
        try (HostAgent agent = HostAgent.start(dir)) {
            String sock = agent.socket().toString();
            CliRun r = CliRun.of("agent", "--socket", sock, "exec", "--", "/bin/sh", "-c",
                    "echo to out; echo to err >&2; exit 7");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(7);
            assertThat(r.out()).isEqualTo("to out\n");
            assertThat(r.err()).isEqualTo("to err\n");

            Path listed = Files.writeString(agent.workDir().resolve("listed.txt"), "x");
            CliRun ls = CliRun.of("agent", "--socket", sock, "exec", "--", "ls", "-h", "--all",
                    agent.workDir().toString());
            assertThat(ls.exitCode()).as("-h and --all after -- belong to the program: " + ls).isZero();
            assertThat(ls.out()).contains(listed.getFileName().toString());

            Path input = Files.writeString(dir.resolve("in.txt"), "line one\nline two\n");
            CliRun wc = CliRun.of("agent", "--socket", sock, "--input", input.toString(), "exec", "--", "wc", "-l");
            assertThat(wc.exitCode()).as(wc.toString()).isZero();
            assertThat(wc.out().strip()).isEqualTo("2");

            CliRun killed = CliRun.of("agent", "--socket", sock, "exec", "--", "/bin/sh", "-c", "kill -TERM $$");
            assertThat(killed.exitCode()).as(killed.toString()).isEqualTo(128 + 15);
        }
    }

    @Test
    void badInput_givesOneLineAndAFix_exit1Or2() throws Exception {
        Path missing = dir.resolve("nothing-here.sock");
        CliRun noSocket = CliRun.of("agent", "--socket", missing.toString(), "guest-ping");
        assertThat(noSocket.exitCode()).isEqualTo(1);
        assertThat(noSocket.err()).contains("no guest agent socket at " + missing)
                .contains("fix: ").contains("qemu-ga -m unix-listen -p " + missing).doesNotContain("\tat ");

        CliRun badJson = CliRun.of("agent", "--socket", missing.toString(), "guest-sync", "{id: 5");
        assertThat(badJson.exitCode()).isEqualTo(2);
        assertThat(badJson.err()).contains("not valid JSON").contains("usage: qmpkit agent");

        CliRun noCommand = CliRun.of("agent", "--socket", missing.toString());
        assertThat(noCommand.exitCode()).isEqualTo(2);
        assertThat(noCommand.err()).contains("missing COMMAND");

        CliRun noProgram = CliRun.of("agent", "--socket", missing.toString(), "exec", "--");
        assertThat(noProgram.exitCode()).isEqualTo(2);

        try (HostAgent agent = HostAgent.start(dir, "guest-get-osinfo")) {
            String sock = agent.socket().toString();
            CliRun blocked = CliRun.of("agent", "--socket", sock, "guest-get-osinfo");
            assertThat(blocked.exitCode()).isEqualTo(1);
            assertThat(blocked.err()).contains("'guest-get-osinfo' is disabled")
                    .contains("fix: list what this agent offers: ./qmpkit agent --socket " + sock + " guest-info");

            CliRun noSuchProgram = CliRun.of("agent", "--socket", sock, "exec", "--", "/no/such/program");
            assertThat(noSuchProgram.exitCode()).isEqualTo(1);
            assertThat(noSuchProgram.err()).contains("guest-exec").contains("/no/such/program");

            agent.freeze();
            long start = System.nanoTime();
            CliRun frozen = CliRun.of("agent", "--socket", sock, "guest-ping");
            assertThat(frozen.exitCode()).isEqualTo(1);
            assertThat(frozen.err()).contains("did not answer guest-sync-delimited")
                    .contains("fix: start qemu-ga in the guest");
            assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(20);
            agent.resume();

            agent.kill();
            CliRun dead = CliRun.of("agent", "--socket", sock, "guest-ping");
            assertThat(dead.exitCode()).isEqualTo(1);
            assertThat(dead.err()).contains("cannot connect to the guest agent at " + sock).contains("fix: ");
        }
    }
}
