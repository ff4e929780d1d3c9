package dev.qmpkit.qmp.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpListener;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLaunchException;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Monitor sockets on real QEMU 10.0 and 7.2: a path that already exists is never taken over,
 * a path that is not a live QMP socket fails clearly, everything the launcher creates is
 * private, and TCP leaves the host only when explicitly allowed, with a warning.
 */
@Timeout(120)
class SocketSafetyIT {

    @TempDir
    Path tmp;

    private QemuProcess start(QemuBinary qemu, String... extra) {
        List<String> args = new ArrayList<>(List.of("-M", "none", "-accel", "tcg", "-nodefaults"));
        args.addAll(List.of(extra));
        return QemuLauncher.builder(qemu).args(args).workDir(tmp).name("sockets").build().start();
    }

    /** A second monitor QEMU serves itself (the launcher reserves -qmp/-mon), from a config file. */
    private String[] serverMonitor(String name, Map<String, String> chardev) throws IOException {
        StringBuilder cfg = new StringBuilder("[chardev \"" + name + "\"]\n  backend = \"socket\"\n");
        chardev.forEach((k, v) -> cfg.append("  ").append(k).append(" = \"").append(v).append("\"\n"));
        cfg.append("  server = \"on\"\n  wait = \"off\"\n");
        cfg.append("\n[mon \"").append(name).append("\"]\n  mode = \"control\"\n  chardev = \"").append(name)
                .append("\"\n");
        Path file = Files.writeString(tmp.resolve(name + ".cfg"), cfg.toString());
        return new String[] {"-readconfig", file.toString()};
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void listenerNeverTakesOverAnExistingPath_file_symlink_directory_orAnotherProcessesSocket(QemuBinary qemu)
            throws Exception {
        Path file = Files.writeString(tmp.resolve("file.sock"), "precious");
        Path dangling = Files.createSymbolicLink(tmp.resolve("link.sock"), tmp.resolve("target-of-link"));
        Path dir = Files.createDirectory(tmp.resolve("dir.sock"));
        Path theirs = tmp.resolve("qemu-owned.sock");
        try (QemuProcess p = start(qemu, serverMonitor("theirs", Map.of("path", theirs.toString())))) {
            for (Path taken : List.of(file, dangling, dir, theirs)) {
                long t0 = System.nanoTime();
                assertThatThrownBy(() -> QmpListener.bind(taken, QmpOptions.defaults()))
                        .isInstanceOf(QmpConnectionException.class)
                        .hasMessageContaining(taken.toString())
                        .hasMessageContaining("already exists");
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
            }
            assertThat(Files.readString(file)).isEqualTo("precious");
            assertThat(Files.isSymbolicLink(dangling)).isTrue();
            assertThat(tmp.resolve("target-of-link")).doesNotExist();
            assertThat(dir).isDirectory();
            // QEMU's own socket still serves
            try (QmpClient c = QmpClient.connectBlocking(QmpEndpoint.unix(theirs), QmpOptions.defaults())) {
                assertThat(c.blocking().execute("query-status").get("running").asBoolean()).isTrue();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void connectingToWhatIsNotALiveMonitorFailsClearlyAndFast_file_missing_staleSocketOfAKilledQemu(
            QemuBinary qemu) throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-socket"), "x");
        Path missing = tmp.resolve("missing.sock");
        Path stale = tmp.resolve("stale.sock");
        QemuProcess p = start(qemu, serverMonitor("stale", Map.of("path", stale.toString())));
        p.kill();
        p.onExit().get(5, TimeUnit.SECONDS);
        p.close();
        assertThat(Files.exists(stale, LinkOption.NOFOLLOW_LINKS)).as("QEMU killed with SIGKILL leaves its socket")
                .isTrue();
        Resources before = Resources.now();
        for (Path target : List.of(file, missing, stale)) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> QmpClient.connectBlocking(QmpEndpoint.unix(target), QmpOptions.defaults()))
                    .isInstanceOf(QmpConnectionException.class)
                    .hasMessageContaining(target.toString());
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as(target.toString()).isLessThan(Duration.ofSeconds(2));
        }
        assertThat(Files.readString(file)).isEqualTo("x");
        Resources after = Resources.settle(r -> r.noMoreThan(before, 0), Duration.ofSeconds(5));
        assertThat(after.noMoreThan(before, 0)).as("failed connects leave no descriptor: %s -> %s", before, after)
                .isTrue();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void launcherCreatesOnlyPrivateFiles_andRefusesAWorkDirThatIsAFile(QemuBinary qemu) throws Exception {
        try (QemuProcess p = start(qemu)) {
            PosixFileAttributes dir = Files.readAttributes(p.runDir(), PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            assertThat(PosixFilePermissions.toString(dir.permissions())).isEqualTo("rwx------");
            assertThat(dir.owner().getName()).isEqualTo(System.getProperty("user.name"));
            try (var files = Files.list(p.runDir())) {
                for (Path f : files.toList()) {
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f, LinkOption.NOFOLLOW_LINKS)))
                            .as(f.toString()).isEqualTo("rw-------");
                }
            }
            // Once QEMU has connected the listening socket is unlinked: no other process can reach the monitor.
            assertThat(p.runDir().resolve("qmp.sock")).doesNotExist();
            assertThat(p.runDir().resolve("qemu-stderr.log")).exists();
        }
        Path notADir = Files.writeString(tmp.resolve("plain-file"), "x");
        assertThatThrownBy(() -> QemuLauncher.builder(qemu).args("-M", "none").workDir(notADir).build().start())
                .isInstanceOf(QemuLaunchException.class).hasMessageContaining(notADir.toString())
                .hasMessageContaining("not a directory");
        assertThat(Files.readString(notADir)).isEqualTo("x");
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void tcpToANonLoopbackAddressOnlyWhenAllowed_andThenWithAWarning(QemuBinary qemu) throws Exception {
        String address = nonLoopbackAddress();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (QemuProcess p = start(qemu, serverMonitor("tcp", Map.of("host", address, "port",
                Integer.toString(port))))) {
            QmpEndpoint remote = QmpEndpoint.tcp(address, port);
            assertThatThrownBy(() -> QmpClient.connectBlocking(remote, QmpOptions.defaults()))
                    .isInstanceOf(QmpConnectionException.class).hasMessageContaining("allowRemoteTcp");
            String log = captureStderr(() -> {
                try (QmpClient c = QmpClient.connectBlocking(remote,
                        QmpOptions.builder().allowRemoteTcp(true).build())) {
                    assertThat(c.blocking().execute("query-status").get("running").asBoolean()).isTrue();
                }
            });
            assertThat(log.lines().filter(l -> l.contains("WARN") && l.contains(address)))
                    .as("stderr was: %s", log).singleElement().asString()
                    .contains("unauthenticated").contains("unencrypted");
            // loopback needs no permission and logs no warning
            String quiet = captureStderr(() -> {
                try (QmpClient c = QmpClient.connectBlocking(QmpEndpoint.tcp("127.0.0.1", port),
                        QmpOptions.defaults())) {
                    // QEMU bound the non-loopback address only, so this must be refused, not warned about
                } catch (QmpConnectionException expected) {
                    assertThat(expected).hasMessageContaining("127.0.0.1");
                }
            });
            assertThat(quiet).doesNotContain("unauthenticated");
        }
    }

    private static String nonLoopbackAddress() throws IOException {
        for (NetworkInterface nic : NetworkInterface.networkInterfaces().toList()) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (InetAddress a : nic.inetAddresses().toList()) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return a.getHostAddress();
                }
            }
        }
        throw new AssertionError("this host has no non-loopback IPv4 address to test remote TCP with");
    }

    /** slf4j-simple writes to whatever System.err is at the time of each log call. */
    private static synchronized String captureStderr(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        String s = buf.toString(StandardCharsets.UTF_8);
        old.print(s);
        return s;
    }
}
