package dev.qmpkit.templating.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.launch.Confinement;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.launch.QemuUser;
import dev.qmpkit.templating.ProgressListener;
import dev.qmpkit.templating.TemplatingException;
import dev.qmpkit.templating.internal.Migrations;
import dev.qmpkit.templating.internal.Ownership;
import dev.qmpkit.templating.internal.QemuAccess;
import dev.qmpkit.templating.internal.StateChannel;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The one path where QEMU runs a shell: when the monitor transport cannot pass a descriptor
 * (TCP) and QEMU has no {@code file:} URI, the state travels through {@code exec:cat}. Real QEMU
 * 10.0 and 7.2 save and load a state file whose path is made to break out of the shell word;
 * the file lands exactly there and no injected command runs.
 */
@Timeout(120)
class ExecMigrationUriIT {

    @TempDir
    Path tmp;

    private int port() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private QemuProcess startWithTcpMonitor(QemuBinary qemu, int port, String... extra) throws IOException {
        // Unconfined: exec:cat makes QEMU spawn a shell, which the default sandbox refuses.
        return startWithTcpMonitor(qemu, port, Confinement.none(), extra);
    }

    private QemuProcess startWithTcpMonitor(QemuBinary qemu, int port, Confinement confinement, String... extra)
            throws IOException {
        Path cfg = Files.writeString(tmp.resolve("tcp-" + port + ".cfg"), "[chardev \"tcp\"]\n  backend = \"socket\"\n"
                + "  host = \"127.0.0.1\"\n  port = \"" + port + "\"\n  server = \"on\"\n  wait = \"off\"\n\n"
                + "[mon \"tcp\"]\n  mode = \"control\"\n  chardev = \"tcp\"\n");
        List<String> args = new ArrayList<>(List.of("-M", "none", "-accel", "tcg", "-nodefaults",
                "-readconfig", cfg.toString()));
        args.addAll(List.of(extra));
        return QemuLauncher.builder(qemu).args(args).workDir(tmp).confinement(confinement).build().start();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void execCatUriWithAHostilePath_savesAndLoadsThatExactFile_andRunsNothingElse(QemuBinary qemu) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("d $(touch PWNED1) `touch PWNED2`; touch PWNED3 & 'q\" \n|x"));
        Path state = dir.resolve("state'; touch PWNED4; '.bin");
        Files.createFile(state);
        int out = port();
        try (QemuProcess source = startWithTcpMonitor(qemu, out);
             QmpClient tcp = QmpClient.connectBlocking(QmpEndpoint.tcp("127.0.0.1", out), QmpOptions.defaults())) {
            tcp.blocking().execute("stop");
            try (StateChannel ch = StateChannel.open(tcp, state, true, false)) {
                assertThat(ch.uri()).startsWith("exec:cat > '");
                Migrations.run(tcp, "migrate", Map.of("uri", ch.uri()), Duration.ofSeconds(30), "source",
                        ProgressListener.NONE);
            }
        }
        byte[] header = new byte[4];
        try (var in = Files.newInputStream(state)) {
            assertThat(in.read(header)).isEqualTo(4);
        }
        assertThat(new String(header, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("QEVM");
        int in = port();
        try (QemuProcess target = startWithTcpMonitor(qemu, in, "-incoming", "defer");
             QmpClient tcp = QmpClient.connectBlocking(QmpEndpoint.tcp("127.0.0.1", in), QmpOptions.defaults())) {
            try (StateChannel ch = StateChannel.open(tcp, state, false, false)) {
                assertThat(ch.uri()).startsWith("exec:cat '");
                Migrations.run(tcp, "migrate-incoming", Map.of("uri", ch.uri()), Duration.ofSeconds(30), "target",
                        ProgressListener.NONE);
            }
            assertThat(tcp.blocking().execute("query-migrate").path("status").asText()).isEqualTo("completed");
        }
        try (Stream<Path> all = Stream.concat(Files.walk(tmp), Files.list(Path.of("").toAbsolutePath()))) {
            assertThat(all.map(p -> p.getFileName() == null ? "" : p.getFileName().toString()))
                    .noneMatch(n -> n.startsWith("PWNED"));
        }
        System.out.printf("[%s] exec:cat save and load of %s (%d bytes): no injected command ran%n",
                qemu.executable(), state, Files.size(state));
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void withoutDescriptors_aConfinedQemuGetsExactlyTheStateFileByName_orARefusalWithTheFix(QemuBinary qemu)
            throws Exception {
        Confinement confined = Confinement.defaults();
        QemuAccess access = QemuAccess.of(confined);
        QemuUser nobody = access.user();
        Path dir = Files.createDirectories(tmp.resolve("templates").resolve("tpl"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path state = dir.resolve("state.tmp");
        Files.createFile(state, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        boolean fileUri = qemu.version().atLeast(8, 2);
        int out = port();
        try (QemuProcess source = startWithTcpMonitor(qemu, out, confined);
             QmpClient tcp = QmpClient.connectBlocking(QmpEndpoint.tcp("127.0.0.1", out), QmpOptions.defaults())) {
            tcp.blocking().execute("stop");
            if (!fileUri) {
                // 7.2: no descriptor over TCP, no file: URI, and the sandbox forbids exec:cat.
                assertThatThrownBy(() -> StateChannel.open(tcp, state, true, false, access))
                        .isInstanceOf(TemplatingException.class).hasMessageContaining("spawn=deny")
                        .hasMessageContaining("--add-opens java.base/java.io=ALL-UNNAMED")
                        .hasMessageContaining("allowSpawn(true)");
                return;
            }
            // The test's private directory is closed to nobody: refused before QEMU is asked, with the fix.
            assertThatThrownBy(() -> StateChannel.open(tcp, state, true, true, access))
                    .isInstanceOf(TemplatingException.class).hasMessageContaining("closed to uid " + nobody.uid())
                    .hasMessageContaining("--add-opens");
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx--x--x"));
            Files.setPosixFilePermissions(tmp.resolve("templates"), PosixFilePermissions.fromString("rwx--x--x"));
            try (StateChannel ch = StateChannel.open(tcp, state, true, true, access)) {
                assertThat(ch.uri()).isEqualTo("file:" + state);
                Migrations.run(tcp, "migrate", Map.of("uri", ch.uri()), Duration.ofSeconds(30), "source",
                        ProgressListener.NONE);
            }
            Ownership.reclaim(state);
        }
        // Only what the save needed was opened: the directory for search by nobody's group.
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx--x---");
        assertThat((Integer) Files.getAttribute(dir, "unix:gid")).isEqualTo(nobody.gid());
        assertThat((Integer) Files.getAttribute(state, "unix:uid")).as("taken back after the save").isZero();
        int in = port();
        try (QemuProcess target = startWithTcpMonitor(qemu, in, confined, "-incoming", "defer");
             QmpClient tcp = QmpClient.connectBlocking(QmpEndpoint.tcp("127.0.0.1", in), QmpOptions.defaults())) {
            try (StateChannel ch = StateChannel.open(tcp, state, false, true, access)) {
                Migrations.run(tcp, "migrate-incoming", Map.of("uri", ch.uri()), Duration.ofSeconds(30), "target",
                        ProgressListener.NONE);
            }
            assertThat(tcp.blocking().execute("query-migrate").path("status").asText()).isEqualTo("completed");
        }
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state))).isEqualTo("r--r-----");
        assertThat((Integer) Files.getAttribute(state, "unix:gid")).isEqualTo(nobody.gid());
        System.out.printf("[%s] without descriptor passing, QEMU as uid %d opened %s by name (dir %s, file %s)%n",
                qemu.version(), nobody.uid(), state, "rwx--x--- group " + nobody.gid(), "r--r----- group "
                        + nobody.gid());
    }
}
