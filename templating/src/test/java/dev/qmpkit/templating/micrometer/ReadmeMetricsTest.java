package dev.qmpkit.templating.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.testing.VerbatimExample;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Micrometer example, as a user pastes it: it compiles and wires both recorders. */
class ReadmeMetricsTest {

    @Test
    void theReadmesMetricsExampleCompilesAndRuns(@TempDir Path dir) throws Throwable {
        PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            VerbatimExample.run("ReadmeMetricsTest", dir);
        } finally {
            System.setOut(stdout);
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("MicrometerTemplatingMetrics[")
                .contains("MicrometerQmpMetrics[qmpkit.agent");
    }
}
