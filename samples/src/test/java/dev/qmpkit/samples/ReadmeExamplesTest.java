package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every line of the README's Java examples is a line of {@link ReadmeExamplesIT}, of
 * {@link GuestAgentExample} (run by {@link ReadmeAgentExampleIT}) or of {@link ForkExample}
 * (run by {@link ReadmeForkExampleIT}), which run them; a block marked
 * {@code <!-- verbatim: ... -->} is compiled and run whole by the test the mark names.
 */
class ReadmeExamplesTest {

    @Test
    void readmeJavaExamplesAreTheOnesTheTestRuns() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        Path readme = root.resolveSibling("README.md");
        if (!Files.exists(readme)) {
            readme = root.resolve("README.md"); // run from the repository root
        }
        Set<String> tested = new java.util.HashSet<>();
        for (String name : List.of("ReadmeExamplesIT.java", "GuestAgentExample.java", "ForkExample.java")) {
            Path it = Path.of("src/test/java/dev/qmpkit/samples", name);
            if (!Files.exists(it)) {
                it = root.resolve("samples").resolve(it);
            }
            Files.readAllLines(it).stream().map(String::strip).forEach(tested::add);
        }
        List<String> snippetLines = javaBlocks(Files.readAllLines(readme));
        assertThat(snippetLines).as("the README has Java examples").hasSizeGreaterThan(10);
        assertThat(snippetLines).as("README Java lines missing from ReadmeExamplesIT").allMatch(tested::contains);
    }

    private static List<String> javaBlocks(List<String> lines) {
        List<String> out = new ArrayList<>();
        boolean in = false;
        String previous = "";
        for (String l : lines) {
            if (l.startsWith("```")) {
                // A block marked "verbatim" is compiled and run as a whole by the test it names.
                in = l.equals("```java") && !previous.startsWith("<!-- verbatim:");
                previous = l;
                continue;
            }
            previous = l;
            if (in && !l.isBlank()) {
                out.add(l.strip());
            }
        }
        return out;
    }
}
