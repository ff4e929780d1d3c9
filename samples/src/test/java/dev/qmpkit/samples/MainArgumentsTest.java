package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What a user sees for a wrong command line: one line naming the problem, the usage line,
 * exit code 2, and never a stack trace. No QEMU is started.
 */
class MainArgumentsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "frobnicate                              | unknown command 'frobnicate'",
        "demo --clones abc                       | --clones must be a whole number, got 'abc'",
        "demo --clones 0                         | --clones must be between 1 and",
        "demo --memory 4                         | --memory must be between",
        "demo --guest windows                    | --guest must be one of builtin|linux, got 'windows'",
        "demo --accel hvf                        | --accel must be one of tcg|kvm|auto",
        "demo --bogus                            | unknown option --bogus",
        "demo --firmware-dir                     | option --firmware-dir needs a value",
        "demo --clones 2 --clones 3              | option --clones given more than once",
        "demo extra                              | unexpected argument 'extra'",
        "qmp                                     | missing COMMAND",
        "qmp query-status                        | missing --socket",
        "qmp --socket /tmp/x.sock query-status {bad | arguments are not valid JSON",
        "qmp --socket /tmp/x.sock query-status [1] | arguments must be a JSON object",
        "check                                   | missing --socket",
        "events --socket /tmp/x.sock --count -1  | --count must be between 0 and",
        "template                                | expected 'create' or 'clone'",
        "template frob                           | expected 'create' or 'clone', got 'frob'",
        "template create                         | missing --dir",
        "template clone --clones 2               | missing --dir",
        "help nothing                            | unknown command 'nothing'",
    })
    void badArgumentsExitWithTwoAndOneClearLine(String commandLine, String expected) {
        CliRun run = CliRun.of(commandLine.trim().split(" +"));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run.err()).as(run.toString()).contains(expected);
        assertThat(run.err()).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void usageErrorShowsTheSubcommandsUsageLine() {
        CliRun run = CliRun.of("demo", "--clones", "x");
        assertThat(run.err().lines()).containsExactly(
                "qmpkit demo: --clones must be a whole number, got 'x'",
                "usage: qmpkit demo [--clones N] [--memory MiB] [--guest builtin|linux] [--qemu PATH|VERSION] "
                        + "[--firmware-dir DIR]... [--accel tcg|kvm|auto] [--work-dir DIR] [--json FILE]");
    }

    @Test
    void helpListsEveryCommandAndExitsZero() {
        CliRun run = CliRun.of("help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("./qmpkit demo", "./qmpkit check --socket PATH", "./qmpkit qmp --socket PATH",
                "./qmpkit events --socket PATH", "./qmpkit template create", "./qmpkit template clone",
                "./qmpkit quickstart");
        assertThat(CliRun.of().exitCode()).isZero();
        assertThat(CliRun.of("demo", "--help").out()).startsWith("usage: qmpkit demo");
    }

    @Test
    void aMissingSocketIsAFailureWithTheFix(@TempDir Path dir) {
        Path missing = dir.resolve("nothing.sock");
        CliRun run = CliRun.of("check", "--socket", missing.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("no QMP socket at " + missing)
                .contains("fix: start QEMU with -qmp unix:" + missing + ",server=on,wait=off");
        assertThat(run.err()).doesNotContain("\tat ");
    }

    @Test
    void aFileThatIsNotASocketIsNamed(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("plain.txt"), "x");
        CliRun run = CliRun.of("qmp", "--socket", file.toString(), "query-status");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains(file + " is not a socket");
    }

    @Test
    void aMissingQemuBinarySaysHowToInstallIt(@TempDir Path dir) {
        CliRun run = CliRun.of("demo", "--qemu", dir.resolve("no-such-qemu").toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("no executable QEMU at").contains("./qmpkit install-qemu");
        assertThat(run.err()).doesNotContain("\tat ");
    }

    @Test
    void aQemuVersionShorthandThatIsNotUnpackedSaysHowToGetIt(@TempDir Path cache) {
        CliRun run = CliRun.withEnv(Map.of("QMPKIT_CACHE", cache.toString()), "demo", "--qemu", "7.2");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("QEMU 7.2 is not unpacked at " + cache.resolve("qemu-7.2"))
                .contains("./qmpkit install-qemu");
    }

    @Test
    void aFirmwareDirThatDoesNotExistIsNamed(@TempDir Path dir) {
        CliRun run = CliRun.of("demo", "--firmware-dir", dir.resolve("nope").toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("--firmware-dir " + dir.resolve("nope") + " is not a folder");
    }
}
