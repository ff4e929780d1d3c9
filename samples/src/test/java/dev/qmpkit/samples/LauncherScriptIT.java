package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./qmpkit} script and the jar tell one story: the script's help is the jar's, the
 * script's own commands ({@code test}, {@code install-qemu}) answer {@code --help} with the jar's
 * help and install nothing for it, and the script's summary names exactly the jar's commands.
 */
class LauncherScriptIT {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Pattern SUMMARY_COMMAND = Pattern.compile("(?m)^#   \\./qmpkit ([a-z-]+)");
    private static final Pattern LISTED = Pattern.compile("(?m)^  ([a-z-]+) {2,}\\S");

    private static ChildProcess script(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("qmpkit").toString()));
        cmd.addAll(List.of(args));
        String out = Path.of(System.getProperty("qmpkit.buildDir", "target")).getFileName().toString();
        return ChildProcess.run(cmd, ROOT, Map.of("QMPKIT_OUT", out), 120);
    }

    private static ChildProcess jar(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
                ArtifactManifestsIT.cliJar().toString()));
        cmd.addAll(List.of(args));
        return ChildProcess.run(cmd, ROOT, Map.of(), 60);
    }

    @Test
    void theScriptsHelpIsTheJars() throws Exception {
        ChildProcess viaScript = script("help");
        assertThat(viaScript.exitCode()).as(viaScript.toString()).isZero();
        assertThat(viaScript.out()).isEqualTo(jar("help").out());
        for (String command : List.of("test", "install-qemu", "demo", "shell")) {
            ChildProcess r = script(command, "--help");
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).as(command).isEqualTo(jar("help", command).out());
            assertThat(r.err()).as("nothing installed or run for --help").doesNotContain("[install] installing")
                    .doesNotContain("running unit");
        }
        assertThat(script("help", "template", "clone").out()).isEqualTo(jar("help", "template", "clone").out());
        assertThat(script("--version").out()).isEqualTo(jar("--version").out());
    }

    @Test
    void theScriptsSummaryNamesTheJarsCommands() throws Exception {
        String header = Files.readString(ROOT.resolve("qmpkit"));
        header = header.substring(0, header.indexOf("set -euo pipefail"));
        Set<String> summary = new TreeSet<>();
        Matcher m = SUMMARY_COMMAND.matcher(header);
        while (m.find()) {
            summary.add(m.group(1));
        }
        Set<String> listed = new TreeSet<>();
        m = LISTED.matcher(jar("help").out());
        while (m.find()) {
            listed.add(m.group(1));
        }
        assertThat(listed).contains("demo", "test", "install-qemu", "shell", "help");
        // The summary names the script's own commands and help; the rest go by "./qmpkit COMMAND".
        assertThat(summary).containsExactlyInAnyOrder("demo", "test", "install-qemu", "help");
        for (String command : listed) {
            assertThat(header).as("the script's summary mentions " + command).contains(command);
        }
    }
}
