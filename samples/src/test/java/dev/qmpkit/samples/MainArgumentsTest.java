package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.samples.cli.Context;
import dev.qmpkit.samples.cli.QmpkitCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * What a user sees for a wrong command line (one line naming the problem, "did you mean" when
 * a name is close, the usage, exit code 2, never a stack trace), for help, version and bash
 * completion, and for mistakes caught before any work starts. No QEMU is started.
 */
class MainArgumentsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "frobnicate                              | unknown command 'frobnicate'",
        "demo --clones abc                       | Invalid value for option '--clones': 'abc' is not an int",
        "demo --clones 0                         | --clones must be between 1 and 64, got 0",
        "demo --memory 4                         | --memory must be between 64 and 65536, got 4",
        "demo --guest windows                    | --guest must be one of builtin|linux, got 'windows'",
        "demo --accel hvf                        | --accel must be one of tcg|kvm|auto",
        "demo --bogus                            | unknown option --bogus",
        "demo --firmware-dir                     | Missing required parameter for option '--firmware-dir'",
        "demo --clones 2 --clones 3              | should be specified only once",
        "demo extra                              | unexpected argument 'extra'",
        "qmp                                     | Missing required options and parameters: '--socket=PATH', 'COMMAND'",
        "qmp query-status                        | Missing required option: '--socket=PATH'",
        "qmp --socket /tmp/x.sock query-status {bad | arguments are not valid JSON",
        "qmp --socket /tmp/x.sock query-status [1] | arguments must be a JSON object",
        "check                                   | Missing required option: '--socket=PATH'",
        "check --socket /tmp/x.sock --role twin  | --role must be one of template|clone, got 'twin'",
        "events --socket /tmp/x.sock --count -1  | --count must be 0 or more, got -1",
        "quickstart --socket /tmp/x.sock --seconds 4000 | --seconds must be between 0 and 3600, got 4000",
        "agent --socket /tmp/x.sock              | missing COMMAND (e.g. guest-info) or exec -- PROGRAM",
        "agent --socket /tmp/x.sock --timeout 99999 guest-info | --timeout must be between 1 and 86400",
        "template                                | expected 'create' or 'clone'",
        "template frob                           | unknown command 'frob'",
        "template create                         | Missing required option: '--dir=DIR'",
        "template clone --clones 2               | Missing required option: '--dir=DIR'",
        "help nothing                            | unknown command 'nothing'",
        "help template nothing                   | unknown command 'nothing' of 'template'",
        "test                                    | test is a command of the ./qmpkit script",
    })
    void badArgumentsExitWithTwoAndOneClearLine(String commandLine, String expected) {
        CliRun run = CliRun.of(commandLine.trim().split(" +"));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run.err()).as(run.toString()).contains(expected);
        assertThat(run.err()).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void usageErrorShowsTheSubcommandsUsage() {
        CliRun run = CliRun.of("demo", "--clones", "x");
        List<String> lines = run.err().lines().toList();
        assertThat(lines.get(0)).isEqualTo("qmpkit demo: Invalid value for option '--clones': 'x' is not an int");
        assertThat(lines.get(1)).startsWith("usage: qmpkit demo [-hV] [--debug] [--accel=tcg|kvm|auto] [--clones=N]");
        assertThat(lines.get(lines.size() - 1)).isEqualTo("(./qmpkit help demo shows every option)");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "demo --clone 3                  | qmpkit demo: unknown option --clone  | did you mean --clones?",
        "demo --memroy 512               | unknown option --memroy              | did you mean --memory?",
        "check --sokcet /tmp/x.sock      | unknown option --sokcet              | did you mean --socket?",
        "templte create                  | unknown command 'templte'            | did you mean template?",
        "template clon --dir x           | unknown command 'clon'               | did you mean clone?",
        "shell --socket /tmp/x --prety   | unknown option --prety               | did you mean --pretty?",
    })
    void aMisspeltNameGetsDidYouMean(String commandLine, String problem, String suggestion) {
        CliRun run = CliRun.of(commandLine.trim().split(" +"));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run.err()).as(run.toString()).contains(problem).contains("  " + suggestion);
    }

    @Test
    void aWordUnlikeEveryCommandGetsNoSuggestion() {
        CliRun run = CliRun.of("frobnicate");
        assertThat(run.err()).contains("unknown command 'frobnicate'").doesNotContain("did you mean");
    }

    @Test
    void helpListsEveryCommandAndExitsZero() {
        CliRun run = CliRun.of("help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Usage: qmpkit [-hV] [--debug] COMMAND");
        for (String name : List.of("demo", "quickstart", "check", "qmp", "events", "shell", "agent", "template",
                "test", "install-qemu", "completion", "help")) {
            assertThat(run.out()).as(name).containsPattern("(?m)^  " + name + " +\\S");
        }
        assertThat(run.out()).contains("Exit codes:", "0   success", "1   failed", "2   wrong command line");
        assertThat(CliRun.of().out()).isEqualTo(run.out());
        assertThat(CliRun.of("--help").out()).isEqualTo(run.out());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"demo", "quickstart", "check", "qmp", "events", "shell", "agent", "template", "template create",
        "template clone", "test", "install-qemu", "completion", "help"})
    void everyCommandHasHelpThreeWays(String command) {
        String[] words = command.split(" ");
        CliRun viaHelp = CliRun.of(concat(new String[] {"help"}, words));
        CliRun viaOption = CliRun.of(concat(words, new String[] {"--help"}));
        CliRun viaShort = CliRun.of(concat(words, new String[] {"-h"}));
        assertThat(viaHelp.exitCode()).as(viaHelp.toString()).isZero();
        assertThat(viaHelp.out()).startsWith("Usage: qmpkit " + command).contains("Exit codes:");
        assertThat(viaOption.exitCode()).isZero();
        assertThat(viaOption.out()).isEqualTo(viaHelp.out());
        assertThat(viaShort.out()).isEqualTo(viaHelp.out());
        assertThat(viaHelp.err()).isEmpty();
    }

    @Test
    void everyOptionsHelpShowsItsDefaultAndNumbersTheirRange() {
        List<String> missing = new ArrayList<>();
        CommandLine root = new CommandLine(new QmpkitCommand(new Context(System.out, System.err, Map.of(), false)));
        List<CommandLine> all = new ArrayList<>(List.of(root));
        for (int i = 0; i < all.size(); i++) {
            all.addAll(all.get(i).getSubcommands().values());
        }
        for (CommandLine c : all) {
            for (OptionSpec o : c.getCommandSpec().options()) {
                if (o.usageHelp() || o.versionHelp()) {
                    continue;
                }
                String help = String.join(" ", c.getHelp().optionList());
                String text = String.join(" ", o.description());
                String where = c.getCommandSpec().qualifiedName() + " " + o.longestName();
                if (!text.matches("(?s).*\\((default|required)\\b.*")) {
                    missing.add(where + ": no default: " + text);
                }
                if ((o.type() == int.class || o.type() == Integer.class)
                        && !text.matches("(?s).*(\\d+-\\d+|\\d+ or more).*")) {
                    missing.add(where + ": no range: " + text);
                }
                if (text.contains("${DEFAULT-VALUE}") && help.contains("default: null")) {
                    missing.add(where + ": prints 'null'");
                }
            }
        }
        assertThat(missing).isEmpty();
        assertThat(CliRun.of("help", "demo").out()).contains("clones started at once, 1-64 (default: 5)")
                .contains("guest RAM in MiB, 64-65536 (default: 256)");
    }

    @Test
    void versionPrintsTheProjectsVersion() {
        String version = System.getProperty("qmpkit.version");
        assertThat(version).as("set by the build").isNotBlank();
        for (String[] args : List.of(new String[] {"--version"}, new String[] {"-V"},
                new String[] {"template", "create", "--version"})) {
            CliRun run = CliRun.of(args);
            assertThat(run.exitCode()).isZero();
            assertThat(run.out().lines().findFirst()).contains("qmpkit " + version);
            assertThat(run.out()).contains("Java " + System.getProperty("java.version"));
        }
    }

    @Test
    void bashCompletionCompletesCommandsOptionsAndChoices(@TempDir Path dir) throws Exception {
        CliRun run = CliRun.of("completion");
        assertThat(run.exitCode()).isZero();
        Path script = Files.writeString(dir.resolve("qmpkit.bash"), run.out());
        assertThat(complete(script, "qmpkit", "dem")).containsExactly("demo");
        assertThat(complete(script, "qmpkit", "demo", "--clo")).containsExactly("--clones");
        assertThat(complete(script, "qmpkit", "demo", "--guest", "")).containsExactlyInAnyOrder("builtin", "linux");
        assertThat(complete(script, "qmpkit", "template", "c")).containsExactlyInAnyOrder("create", "clone");
        assertThat(complete(script, "qmpkit", "shell", "--pr")).containsExactly("--pretty");
        assertThat(complete(script, "./qmpkit", "ins")).as("the launcher as usually typed").containsExactly(
                "install-qemu");
    }

    /** Runs bash's completion of the last word the way the shell does, with the script sourced. */
    private static List<String> complete(Path script, String... words) throws Exception {
        StringBuilder b = new StringBuilder("source ").append(script).append("; COMP_WORDS=(");
        for (String w : words) {
            b.append("'").append(w).append("' ");
        }
        b.append("); COMP_CWORD=").append(words.length - 1).append("; COMP_LINE='").append(String.join(" ", words))
                .append("'; COMP_POINT=${#COMP_LINE}; ")
                .append("$(complete -p ").append(words[0]).append(" | sed 's/.*-F \\([^ ]*\\) .*/\\1/') ")
                .append(words[0]).append(" '").append(words[words.length - 1]).append("' '")
                .append(words.length > 1 ? words[words.length - 2] : "").append("'; ")
                .append("printf '%s\\n' \"${COMPREPLY[@]}\"");
        Process p = new ProcessBuilder("bash", "-c", b.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
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

    @Test
    void anotherQemuVersionIsNotToldToInstall72(@TempDir Path cache) {
        CliRun run = CliRun.withEnv(Map.of("QMPKIT_CACHE", cache.toString()), "demo", "--qemu", "9.9");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("QEMU 9.9 is not unpacked at " + cache.resolve("qemu-9.9"))
                .contains("fix: ./qmpkit install-qemu unpacks only QEMU 7.2; for 9.9 unpack its Debian packages")
                .doesNotContain("run ./qmpkit install-qemu");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"demo --clones 1 --json", "template clone --dir /tmp --json", "check --socket /nonexistent.sock --json",
        "shell --socket /nonexistent.sock --log"})
    void anOutputFileInAFolderThatDoesNotExistIsRefusedBeforeWorkStarts(String commandLine, @TempDir Path dir) {
        Path json = dir.resolve("no-such-folder").resolve("out.json");
        List<String> args = new ArrayList<>(List.of(commandLine.split(" ")));
        args.add(json.toString());
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        String option = args.get(args.size() - 2);
        assertThat(run.err()).as(run.toString())
                .contains(option + " " + json + ": the folder " + json.getParent() + " does not exist")
                .contains("fix: create it first (mkdir -p " + json.getParent() + ")");
        // Refused before anything ran: no progress line, no QEMU, no connection attempt.
        assertThat(run.err().lines()).hasSize(2);
        assertThat(run.out()).isEmpty();
    }

    @Test
    void anOutputFileThatIsAFolderIsRefused(@TempDir Path dir) {
        CliRun run = CliRun.of("demo", "--json", dir.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("--json " + dir + " is a folder").contains("fix: pass a file name");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"demo --work-dir", "template create --dir"})
    void aFolderThatCannotBeWrittenIsRefusedBeforeWorkStarts(String commandLine) {
        // Under /proc nothing can be created, not even by root (the tests may run as root).
        Path unwritable = Path.of("/proc/qmpkit-no-such-folder/work");
        List<String> args = new ArrayList<>(List.of(commandLine.split(" ")));
        args.add(unwritable.toString());
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.err()).as(run.toString())
                .contains(args.get(args.size() - 2) + " " + unwritable + ": cannot write in /proc")
                .contains("fix: pass a folder this user (" + System.getProperty("user.name") + ") can write");
        assertThat(run.err().lines()).hasSize(2);
    }

    @Test
    void aWorkDirThatIsNotEmptyOrIsAFileIsRefused(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("something"), "x");
        CliRun run = CliRun.of("demo", "--work-dir", dir.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("--work-dir " + dir + " is not empty");
        run = CliRun.of("template", "create", "--dir", dir.resolve("something").toString());
        assertThat(run.err()).contains("--dir " + dir.resolve("something") + " is a file, not a folder");
    }

    @Test
    void aSocketNobodyListensOnIsSaidToHaveNoQemuBehindIt(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("dead.sock");
        // A socket file left behind by a QEMU that exited: it exists, but nothing listens.
        try (java.nio.channels.ServerSocketChannel s = java.nio.channels.ServerSocketChannel.open(
                java.net.StandardProtocolFamily.UNIX)) {
            s.bind(java.net.UnixDomainSocketAddress.of(sock));
        }
        CliRun run = CliRun.of("qmp", "--socket", sock.toString(), "query-status");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        List<String> lines = run.err().lines().toList();
        assertThat(lines).as(run.toString()).hasSize(2);
        assertThat(lines.get(0)).contains("Connection refused").doesNotContain("is QEMU running");
        assertThat(lines.get(1)).isEqualTo("  fix: nothing listens on that socket: QEMU has exited, or it was started "
                + "with another path; start it with -qmp unix:PATH,server=on,wait=off");
    }
}
