package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLauncher;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.qmp.launch.QemuUser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code quickstart}, {@code qmp}, {@code events} and {@code check} against a QEMU 10.0 and 7.2
 * started outside the SDK, run in-process through {@link Main#run}.
 */
class SocketSubcommandsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void qmpRunsACommandAndPrintsQemusAnswer(QemuBinary qemu) throws Exception {
        try (ExternalQemu vm = ExternalQemu.start(qemu, dir, "-M", "none")) {
            CliRun run = CliRun.of("qmp", "--socket", vm.socket().toString(), "query-status");
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(JSON.readTree(run.out()).path("status").asText()).isIn("running", "prelaunch");

            run = CliRun.of("qmp", "--socket", vm.socket().toString(), "qom-get",
                    "{\"path\":\"/machine\",\"property\":\"type\"}");
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.out()).contains("none-machine");

            run = CliRun.of("qmp", "--socket", vm.socket().toString(), "no-such-command");
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
            assertThat(run.err()).contains("CommandNotFound").contains("fix:").doesNotContain("\tat ");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void eventsStreamsStopAndResumeAsJsonLines(QemuBinary qemu) throws Exception {
        try (ExternalQemu vm = ExternalQemu.start(qemu, dir, "-M", "none")) {
            Background bg = Background.run("events", "--socket", vm.socket().toString(), "--count", "2",
                    "--seconds", "30");
            bg.awaitErr("watching events");
            vm.control().blocking().execute("stop");
            vm.control().blocking().execute("cont");
            CliRun run = bg.result();
            assertThat(run.exitCode()).as(run.toString()).isZero();
            List<String> lines = run.out().lines().toList();
            assertThat(lines).hasSize(2);
            assertThat(JSON.readTree(lines.get(0)).path("event").asText()).isEqualTo("STOP");
            assertThat(JSON.readTree(lines.get(1)).path("event").asText()).isEqualTo("RESUME");
            assertThat(JSON.readTree(lines.get(0)).path("timestamp").asText()).matches("\\d{4}-.*Z");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void eventsEndsWhenQemuQuits(QemuBinary qemu) throws Exception {
        try (ExternalQemu vm = ExternalQemu.start(qemu, dir, "-M", "none")) {
            Background bg = Background.run("events", "--socket", vm.socket().toString());
            bg.awaitErr("watching events");
            vm.control().blocking().execute("stop");
            bg.awaitOut("\"event\":\"STOP\"");
            // QEMU may exit before its SHUTDOWN event reaches this other monitor, so only the end is checked.
            vm.control().execute("quit");
            CliRun run = bg.result();
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.err()).contains("connection closed");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void quickstartPrintsVersionStatusAndTheEventsThatArrive(QemuBinary qemu) throws Exception {
        try (ExternalQemu vm = ExternalQemu.start(qemu, dir, "-M", "none")) {
            Background bg = Background.run("quickstart", "--socket", vm.socket().toString(), "--seconds", "2");
            bg.awaitOut("events for the next");
            vm.control().blocking().execute("stop");
            CliRun run = bg.result();
            assertThat(run.exitCode()).as(run.toString()).isZero();
            String version = vm.control().qemuVersion().toString();
            assertThat(run.out()).contains("connected to QEMU " + version).contains("status: running")
                    .containsPattern("this QEMU offers \\d{3,} QMP commands").contains(" STOP {");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void checkSaysNotReadyForPlainRamAndReadyForASharedFileBackend(QemuBinary qemu) throws Exception {
        Path plainDir = Files.createDirectory(dir.resolve("plain"));
        try (ExternalQemu vm = ExternalQemu.start(qemu, plainDir, "-M", "q35", "-m", "128", "-S")) {
            Path json = dir.resolve("plain.json");
            CliRun run = CliRun.of("check", "--socket", vm.socket().toString(), "--json", json.toString());
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
            assertThat(run.out()).as(run.toString()).contains("NOT READY").contains("ERROR").contains("Fix:");
            JsonNode report = JSON.readTree(json.toFile());
            assertThat(report.path("ready").asBoolean(true)).isFalse();
            assertThat(report.path("findings").findValuesAsText("severity")).contains("ERROR");
        }
        Path fileDir = Files.createDirectory(dir.resolve("file"));
        Path ram = fileDir.resolve("ram0");
        try (ExternalQemu vm = ExternalQemu.start(qemu, fileDir, "-M", "q35,memory-backend=ram0", "-m", "128", "-S",
                "-object", "memory-backend-file,id=ram0,size=128M,share=on,mem-path=" + ram,
                "-device", "vmgenid")) {
            CliRun run = CliRun.of("check", "--socket", vm.socket().toString());
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.out()).as(run.toString()).contains("READY").doesNotContain("NOT READY");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void checkReportsHowTheQemuIsConfined_foundFromTheSocketOrGivenByPid(QemuBinary qemu) throws Exception {
        // A QEMU started by hand as root, without a sandbox: the operator is told.
        Path rootDir = Files.createDirectory(dir.resolve("root"));
        try (ExternalQemu vm = ExternalQemu.start(qemu, rootDir, "-M", "none")) {
            CliRun run = CliRun.of("check", "--socket", vm.socket().toString());
            assertThat(run.out()).as(run.toString()).contains("Confinement").contains("uid 0,")
                    .contains("seccomp: off").contains("not least privilege: runs as root");
        }
        // A QEMU the SDK started (confined by default; the JVM runs as root), seen through an extra monitor.
        Path tools = Files.createDirectory(dir.resolve("tools"),
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        Path socket = tools.resolve("qmp.sock");
        try (QemuProcess p = QemuLauncher.builder(qemu).args("-M", "none", "-accel", "tcg").workDir(dir)
                .extraMonitor(socket).build().start()) {
            int nobody = QemuUser.byName("nobody").uid();
            Path json = dir.resolve("confined.json");
            CliRun run = CliRun.of("check", "--socket", socket.toString(), "--json", json.toString());
            assertThat(run.out()).as(run.toString()).contains("process " + p.pid() + ": uid " + nobody)
                    .contains("seccomp: filter (mode 2").contains("NoNewPrivs: 1").contains("capabilities: none")
                    .doesNotContain("not least privilege");
            JsonNode c = JSON.readTree(json.toFile()).path("confinement");
            assertThat(c.path("pid").asLong()).isEqualTo(p.pid());
            assertThat(c.path("uid").asInt()).isEqualTo(nobody);
            assertThat(c.path("seccompMode").asInt()).isEqualTo(2);
            assertThat(c.path("noNewPrivs").asBoolean()).isTrue();
            CliRun byPid = CliRun.of("check", "--socket", socket.toString(), "--pid", Long.toString(p.pid()));
            assertThat(byPid.out()).as(byPid.toString()).contains("process " + p.pid() + ": uid " + nobody);
        }
    }

    /** A subcommand running on another thread, with its output readable while it runs. */
    static final class Background {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream err = new ByteArrayOutputStream();
        private final CompletableFuture<Integer> code;

        private Background(String... args) {
            PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
            PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
            code = CompletableFuture.supplyAsync(() -> Main.run(args, o, e, Map.of()));
        }

        static Background run(String... args) {
            return new Background(args);
        }

        void awaitOut(String text) throws InterruptedException {
            await(() -> text(out).contains(text), text);
        }

        void awaitErr(String text) throws InterruptedException {
            await(() -> text(err).contains(text), text);
        }

        CliRun result() throws Exception {
            int c = code.get(30, TimeUnit.SECONDS);
            return new CliRun(c, text(out), text(err));
        }

        private void await(BooleanSupplier condition, String what) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!condition.getAsBoolean()) {
                if (code.isDone() || System.nanoTime() > deadline) {
                    throw new AssertionError("never printed '" + what + "'; out: " + text(out) + " err: " + text(err));
                }
                Thread.sleep(10);
            }
        }

        private static String text(ByteArrayOutputStream b) {
            synchronized (b) {
                return b.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
