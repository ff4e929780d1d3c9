package dev.qmpkit.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.testing.ProtocolErrors;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The client against real QEMU 10.0 and 7.2 ({@code -M none}, TCG). */
@Timeout(120)
class QmpClientIT {

    @TempDir
    Path tmp;

    /** Protocol errors the launched clients reported; most tests expect none. */
    private final List<QmpProtocolException> protocolErrors = new java.util.concurrent.CopyOnWriteArrayList<>();

    private QemuProcess start(QemuBinary qemu, String... extra) {
        List<String> args = new ArrayList<>(List.of("-M", "none", "-accel", "tcg", "-nodefaults"));
        args.addAll(List.of(extra));
        QmpOptions options = QmpOptions.builder().connectionListener(ProtocolErrors.to(protocolErrors::add)).build();
        return QemuLauncher.builder(qemu).args(args).workDir(tmp).name("qmpit").qmpOptions(options).build().start();
    }

    /**
     * A second monitor for client-mode and listen-mode tests. The launcher reserves -qmp/-mon
     * for its own monitor, so the extra one comes from a QEMU config file ({@code -readconfig}).
     */
    private String[] extraMonitor(String name, Map<String, String> chardev) throws IOException {
        StringBuilder cfg = new StringBuilder("[chardev \"" + name + "\"]\n  backend = \"socket\"\n");
        chardev.forEach((k, v) -> cfg.append("  ").append(k).append(" = \"").append(v).append("\"\n"));
        cfg.append("\n[mon \"").append(name).append("\"]\n  mode = \"control\"\n  chardev = \"").append(name)
                .append("\"\n");
        Path file = Files.writeString(tmp.resolve(name + ".cfg"), cfg.toString());
        return new String[] {"-readconfig", file.toString()};
    }

    private static void signal(long pid, String sig) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertThat(p.waitFor()).isZero();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void handshakeReportsTheVersionQemuReports_andRawExecuteWorks(QemuBinary qemu) {
        try (QemuProcess p = start(qemu)) {
            QmpClient c = p.qmp();
            JsonNode v = c.blocking().execute("query-version");
            assertThat(c.qemuVersion()).isEqualTo(new QemuVersion(v.at("/qemu/major").asInt(),
                    v.at("/qemu/minor").asInt(), v.at("/qemu/micro").asInt()));
            assertThat(c.greeting().packageName()).isEqualTo(v.get("package").asText().trim());
            assertThat(c.oobEnabled()).isTrue();
            assertThat(c.blocking().execute("query-status").get("status").asText()).isEqualTo("running");
            assertThat(c.blocking().execute("qom-list", Map.of("path", "/")).isArray()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void unknownCommandFailsWithCommandNotFound(QemuBinary qemu) {
        try (QemuProcess p = start(qemu)) {
            assertThatThrownBy(() -> p.qmp().blocking().execute("no-such-command-xyz"))
                    .isInstanceOfSatisfying(QmpCommandException.class, e -> {
                        assertThat(e.errorClass()).isEqualTo("CommandNotFound");
                        assertThat(e.command()).isEqualTo("no-such-command-xyz");
                        assertThat(e.description()).contains("no-such-command-xyz");
                        assertThat(e.getMessage()).contains("QEMU " + p.qmp().qemuVersion());
                    });
            // a wrong argument is QEMU's GenericError, and the connection stays usable
            assertThatThrownBy(() -> p.qmp().blocking().execute("qom-list", Map.of("path", "/no/such")))
                    .isInstanceOf(QmpCommandException.class);
            assertThat(p.qmp().blocking().execute("query-status")).isNotNull();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void stopAndContEmitStopAndResume_awaitRegisteredBeforeSending(QemuBinary qemu) throws Exception {
        try (QemuProcess p = start(qemu)) {
            QmpClient c = p.qmp();
            CompletableFuture<QmpEvent> stop = c.awaitEvent("STOP", null, Duration.ofSeconds(10));
            c.blocking().execute("stop");
            assertThat(stop.get(10, TimeUnit.SECONDS).name()).isEqualTo("STOP");
            assertThat(c.blocking().execute("query-status").get("status").asText()).isEqualTo("paused");
            CompletableFuture<QmpEvent> resume = c.awaitEvent("RESUME", null, Duration.ofSeconds(10));
            c.blocking().execute("cont");
            QmpEvent e = resume.get(10, TimeUnit.SECONDS);
            assertThat(e.name()).isEqualTo("RESUME");
            assertThat(e.timestamp().getEpochSecond()).isGreaterThan(1_600_000_000L);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void passesAnFdWithAddFd_withoutTruncatingOrClosingTheCallersFile(QemuBinary qemu) throws Exception {
        Path file = tmp.resolve("data.bin");
        Files.writeString(file, "precious contents");
        try (QemuProcess p = start(qemu); RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            QmpClient c = p.qmp();
            JsonNode added = c.executeWithFd(raf.getFD(), "add-fd", Map.of("fdset-id", 7, "opaque", "qmpkit-test"))
                    .get(10, TimeUnit.SECONDS);
            assertThat(added.get("fdset-id").asInt()).isEqualTo(7);
            int qemuFd = added.get("fd").asInt();
            JsonNode fdsets = c.blocking().execute("query-fdsets");
            assertThat(fdsets.toString()).contains("\"fdset-id\":7").contains("\"fd\":" + qemuFd)
                    .contains("qmpkit-test");
            // getfd + closefd, and a plain command afterwards: the stray-byte errors were all swallowed
            assertThat(c.executeWithFd(raf.getFD(), "getfd", Map.of("fdname", "mine")).get(10, TimeUnit.SECONDS)
                    .isObject()).isTrue();
            c.blocking().execute("closefd", Map.of("fdname", "mine"));
            assertThat(c.blocking().execute("query-status")).isNotNull();
            assertThat(protocolErrors).as("QEMU's stray-byte errors are expected, not protocol errors").isEmpty();
            // the caller's descriptor is still open and the file is intact
            raf.seek(0);
            assertThat(raf.readLine()).isEqualTo("precious contents");
            assertThat(Files.readString(file, StandardCharsets.UTF_8)).isEqualTo("precious contents");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void thousandCommandsFromSixteenThreads_eachGetsItsOwnReply(QemuBinary qemu) throws Exception {
        try (QemuProcess p = start(qemu)) {
            QmpClient c = p.qmp();
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<CompletableFuture<List<Boolean>>> threads = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    int thread = t;
                    threads.add(CompletableFuture.supplyAsync(() -> {
                        List<CompletableFuture<Boolean>> mine = new ArrayList<>();
                        for (int i = 0; i < 63; i++) {
                            int n = thread * 1000 + i + 1; // 'print 0' answers "0", not "0x0"
                            // HMP 'print' echoes a number: a reply that can only belong to this command
                            mine.add(c.execute("human-monitor-command", Map.of("command-line", "print " + n))
                                    .thenApply(r -> r.asText().trim().equals("0x" + Integer.toHexString(n))));
                        }
                        return mine.stream().map(CompletableFuture::join).toList();
                    }, pool));
                }
                int ok = 0;
                for (CompletableFuture<List<Boolean>> f : threads) {
                    for (boolean b : f.get(60, TimeUnit.SECONDS)) {
                        assertThat(b).isTrue();
                        ok++;
                    }
                }
                assertThat(ok).isEqualTo(16 * 63);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void sigkillWithCommandsInFlight_failsThemAllWithinASecond(QemuBinary qemu) throws Exception {
        try (QemuProcess p = start(qemu)) {
            QmpClient c = p.qmp();
            // SIGSTOP first so the commands are certainly unanswered when QEMU dies
            signal(p.pid(), "STOP");
            List<CompletableFuture<JsonNode>> inFlight = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                inFlight.add(c.execute("query-status"));
            }
            Thread.sleep(100);
            assertThat(inFlight).noneMatch(CompletableFuture::isDone);
            long t0 = System.nanoTime();
            p.kill();
            for (CompletableFuture<JsonNode> f : inFlight) {
                long left = TimeUnit.SECONDS.toNanos(1) - (System.nanoTime() - t0);
                assertThatThrownBy(() -> f.get(Math.max(1, left), TimeUnit.NANOSECONDS))
                        .isInstanceOf(ExecutionException.class).cause()
                        .isInstanceOf(QmpConnectionException.class).hasMessageContaining("lost");
            }
            assertThat(c.closeFuture().get(1, TimeUnit.SECONDS)).isInstanceOf(QmpConnectionException.class);
            assertThat(c.state()).isEqualTo(ConnectionState.CLOSED);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void sigstopMakesCommandsTimeOut_andAfterSigcontTheConnectionWorks(QemuBinary qemu) throws Exception {
        try (QemuProcess p = start(qemu)) {
            QmpClient c = p.qmp();
            signal(p.pid(), "STOP");
            try {
                long t0 = System.nanoTime();
                assertThatThrownBy(() -> c.blocking().execute("human-monitor-command",
                        Map.of("command-line", "print 1"), CommandOptions.timeout(Duration.ofMillis(500))))
                        .isInstanceOf(QmpTimeoutException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
            } finally {
                signal(p.pid(), "CONT");
            }
            // the late reply to 'print 1' is dropped; this command gets its own
            JsonNode r = c.execute("human-monitor-command", Map.of("command-line", "print 2"))
                    .get(10, TimeUnit.SECONDS);
            assertThat(r.asText().trim()).isEqualTo("0x2");
            assertThat(c.state()).isEqualTo(ConnectionState.RUNNING);
            assertThat(protocolErrors).as("a late reply of a timed-out command is not a protocol error").isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void listenModeAcceptsQemuConnectingToOurSocket(QemuBinary qemu) throws Exception {
        Path sock = tmp.resolve("listen.sock");
        try (QmpListener listener = QmpListener.bind(sock, QmpOptions.defaults())) {
            assertThat(Files.getPosixFilePermissions(sock)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThatThrownBy(() -> QmpListener.bind(sock, QmpOptions.defaults()))
                    .isInstanceOf(QmpConnectionException.class).hasMessageContaining("already exists");
            CompletableFuture<QmpClient> accepted = listener.accept(Duration.ofSeconds(20));
            try (QemuProcess p = start(qemu, extraMonitor("extra", Map.of("path", sock.toString())))) {
                try (QmpClient c = accepted.get(20, TimeUnit.SECONDS)) {
                    assertThat(c.qemuVersion()).isEqualTo(p.qmp().qemuVersion());
                    assertThat(c.blocking().execute("query-status").get("status").asText()).isEqualTo("running");
                }
            }
        }
        assertThat(sock).doesNotExist();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void clientModeOverUnixAndTcpLoopback(QemuBinary qemu) throws Exception {
        Path sock = tmp.resolve("server.sock");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> extra = new ArrayList<>(List.of(extraMonitor("unixserver",
                Map.of("path", sock.toString(), "server", "on", "wait", "off"))));
        extra.addAll(List.of(extraMonitor("tcpserver",
                Map.of("host", "127.0.0.1", "port", Integer.toString(port), "server", "on", "wait", "off"))));
        try (QemuProcess p = start(qemu, extra.toArray(String[]::new))) {
            try (QmpClient unix = QmpClient.connectBlocking(QmpEndpoint.unix(sock), QmpOptions.defaults());
                 QmpClient tcp = QmpClient.connectBlocking(QmpEndpoint.tcp("127.0.0.1", port), QmpOptions.defaults())) {
                assertThat(unix.blocking().execute("query-status").get("running").asBoolean()).isTrue();
                assertThat(tcp.blocking().execute("query-status").get("running").asBoolean()).isTrue();
                assertThat(tcp.qemuVersion()).isEqualTo(p.qmp().qemuVersion());
                try (RandomAccessFile raf = new RandomAccessFile(sock.getParent().resolve("x").toFile(), "rw")) {
                    assertThatThrownBy(() -> tcp.executeWithFd(raf.getFD(), "getfd", Map.of("fdname", "x")))
                            .isInstanceOf(UnsupportedOperationException.class);
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void tcpToANonLoopbackAddressIsRefusedUnlessAllowed() throws IOException {
        // 192.0.2.1 is TEST-NET-1: never reachable, and never contacted because the check comes first
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> QmpClient.connectBlocking(QmpEndpoint.tcp("192.0.2.1", 4444), QmpOptions.defaults()))
                .isInstanceOf(QmpConnectionException.class).hasMessageContaining("allowRemoteTcp");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
    }
}
