package dev.qmpkit.qmp.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpProtocolException;
import dev.qmpkit.qmp.QmpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What qemu-ga cannot be made to do (garbage before its sentinel, replies split at every byte,
 * oversized replies, no echoed ids) or must not do on a host (shut down, freeze file systems),
 * against {@link FakeAgent}. Everything else is tested on a real agent in {@link GuestAgentIT}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GuestAgentFakeTest {

    private static final String OS_INFO = "{\"name\": \"Debian GNU/Linux\", \"kernel-release\": \"6.1.0-28-cloud-amd64\", "
            + "\"version\": \"12 (bookworm)\", \"pretty-name\": \"Debian GNU/Linux 12 (bookworm)\", \"version-id\": \"12\", "
            + "\"kernel-version\": \"#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)\", \"machine\": \"x86_64\", "
            + "\"id\": \"debian\", \"added-by-a-newer-agent\": true}";

    @TempDir
    Path dir;

    private static AgentOptions quick() {
        return AgentOptions.builder().commandTimeout(Duration.ofMillis(500)).syncTimeout(Duration.ofMillis(500)).build();
    }

    @Test
    void garbageAndStaleRepliesBeforeTheSentinel_areDropped() throws Exception {
        try (FakeAgent fake = FakeAgent.start(dir.resolve("qga.sock"));
             GuestAgentClient client = GuestAgentClient.open(fake.socket(), quick())) {
            // Not JSON, a stale complete reply, a stale reply cut in half (a string holding braces), as a
            // channel holds them after a reboot or another client.
            fake.beforeSentinel(("\u0000\u0001garbage }}]] {\"return\": 42, \"id\": \"qk1\"}\n{\"return\": \"{{\\\"half")
                    .getBytes(StandardCharsets.UTF_8));
            fake.on("guest-get-osinfo", r -> r.reply(OS_INFO));
            assertThat(client.blocking().guestSync(7)).isEqualTo(7);
            GuestOsInfo os = client.blocking().osInfo();
            assertThat(os.prettyName()).isEqualTo("Debian GNU/Linux 12 (bookworm)");
            assertThat(os.variant()).isNull();
            client.blocking().sync(); // again, with the same garbage in front
            assertThat(client.blocking().guestSync(8)).isEqualTo(8);
            assertThat(fake.connections()).isEqualTo(1);
        }
    }

    @Test
    void aStaleSyncReplyAfterTheSentinel_isDroppedByItsValue() throws Exception {
        try (FakeAgent fake = FakeAgent.start(dir.resolve("qga.sock"));
             GuestAgentClient client = GuestAgentClient.open(fake.socket(), quick())) {
            // An earlier sync's sentinel and reply, then ours, delivered in one write.
            fake.on("guest-sync-delimited", r -> r.raw(("\u00ff{\"return\": 123456789}\n\u00ff{\"return\": "
                    + r.arguments().path("id") + "}\n{\"return\": 5, \"id\": \"stale\"}\n")
                    .getBytes(StandardCharsets.ISO_8859_1)));
            assertThat(client.blocking().guestSync(99)).isEqualTo(99);
        }
    }

    @Test
    void everyReplySplitAtEveryByte_isReassembled() throws Exception {
        try (FakeAgent fake = FakeAgent.start(dir.resolve("qga.sock"));
             GuestAgentClient client = GuestAgentClient.open(fake.socket())) {
            fake.splitWrites(true);
            fake.beforeSentinel("{\"return\": 1}\n".getBytes(StandardCharsets.UTF_8));
            fake.on("guest-get-osinfo", r -> r.reply(OS_INFO));
            fake.on("guest-exec-status", r -> r.reply("{\"exitcode\": 0, \"out-data\": \"aMOpbGxvIMOcIOKCrAo=\", "
                    + "\"out-truncated\": false, \"exited\": true}"));
            fake.on("guest-exec", r -> r.reply("{\"pid\": 4242}"));
            GuestOsInfo os = client.blocking().osInfo();
            assertThat(os.kernelVersion()).isEqualTo("#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)");
            assertThat(os.id()).isEqualTo("debian");
            ExecResult r = client.blocking().exec(ExecRequest.of("echo", "héllo Ü €"));
            assertThat(r.pid()).isEqualTo(4242);
            assertThat(r.stdoutText()).isEqualTo("héllo Ü €\n");
            assertThat(client.blocking().guestSync(3)).isEqualTo(3);
        }
    }

    @Test
    void oversizedReply_closesTheConnectionWithAProtocolCause_andTheNextCallReconnects() throws Exception {
        AgentOptions small = AgentOptions.builder().maxMessageSize(64 * 1024).fileChunkSize(32 * 1024).build();
        try (FakeAgent fake = FakeAgent.start(dir.resolve("qga.sock"));
             GuestAgentClient client = GuestAgentClient.open(fake.socket(), small)) {
            fake.on("guest-get-host-name", r -> r.reply("{\"host-name\": \"" + "x".repeat(100_000) + "\"}"));
            assertThatThrownBy(() -> client.blocking().hostName()).isInstanceOfSatisfying(
                    QmpConnectionException.class, e -> {
                        assertThat(e.getMessage()).contains("size limit");
                        assertThat(e.getCause()).isInstanceOf(QmpProtocolException.class)
                                .hasMessageContaining("AgentOptions.maxMessageSize");
                    });
            client.blocking().ping();
            assertThat(fake.connections()).isEqualTo(2);
        }
    }

    @Test
    void agentWithoutIdEcho_isAnsweredInOrder() throws Exception {
        try (FakeAgent fake = FakeAgent.start(dir.resolve("qga.sock"));
             GuestAgentClient client = GuestAgentClient.open(fake.socket())) {
            fake.echoIds(false);
            fake.on("guest-get-time", r -> r.reply("1796013812116599000"));
            fake.on("guest-file-open", r -> r.error("GenericError", "failed to open file '/x' (mode: 'r')"));
            assertThat(client.blocking().getTime().toString()).isEqualTo("2026-11-30T04:43:32.116599Z");
            assertThatThrownBy(() -> client.blocking().fileOpen("/x", "r"))
                    .isInstanceOfSatisfying(AgentCommandException.class, e -> {
                        assertThat(e.command()).isEqualTo("guest-file-open");
                        assertThat(e.description()).contains("failed to open");
                    });
            assertThat(client.blocking().guestSync(12)).isEqualTo(12);
        }
    }

    @Test
    void shutdown_neverAnsweredOnSuccess_completesWhenTheSyncBehindItIsAnswered() throws Exception {
        try (FakeAgent fake = FakeAgent.start(dir.resolve("qga.sock"));
             GuestAgentClient client = GuestAgentClient.open(fake.socket(), quick())) {
            fake.on("guest-shutdown", r -> { }); // as qemu-ga: no reply when the shutdown was started
            client.blocking().shutdown(ShutdownMode.REBOOT);
            assertThat(fake.received().stream().filter(m -> m.path("execute").asText().equals("guest-shutdown"))
                    .findFirst().orElseThrow().path("arguments").path("mode").asText()).isEqualTo("reboot");
            // The same through the raw form.
            assertThat(client.blocking().execute("guest-shutdown", java.util.Map.of("mode", "halt")).isEmpty()).isTrue();
            client.blocking().ping();
        }
    }

    @Test
    void shutdown_refused_failsWithTheAgentsError_closedChannel_countsAsDone_silence_timesOut() throws Exception {
        try (FakeAgent fake = FakeAgent.start(dir.resolve("qga.sock"));
             GuestAgentClient client = GuestAgentClient.open(fake.socket(), quick())) {
            fake.on("guest-shutdown", r -> r.error("GenericError", "child process has failed to shutdown"));
            assertThatThrownBy(() -> client.blocking().shutdown(ShutdownMode.POWERDOWN))
                    .isInstanceOfSatisfying(AgentCommandException.class,
                            e -> assertThat(e.description()).contains("failed to shutdown"));
            assertThat(client.blocking().guestSync(1)).as("the confirming sync's reply is not taken for this")
                    .isEqualTo(1);

            fake.on("guest-shutdown", FakeAgent.Request::closeConnection); // the guest went down
            client.blocking().shutdown(ShutdownMode.POWERDOWN);

            fake.on("guest-sync-delimited", r -> { }); // an agent that hangs right after the request
            fake.on("guest-shutdown", r -> { });
            fake.on("guest-ping", r -> r.reply("{}"));
            assertThatThrownBy(() -> client.blocking().shutdown(ShutdownMode.POWERDOWN))
                    .isInstanceOf(QmpTimeoutException.class);
        }
    }

    @Test
    void fileChunks_splitAtEveryByte_areReassembled_andAnErrorOrAForeignIdInOneFailsTheRead() throws Exception {
        try (FakeAgent fake = FakeAgent.start(dir.resolve("qga.sock"));
             GuestAgentClient client = GuestAgentClient.open(fake.socket(), AgentOptions.builder()
                     .fileChunkSize(4).build())) {
            fake.splitWrites(true);
            byte[] content = "0123456789".getBytes(StandardCharsets.UTF_8);
            int[] position = {0};
            fake.on("guest-file-open", r -> {
                position[0] = 0;
                r.reply("1000");
            });
            fake.on("guest-file-close", r -> r.reply("{}"));
            fake.on("guest-file-read", r -> {
                int n = Math.min(r.arguments().path("count").asInt(), content.length - position[0]);
                String b64 = java.util.Base64.getEncoder().encodeToString(
                        java.util.Arrays.copyOfRange(content, position[0], position[0] + n));
                position[0] += n;
                r.reply("{\"count\": " + n + ", \"buf-b64\": \"" + b64 + "\", \"eof\": "
                        + (position[0] == content.length) + "}");
            });
            assertThat(client.blocking().readFile("/guest/file")).isEqualTo(content);
            assertThat(fake.count("guest-file-close")).isEqualTo(1);

            fake.splitWrites(false);
            fake.on("guest-file-read", r -> r.error("GenericError", "read failed: Input/output error"));
            assertThatThrownBy(() -> client.blocking().readFile("/guest/file"))
                    .isInstanceOfSatisfying(AgentCommandException.class, e -> {
                        assertThat(e.command()).isEqualTo("guest-file-read");
                        assertThat(e.description()).contains("Input/output error");
                    });
            assertThat(fake.count("guest-file-close")).as("closed after the error").isEqualTo(2);

            fake.on("guest-file-read", r -> r.send("{\"return\": {\"count\": 1, \"buf-b64\": \"QQ==\", \"eof\": true}, "
                    + "\"id\": \"qk999999\"}\n"));
            assertThatThrownBy(() -> client.blocking().fileRead(1000, 4)).isInstanceOf(QmpProtocolException.class)
                    .hasMessageContaining("out of sync");
        }
    }

    @Test
    void fsfreeze_freezeThawAndStatus_carryTheAgentsAnswers() throws Exception {
        try (FakeAgent fake = FakeAgent.start(dir.resolve("qga.sock"));
             GuestAgentClient client = GuestAgentClient.open(fake.socket())) {
            fake.on("guest-fsfreeze-freeze", r -> r.reply("2"));
            fake.on("guest-fsfreeze-status", r -> r.reply("\"frozen\""));
            fake.on("guest-fsfreeze-thaw", r -> r.reply("2"));
            BlockingGuestAgent ga = client.blocking();
            assertThat(ga.fsfreezeFreeze()).isEqualTo(2);
            assertThat(ga.fsfreezeStatus()).isEqualTo(FsFreezeStatus.FROZEN);
            assertThat(ga.fsfreezeThaw()).isEqualTo(2);
            fake.on("guest-fsfreeze-status", r -> r.reply("\"melting\""));
            assertThatThrownBy(ga::fsfreezeStatus).isInstanceOf(QmpProtocolException.class)
                    .hasMessageContaining("guest-fsfreeze-status").hasMessageContaining("melting");
        }
    }

    @Test
    void aSocketThatIsNotThere_failsAtOnceNamingIt() {
        Path missing = dir.resolve("no-agent.sock");
        try (GuestAgentClient client = GuestAgentClient.open(missing, quick())) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> client.blocking().ping()).isInstanceOf(QmpConnectionException.class)
                    .hasMessageContaining(missing.toString()).hasMessageContaining("unix-listen");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        }
    }
}
