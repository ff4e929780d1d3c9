package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.reliability.Resources;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@link TemplateAndClone} sample does what its javadoc says, on QEMU 10.0 and 7.2, and leaves no QEMU. */
class TemplateAndCloneIT {

    private static final Pattern CLONE = Pattern.compile(
            "clone-\\d+ \\(pid \\d+\\) running \\d+ ms after spawn, counted on from (\\d+) to (\\d+), resumed; Rss .*");

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void theSampleSavesATemplateAndItsClonesResumeFromIt(QemuBinary qemu) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TemplateAndClone.run(qemu, dir, 2, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).startsWith("template saved in " + dir.resolve("template"));
        for (String clone : lines.subList(1, 3)) {
            Matcher m = CLONE.matcher(clone);
            assertThat(m.matches()).as(clone).isTrue();
            assertThat(Long.parseLong(m.group(2))).as("the clone's counter is above the template's at save: " + clone)
                    .isGreaterThan(Long.parseLong(m.group(1)));
        }
        assertThat(lines.get(3)).isEqualTo("template RAM file unchanged");
        assertThat(Resources.qemuPids()).as("QEMU left running").isEmpty();
    }
}
