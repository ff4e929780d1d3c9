package dev.qmpkit.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.testing.VerbatimExample;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's qmpkit-testing example, as a user pastes it: compiled as it stands against the
 * test class path, and each of its {@code @Test} methods runs and passes.
 */
class ReadmeTestKitTest {

    @Test
    void theReadmesTestKitExampleCompilesAndPasses(@TempDir Path dir) throws Throwable {
        assertThat(VerbatimExample.run("ReadmeTestKitTest", dir)).as("test methods run").isPositive();
    }
}
