package dev.qmpkit.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Micrometer is an optional dependency: a JVM without it (nor its own dependencies) on the class
 * path runs the client, measured by a recorder of its own or not at all.
 */
class WithoutMicrometerTest {

    @Test
    void theClientRunsWithMicrometerAbsentFromTheClassPath() throws Exception {
        String full = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> entries = Arrays.asList(full.split(File.pathSeparator));
        String classpath = entries.stream()
                .filter(e -> !e.contains("/io/micrometer/") && !e.contains("/org/hdrhistogram/")
                        && !e.contains("/org/latencyutils/"))
                .collect(Collectors.joining(File.pathSeparator));
        assertThat(entries.stream().filter(e -> e.contains("/io/micrometer/micrometer-core/")))
                .as("this test's own class path has Micrometer, which the child's lacks").hasSize(1);

        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                classpath, WithoutMicrometerMain.class.getName()).redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the child JVM ends").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("no Micrometer").contains("status: running").contains("measured commands: 2")
                .doesNotContain("NoClassDefFoundError");
    }
}
