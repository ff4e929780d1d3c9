package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java example of the README compiles when pasted as it stands: each is a whole program
 * whose imports and checked exceptions are shown, so a missing import or an undeclared
 * exception fails here. And each is run by a test ({@link ReadmeExamplesIT},
 * {@link ReadmeAgentExampleIT}, {@link ReadmeForkExampleIT}). Blocks marked {@code <!-- verbatim: ... -->}
 * belong to the test kit's and the metrics' own tests, which compile and run them.
 */
class ReadmeExamplesTest {
    /** The examples the ITs run, by class name. */
    static final Set<String> RUN_BY_TESTS = Set.of("ClientExample", "TemplatingExample", "LinuxGuestExample",
            "GuestAgentExample", "ForkExample");

    @TempDir
    Path out;

    @Test
    void everyJavaExampleCompilesAsPastedAndIsRunByATest() throws Exception {
        Map<String, String> blocks = ReadmeExamples.blocks();
        assertThat(blocks).as("the README has Java examples").hasSizeGreaterThanOrEqualTo(4);
        assertThat(blocks).as("each Java block is a whole program declaring a public class")
                .doesNotContainKey("");
        assertThat(ReadmeExamples.compile(blocks, out)).as("javac's complaints about the README's examples")
                .isEmpty();
        assertThat(blocks.keySet()).as("each example is run by ReadmeExamplesIT, ReadmeAgentExampleIT or ReadmeForkExampleIT")
                .containsExactlyInAnyOrderElementsOf(RUN_BY_TESTS);
    }

    @Test
    void aMissingImportOrCheckedExceptionFailsTheCheck() throws Exception {
        Map<String, String> blocks = ReadmeExamples.blocks();
        String client = blocks.get("ClientExample");
        Map<String, String> withoutImport = new LinkedHashMap<>(Map.of("ClientExample",
                client.replace("import dev.qmpkit.qmp.command.StatusInfo;\n", "")));
        List<String> problems = ReadmeExamples.compile(withoutImport, out);
        assertThat(problems).anyMatch(p -> p.startsWith("ERROR") && p.contains("cannot find symbol"));

        String templating = blocks.get("TemplatingExample");
        Map<String, String> withoutThrows = Map.of("TemplatingExample",
                templating.replace(" throws IOException, InterruptedException", ""));
        assertThat(ReadmeExamples.compile(withoutThrows, out)).anyMatch(p -> p.contains("unreported exception"));
    }
}
