package dev.qmpkit.templating.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.launch.QemuBinary;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the SDK logs during a full template/clone/pool run with every {@code dev.qmpkit} logger
 * at DEBUG (a child JVM with slf4j-simple, whose output is read whole), on real QEMU 10.0 and
 * 7.2: lines stay short, and no file contents, guest memory, QMP replies or manifest JSON
 * appear.
 */
@Timeout(180)
class LogSafetyIT {

    /** The longest line allowed: a QEMU command line with long paths fits, a file or a reply does not. */
    private static final int MAX_LINE = 4096;
    /** A dump of bytes (hex or base64) this long means memory or a file got into the log. */
    private static final Pattern DUMP = Pattern.compile("[0-9A-Za-z+/=]{200,}");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void debugLogsOfAFullRunAreBoundedAndHoldNoFileContentsOrGuestMemory(QemuBinary qemu) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // The JVM options the README asks of users: the state file reaches a confined QEMU as a descriptor.
                "--add-opens", "java.base/java.io=ALL-UNNAMED",
                "-Dorg.slf4j.simpleLogger.log.dev.qmpkit=debug",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-cp", System.getProperty("java.class.path"), LoggedWorkflowMain.class.getName(),
                tmp.toString(), qemu.executable().toString()));
        qemu.firmwareDirs().forEach(d -> cmd.add(d.toString()));
        Path err = tmp.resolve("child.err");
        Process jvm = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
        String out = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(jvm.waitFor(120, TimeUnit.SECONDS)).isTrue();
        List<String> lines = Files.readAllLines(err);
        assertThat(out).as("child stderr:%n%s", String.join("\n", lines)).contains("DONE");
        assertThat(jvm.exitValue()).isZero();

        List<String> sdk = lines.stream().filter(l -> l.contains(" dev.qmpkit.")).toList();
        long debug = sdk.stream().filter(l -> l.contains(" DEBUG ")).count();
        int longest = lines.stream().mapToInt(String::length).max().orElse(0);
        String serial = Files.readString(tmp.resolve("template").resolve("serial.log"), StandardCharsets.ISO_8859_1);
        System.out.printf("[%s] full run at DEBUG: %d log lines (%d from dev.qmpkit, %d at DEBUG), longest %d chars,"
                + " %d bytes in all%n", qemu.executable(), lines.size(), sdk.size(), debug, longest, Files.size(err));
        assertThat(debug).as("DEBUG was really on").isGreaterThan(5);
        for (String l : lines) {
            assertThat(l.length()).as("line too long: %.300s...", l).isLessThanOrEqualTo(MAX_LINE);
            assertThat(DUMP.matcher(l).find()).as("a byte dump in: %.300s", l).isFalse();
            assertThat(l).doesNotContain("\"return\"", "\"execute\"", "\"meta-type\"", "\"formatVersion\"",
                    "COUNT ", "READY");
            // HMP 'xp' of the pattern region answers lines like "0000000001000000: 0x5b17c0de 0x5b17c0da ..."
            assertThat(l).doesNotContainPattern("0x[0-9a-f]{8} 0x[0-9a-f]{8}");
        }
        assertThat(serial).as("the guest did print, so its absence from the log means something").contains("READY");
    }
}
