package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.testing.TestQemus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Failures against real QEMU that the command line words with their likely cause: a monitor
 * another client holds, a QEMU that is stopped (and the wait in seconds, not PT10S), and a
 * template cloned with another QEMU (the library's fix in command-line terms, said once).
 */
class CliErrorsIT {

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aMonitorHeldByAnotherClientIsNamedAtOnce(QemuBinary qemu) throws Exception {
        try (ExternalQemu vm = ExternalQemu.start(qemu, dir, "-M", "none");
             QmpClient other = QmpClient.connectBlocking(QmpEndpoint.unix(vm.socket()), QmpOptions.defaults())) {
            for (String command : List.of("qmp", "shell", "check", "events")) {
                long t0 = System.nanoTime();
                List<String> args = new ArrayList<>(List.of(command, "--socket", vm.socket().toString()));
                if (command.equals("qmp")) {
                    args.add("query-status");
                }
                CliRun run = CliRun.of(args.toArray(String[]::new));
                assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
                assertThat(run.err()).as(run.toString())
                        .contains("qmpkit " + command + ": the QMP monitor at " + vm.socket() + " is in use by "
                                + "another client; QEMU serves one client per monitor socket")
                        .contains("fix: close the other client")
                        .contains("-qmp unix:OTHER-PATH,server=on,wait=off")
                        .doesNotContain("is the VM stopped");
                assertThat((System.nanoTime() - t0) / 1_000_000).as("no greeting timeout waited").isLessThan(5000);
            }
            assertThat(other.blocking().execute("query-status").path("status").asText()).isEqualTo("running");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aStoppedQemuIsSaidToBeStoppedInSeconds(QemuBinary qemu) throws Exception {
        try (ExternalQemu vm = ExternalQemu.start(qemu, dir, "-M", "none")) {
            signal("STOP", vm.pid());
            try {
                CliRun run = CliRun.of("qmp", "--socket", vm.socket().toString(), "query-status");
                assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
                assertThat(run.err()).as(run.toString())
                        .contains("QEMU at " + vm.socket() + " sent no QMP greeting within 10 s")
                        .contains("resume it with kill -CONT PID")
                        .doesNotContain("PT10S");
            } finally {
                signal("CONT", vm.pid());
            }
        }
    }

    @Test
    void aTemplateClonedWithAnotherQemuGetsTheFixInCommandLineTerms() throws Exception {
        QemuBinary q72 = TestQemus.qemu72();
        QemuBinary q10 = TestQemus.qemu10();
        Path template = dir.resolve("tpl");
        List<String> create = new ArrayList<>(List.of("template", "create", "--dir", template.toString(),
                "--memory", "64"));
        create.addAll(DemoIT.qemuArgs(q72));
        CliRun made = CliRun.of(create.toArray(String[]::new));
        assertThat(made.exitCode()).as(made.toString()).isZero();

        CliRun run = CliRun.of("template", "clone", "--dir", template.toString(), "--qemu",
                q10.executable().toString());
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        List<String> lines = run.err().lines().filter(l -> !l.startsWith("[")).toList();
        assertThat(lines).as(run.toString()).hasSize(2);
        assertThat(lines.get(0)).startsWith("qmpkit template clone: template " + template + " was saved by QEMU 7.2.")
                .doesNotContain("Fix:").doesNotContain("CloneOptions");
        assertThat(lines.get(1)).isEqualTo("  fix: leave out --qemu and --firmware-dir (template clone then runs the "
                + "template's own QEMU), or save the template again: ./qmpkit template create --qemu "
                + q10.executable() + ".");

        CliRun ok = CliRun.of("template", "clone", "--dir", template.toString(), "--clones", "1");
        assertThat(ok.exitCode()).as("the fix works: " + ok).isZero();
    }

    private static void signal(String name, long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start().waitFor()).isZero();
    }
}
