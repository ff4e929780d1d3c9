package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qmpkit.qmp.launch.QemuBinary;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code ./qmpkit shell} as a script drives it: the command-line jar run as a process, commands
 * written to its standard input (not a terminal), against a QEMU 10.0 and 7.2 started outside
 * the SDK. A command, {@code key=value} arguments, an HMP command, and events, both those a
 * command causes and those caused from elsewhere while the shell waits for input.
 */
class ShellSubcommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void commandsArgumentsAndEventsThroughStandardInput(QemuBinary qemu) throws Exception {
        Path log = dir.resolve("shell.jsonl");
        try (ExternalQemu vm = ExternalQemu.start(qemu, dir, "-M", "none");
             Shell shell = Shell.start("shell", "--socket", vm.socket().toString(), "--log", log.toString())) {
            shell.send("query-status");
            assertThat(JSON.readTree(shell.next()).path("return").path("status").asText()).isEqualTo("running");

            shell.send("qom-get path=/machine property=type");
            assertThat(shell.next()).isEqualTo("{\"return\":\"none-machine\"}");

            // An event caused from another monitor arrives while the shell waits for input.
            vm.control().blocking().execute("stop");
            JsonNode stop = JSON.readTree(shell.next());
            assertThat(stop.path("event").asText()).isEqualTo("STOP");
            assertThat(stop.path("timestamp").asText()).matches("\\d{4}-.*Z");

            // An event a command causes comes before the command's answer, as QEMU sends them.
            shell.send("cont");
            assertThat(JSON.readTree(shell.next()).path("event").asText()).isEqualTo("RESUME");
            assertThat(shell.next()).isEqualTo("{\"return\":{}}");

            shell.send("human-monitor-command command-line=\"info status\"");
            assertThat(shell.next()).isEqualTo("{\"return\":\"VM status: running\\r\\n\"}");

            ChildProcess done = shell.finish();
            assertThat(done.exitCode()).as(done.toString()).isZero();
            assertThat(done.err()).startsWith("connected to QEMU " + vm.control().qemuVersion());
        }
        List<String> logged = Files.readAllLines(log);
        assertThat(logged).contains("{\"execute\":\"query-status\"}",
                "{\"execute\":\"qom-get\",\"arguments\":{\"path\":\"/machine\",\"property\":\"type\"}}",
                "{\"return\":\"none-machine\"}", "{\"execute\":\"cont\"}");
        assertThat(logged).anyMatch(l -> l.contains("\"event\":\"STOP\"")).anyMatch(l -> l.contains("\"RESUME\""));
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void hmpCommandsWithH(QemuBinary qemu) throws Exception {
        try (ExternalQemu vm = ExternalQemu.start(qemu, dir, "-M", "none")) {
            String version = vm.control().qemuVersion().toString();
            ChildProcess r = Shell.run("info status\ninfo version\nstop\ninfo status\n", "shell", "-H", "--socket",
                    vm.socket().toString());
            assertThat(r.exitCode()).as(r.toString()).isZero();
            List<String> lines = r.out().lines().toList();
            assertThat(lines.get(0)).isEqualTo("VM status: running");
            assertThat(lines.get(1)).startsWith(version);
            assertThat(lines).anyMatch(l -> l.contains("\"event\":\"STOP\""));
            assertThat(lines.get(lines.size() - 1)).isEqualTo("VM status: paused");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aScriptSeesFailuresInTheExitCodeAndPrettyOutput(QemuBinary qemu) throws Exception {
        try (ExternalQemu vm = ExternalQemu.start(qemu, dir, "-M", "none")) {
            ChildProcess r = Shell.run("# a comment\nquery-statsu\nquery-status\nstop now\n", "shell", "--pretty",
                    "--socket", vm.socket().toString());
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.out()).contains("\"class\" : \"CommandNotFound\"").contains("\"status\" : \"running\"");
            assertThat(r.err()).containsPattern("did you mean .*query-status")
                    .contains("error: expected NAME=VALUE, got 'now'");
        }
    }

    /** The shell as a child process, its standard output read line by line as it comes. */
    static final class Shell implements AutoCloseable {
        private final Process process;
        private final OutputStream in;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final Path err;

        private Shell(Process process, Path err) {
            this.process = process;
            this.in = process.getOutputStream();
            this.err = err;
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String l;
                    while ((l = r.readLine()) != null) {
                        lines.add(l);
                    }
                } catch (IOException e) {
                    lines.add("read failed: " + e);
                }
            }, "shell-output");
            reader.setDaemon(true);
            reader.start();
        }

        static Shell start(String... args) throws IOException {
            Path err = Files.createTempFile("qmpkit-shell", ".err");
            List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "-jar", ArtifactManifestsIT.cliJar().toString()));
            cmd.addAll(List.of(args));
            return new Shell(new ProcessBuilder(cmd).redirectError(err.toFile()).start(), err);
        }

        /** Runs the shell with all of {@code input} on its standard input, to the end. */
        static ChildProcess run(String input, String... args) throws Exception {
            try (Shell s = start(args)) {
                s.in.write(input.getBytes(StandardCharsets.UTF_8));
                return s.finish();
            }
        }

        void send(String line) throws IOException {
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        }

        String next() throws Exception {
            String l = lines.poll(20, TimeUnit.SECONDS);
            if (l == null) {
                throw new AssertionError("the shell printed nothing more; stderr: " + Files.readString(err));
            }
            return l;
        }

        /** Closes standard input (end of the script) and waits for the exit. */
        ChildProcess finish() throws Exception {
            in.close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new AssertionError("the shell did not end at the end of its input");
            }
            Thread.sleep(50); // let the reader take the last lines
            List<String> rest = new ArrayList<>();
            lines.drainTo(rest);
            String out = rest.isEmpty() ? "" : String.join("\n", rest) + "\n";
            return new ChildProcess(process.exitValue(), out, Files.readString(err));
        }

        @Override
        public void close() throws IOException {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Files.deleteIfExists(err);
        }
    }
}
