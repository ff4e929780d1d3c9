package dev.qmpkit.qmp.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpResources;
import dev.qmpkit.qmp.QmpTimeoutException;
import dev.qmpkit.qmp.reliability.Resources;
import dev.qmpkit.qmp.testing.HostAgent;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest agent client against a real qemu-ga 7.2 run on the host
 * ({@code qemu-ga -m unix-listen}, see {@link HostAgent} for what it may and may not do there).
 * What a host agent must never do (shut down, freeze file systems) is tested with the commands
 * blocked here and against a fake agent in {@code GuestAgentFakeTest}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GuestAgentIT {

    @TempDir
    Path dir;

    private static AgentOptions quick() {
        return AgentOptions.builder().commandTimeout(Duration.ofMillis(800)).syncTimeout(Duration.ofMillis(800))
                .build();
    }

    @Test
    void everyTypedCommand_answersFromARealAgent() throws Exception {
        try (HostAgent agent = HostAgent.start(dir);
             GuestAgentClient client = GuestAgentClient.open(agent.socket())) {
            BlockingGuestAgent ga = client.blocking();
            ga.ping();
            GuestAgentInfo info = ga.info();
            assertThat(info.version()).isEqualTo(qemuGaVersion());
            assertThat(info.enabled("guest-exec")).isTrue();
            assertThat(info.enabled("guest-shutdown")).as("blocked in a host agent").isFalse();
            assertThat(ga.guestSync(424242L)).isEqualTo(424242L);
            assertThat(ga.getTime()).isCloseTo(Instant.now(), within(5, ChronoUnit.SECONDS));
            GuestOsInfo os = ga.osInfo();
            assertThat(os.id()).isEqualTo(osRelease("ID"));
            assertThat(os.kernelRelease()).isEqualTo(System.getProperty("os.version"));
            assertThat(os.machine()).isEqualTo("x86_64");
            assertThat(ga.hostName()).isEqualTo(Files.readString(Path.of("/proc/sys/kernel/hostname")).strip());
            GuestNetworkInterface lo = ga.networkInterfaces().stream().filter(i -> i.name().equals("lo"))
                    .findFirst().orElseThrow();
            assertThat(lo.ipAddresses()).contains(new GuestIpAddress("127.0.0.1", "ipv4", 8));
            assertThat(lo.statistics()).isNotNull();
            assertThat(ga.fsfreezeStatus()).isEqualTo(FsFreezeStatus.THAWED);

            // What would act on the host is blocked: the request reaches the agent, which refuses it by name.
            assertThatThrownBy(ga::fsfreezeFreeze).isInstanceOfSatisfying(AgentCommandUnavailableException.class,
                    e -> {
                        assertThat(e.command()).isEqualTo("guest-fsfreeze-freeze");
                        assertThat(e.reason()).isEqualTo(AgentCommandUnavailableException.Reason.DISABLED);
                    });
            assertThatThrownBy(() -> ga.shutdown(ShutdownMode.POWERDOWN))
                    .isInstanceOfSatisfying(AgentCommandUnavailableException.class,
                            e -> assertThat(e.command()).isEqualTo("guest-shutdown"));
            if (agent.unprivileged()) {
                // As nobody the agent tries and the kernel refuses: the time (in ns) and its absence both arrive.
                assertThat(ga.fsfreezeThaw()).isZero();
                assertThatThrownBy(() -> ga.setTime(Instant.now().plusSeconds(3600)))
                        .isInstanceOfSatisfying(AgentCommandException.class, e -> assertThat(e.description())
                                .contains("Failed to set time").contains("Operation not permitted"));
                assertThatThrownBy(ga::setTimeFromHardwareClock).isInstanceOf(AgentCommandException.class)
                        .hasMessageContaining("hwclock");
                assertThat(ga.getTime()).as("the host clock is untouched")
                        .isCloseTo(Instant.now(), within(5, ChronoUnit.SECONDS));
            }
            // The raw form, and the connection is still fine after errors.
            assertThat(ga.execute("guest-get-host-name", null).path("host-name").asText())
                    .isEqualTo(ga.hostName());
        }
    }

    @Test
    void exec_returnsOutputExitCodesSignals_feedsStdinAndEnvironment() throws Exception {
        try (HostAgent agent = HostAgent.start(dir);
             GuestAgentClient client = GuestAgentClient.open(agent.socket())) {
            BlockingGuestAgent ga = client.blocking();
            ExecResult r = ga.exec(ExecRequest.of("/bin/sh", "-c", "echo out; echo err >&2; exit 3"));
            assertThat(r.exited()).isTrue();
            assertThat(r.exitCode()).isEqualTo(3);
            assertThat(r.signal()).isNull();
            assertThat(r.stdoutText()).isEqualTo("out\n");
            assertThat(r.stderrText()).isEqualTo("err\n");
            assertThat(r.succeeded()).isFalse();

            String text = "first line\nsecond ü € 😀\n";
            ExecResult cat = ga.exec(ExecRequest.builder("cat").input(text).build());
            assertThat(cat.succeeded()).isTrue();
            assertThat(cat.stdoutText()).isEqualTo(text);

            ExecResult env = ga.exec(ExecRequest.builder("/bin/sh").args("-c", "echo \"$GREETING|$HOME\"")
                    .env("GREETING", "hello world").build());
            assertThat(env.stdoutText()).as("the given variables are the whole environment").isEqualTo("hello world|\n");

            ExecResult killed = ga.exec(ExecRequest.of("/bin/sh", "-c", "kill -9 $$"));
            assertThat(killed.exitCode()).isNull();
            assertThat(killed.signal()).isEqualTo(9);
            assertThat(killed.shellStatus()).isEqualTo(137);

            assertThatThrownBy(() -> ga.exec(ExecRequest.of("/nonexistent/program")))
                    .isInstanceOfSatisfying(AgentCommandException.class, e -> {
                        assertThat(e.command()).isEqualTo("guest-exec");
                        assertThat(e.description()).contains("/nonexistent/program");
                    });
        }
    }

    @Test
    void exec_largeOutputArrivesWhole_andBeyondTheAgentsLimitIsReportedTruncated() throws Exception {
        try (HostAgent agent = HostAgent.start(dir);
             GuestAgentClient client = GuestAgentClient.open(agent.socket())) {
            ExecResult seq = client.blocking().exec(ExecRequest.of("seq", "1", "500000"));
            String expected = IntStream.rangeClosed(1, 500000).mapToObj(Integer::toString)
                    .collect(Collectors.joining("\n", "", "\n"));
            assertThat(seq.stdout().length).isEqualTo(expected.length()).isGreaterThan(3_000_000);
            assertThat(seq.stdoutText()).isEqualTo(expected);
            assertThat(seq.stdoutTruncated()).isFalse();

            // qemu-ga keeps 16 MiB per stream and says it dropped the rest.
            ExecResult big = client.blocking().exec(ExecRequest.of("head", "-c", "20000000", "/dev/zero"));
            assertThat(big.succeeded()).isTrue();
            assertThat(big.stdoutTruncated()).isTrue();
            assertThat(big.stdout().length).isEqualTo(16 * 1024 * 1024);
            assertThat(big.stderrTruncated()).isFalse();
        }
    }

    @Test
    void execTimeout_stopsWaitingAndKillsNothing_theResultIsCollectedLater() throws Exception {
        try (HostAgent agent = HostAgent.start(dir);
             GuestAgentClient client = GuestAgentClient.open(agent.socket())) {
            long start = System.nanoTime();
            ExecTimeoutException timeout = (ExecTimeoutException) Futures.unwrap(client.exec(ExecRequest
                    .builder("sleep").args("2").timeout(Duration.ofMillis(300)).build())
                    .handle((r, e) -> e).join());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            long pid = timeout.guestPid();
            assertThat(timeout.getMessage()).contains("pid " + pid).contains("not killed");
            assertThat(Files.readString(Path.of("/proc/" + pid + "/cmdline"))).as("still running").startsWith("sleep");
            ExecResult later;
            do {
                Thread.sleep(100);
                later = client.blocking().execStatus(pid);
            } while (!later.exited());
            assertThat(later.exitCode()).isZero();
        }
    }

    @Test
    void fiveMibFileRoundTrip_inChunks_handlesClosedOnEveryPath() throws Exception {
        byte[] data = new byte[5 * 1024 * 1024 + 17];
        new Random(8).nextBytes(data);
        try (HostAgent agent = HostAgent.start(dir);
             GuestAgentClient client = GuestAgentClient.open(agent.socket())) { // 4 MiB chunks
            BlockingGuestAgent ga = client.blocking();
            ga.ping();
            int fds = agent.openFds();
            String guestFile = agent.workDir().resolve("blob, with 'odd' name.bin").toString();

            assertThat(ga.writeFile(guestFile, new ByteArrayInputStream(data))).isEqualTo(data.length);
            assertThat(Files.readAllBytes(Path.of(guestFile))).as("what the agent wrote").isEqualTo(data);
            assertThat(ga.readFile(guestFile)).isEqualTo(data);
            byte[] exact = new byte[8 << 20]; // a whole number of chunks: the end shows only in a read past it
            new Random(9).nextBytes(exact);
            String exactFile = agent.workDir().resolve("exact.bin").toString();
            ga.writeFile(exactFile, exact);
            assertThat(ga.readFile(exactFile)).isEqualTo(exact);
            ga.writeFile(exactFile, new byte[0]);
            assertThat(ga.readFile(exactFile)).isEmpty();
            ByteArrayOutputStream slice = new ByteArrayOutputStream();
            assertThat(ga.readFile(guestFile, 3_000_001, 1_500_000, slice)).isEqualTo(1_500_000);
            assertThat(slice.toByteArray()).isEqualTo(Arrays.copyOfRange(data, 3_000_001, 4_500_001));
            assertThat(agent.openFds()).as("every guest handle closed").isEqualTo(fds);

            // The local stream fails midway: the error is the stream's, and the guest handle is closed anyway.
            OutputStream failing = new OutputStream() {
                private int written;

                @Override
                public void write(int b) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    written += len;
                    if (written > 2_000_000) {
                        throw new IOException("disk full (test)");
                    }
                }
            };
            assertThatThrownBy(() -> ga.readFile(guestFile, failing)).isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("disk full (test)");
            assertThat(agent.openFds()).as("handle closed after the local failure").isEqualTo(fds);

            assertThatThrownBy(() -> ga.readFile(agent.workDir().resolve("missing").toString()))
                    .isInstanceOfSatisfying(AgentCommandException.class,
                            e -> assertThat(e.command()).isEqualTo("guest-file-open"));
            assertThat(agent.openFds()).isEqualTo(fds);
        }
    }

    @Test
    void blockedAndUnknownCommands_failWithATypedErrorNamingThem() throws Exception {
        try (HostAgent agent = HostAgent.start(dir, "guest-get-osinfo");
             GuestAgentClient client = GuestAgentClient.open(agent.socket())) {
            BlockingGuestAgent ga = client.blocking();
            assertThat(ga.info().enabled("guest-get-osinfo")).isFalse();
            assertThatThrownBy(ga::osInfo).isInstanceOfSatisfying(AgentCommandUnavailableException.class, e -> {
                assertThat(e.command()).isEqualTo("guest-get-osinfo");
                assertThat(e.reason()).isEqualTo(AgentCommandUnavailableException.Reason.DISABLED);
                assertThat(e.getMessage()).contains("'guest-get-osinfo'").contains("disabled")
                        .contains(agent.socket().toString());
            });
            assertThatThrownBy(() -> ga.execute("guest-no-such-command", null))
                    .isInstanceOfSatisfying(AgentCommandUnavailableException.class, e -> {
                        assertThat(e.command()).isEqualTo("guest-no-such-command");
                        assertThat(e.reason()).isEqualTo(AgentCommandUnavailableException.Reason.NOT_FOUND);
                    });
            ga.ping();
        }
    }

    @Test
    void sigstoppedAgent_timesOut_thenAfterSigcontAResyncGivesTheRightAnswers_neverAStaleOne() throws Exception {
        try (HostAgent agent = HostAgent.start(dir);
             GuestAgentClient client = GuestAgentClient.open(agent.socket(), quick())) {
            BlockingGuestAgent ga = client.blocking();
            assertThat(ga.guestSync(1)).isEqualTo(1);
            agent.freeze();
            long start = System.nanoTime();
            assertThatThrownBy(() -> ga.guestSync(111)).isInstanceOf(QmpTimeoutException.class)
                    .hasMessageContaining("'guest-sync'");
            // Now the client must resynchronise, and the agent does not answer that either.
            List<CompletableFuture<Long>> queued = new ArrayList<>();
            for (long i = 200; i < 205; i++) {
                queued.add(client.guestSync(i));
            }
            for (CompletableFuture<Long> f : queued) {
                assertThatThrownBy(f::join).hasCauseInstanceOf(QmpTimeoutException.class)
                        .hasMessageContaining("did not answer guest-sync-delimited");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("no hang").isLessThan(Duration.ofSeconds(10));
            // Resync attempts (800 ms each) pile up in the frozen agent, each with its own random id;
            // calls queued behind the current attempt go out the moment it is answered.
            long attempts = System.nanoTime();
            CompletableFuture<Void> back = client.awaitAgent(Duration.ofSeconds(30));
            Thread.sleep(1800 - (System.nanoTime() - attempts) / 1_000_000);
            List<CompletableFuture<Long>> next = new ArrayList<>();
            for (long i = 1000; i < 1050; i++) {
                next.add(client.guestSync(i));
            }
            assertThat(back).isNotDone();
            agent.resume();
            // The agent now answers 111, the syncs of the five calls and of the earlier attempts, and
            // their parse errors, in a burst: none of that may be taken as the answer to a new call.
            back.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < next.size(); i++) {
                assertThat(next.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(1000L + i);
            }
            assertThat(ga.exec(ExecRequest.of("echo", "fresh")).stdoutText()).isEqualTo("fresh\n");
        }
    }

    @Test
    void agentKilledAndRestarted_theNextCallReconnects_aCallInFlightFailsAtOnce() throws Exception {
        try (HostAgent agent = HostAgent.start(dir);
             GuestAgentClient client = GuestAgentClient.open(agent.socket(), quick())) {
            BlockingGuestAgent ga = client.blocking();
            ga.ping();
            agent.freeze();
            CompletableFuture<Long> inFlight = client.execute("guest-sync", java.util.Map.of("id", 5),
                    Duration.ofSeconds(30)).thenApply(v -> v.asLong());
            Thread.sleep(100);
            long killed = System.nanoTime();
            agent.kill();
            assertThatThrownBy(inFlight::join).hasCauseInstanceOf(QmpConnectionException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(Duration.ofSeconds(5));

            // No agent: a clear connection error naming the socket, at once.
            assertThatThrownBy(ga::ping).isInstanceOf(QmpConnectionException.class)
                    .hasMessageContaining(agent.socket().toString());

            agent.restart();
            assertThat(ga.guestSync(77)).isEqualTo(77);
            assertThat(ga.info().version()).isEqualTo(qemuGaVersion());
        }
    }

    @Test
    void manyThreadsShareOneClient_eachGetsItsOwnAnswer_closeFailsWhatIsPending_andLeavesNoSocket() throws Exception {
        try (HostAgent agent = HostAgent.start(dir)) {
            QmpResources.shared().nativeTransport(); // the epoll transport's own socket, once per JVM
            int socketsBefore = Resources.now().sockets();
            GuestAgentClient client = GuestAgentClient.open(agent.socket());
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
            try {
                List<CompletableFuture<Void>> threads = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    long base = t * 1_000_000L;
                    threads.add(CompletableFuture.runAsync(() -> {
                        for (long i = base; i < base + 200; i++) {
                            assertThat(client.blocking().guestSync(i)).isEqualTo(i);
                        }
                    }, pool));
                }
                CompletableFuture.allOf(threads.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }

            agent.freeze();
            List<CompletableFuture<Void>> pending = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                pending.add(client.ping());
            }
            Thread.sleep(200);
            client.close();
            for (CompletableFuture<Void> f : pending) {
                assertThatThrownBy(f::join).hasCauseInstanceOf(QmpConnectionException.class)
                        .hasMessageContaining("closed");
            }
            assertThatThrownBy(() -> client.blocking().ping()).isInstanceOf(QmpConnectionException.class)
                    .hasMessageContaining("is closed");
            client.close(); // idempotent
            agent.resume();
            assertThat(Resources.now().sockets()).isEqualTo(socketsBefore);
        }
    }

    @Test
    void staleBytesLeftByAnEarlierClient_areDroppedByTheResync() throws Exception {
        try (HostAgent agent = HostAgent.start(dir)) {
            // The stale bytes are real: after them, a client that does not resync gets an error.
            writeAndLeave(agent.socket(), "{\"execute\": \"guest-ping\", \"arguments\": {\"x");
            String naive = exchange(agent.socket(), "{\"execute\": \"guest-sync\", \"arguments\": {\"id\": 5}}");
            assertThat(naive).contains("error").doesNotContain("\"return\": 5");

            writeAndLeave(agent.socket(), "{\"execute\": \"guest-ping\", \"arguments\": {\"x");
            try (GuestAgentClient client = GuestAgentClient.open(agent.socket())) {
                assertThat(client.blocking().guestSync(6)).isEqualTo(6);
                assertThat(client.blocking().hostName()).isNotBlank();
            }
        }
    }

    @Test
    void awaitAgent_waitsForAnAgentThatStartsLater() throws Exception {
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path sockDir = Files.createDirectories(dir.resolve("later"));
        try (GuestAgentClient client = GuestAgentClient.open(sockDir.resolve("agent").resolve("qga.sock"), quick())) {
            CompletableFuture<Void> ready = client.awaitAgent(Duration.ofSeconds(20));
            Thread.sleep(700);
            assertThat(ready).isNotDone();
            try (HostAgent agent = HostAgent.start(sockDir)) {
                assertThat(agent.socket()).isEqualTo(client.socket());
                ready.get(20, TimeUnit.SECONDS);
                assertThat(client.blocking().guestSync(9)).isEqualTo(9);
            }
        }
    }

    private static void writeAndLeave(Path socket, String bytes) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(bytes.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static String exchange(Path socket, String request) throws IOException, InterruptedException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            Thread.sleep(500);
            ch.configureBlocking(false);
            ByteBuffer buf = ByteBuffer.allocate(65536);
            ch.read(buf);
            return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        }
    }

    static String qemuGaVersion() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(HostAgent.QEMU_GA.toString(), "-V").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out.lines().findFirst().orElseThrow().replaceAll(".* ", "");
    }

    private static String osRelease(String key) throws IOException {
        return Files.readAllLines(Path.of("/etc/os-release")).stream().filter(l -> l.startsWith(key + "="))
                .map(l -> l.substring(key.length() + 1).replace("\"", "")).findFirst().orElseThrow();
    }
}
