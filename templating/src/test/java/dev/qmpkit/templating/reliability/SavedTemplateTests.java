package dev.qmpkit.templating.reliability;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Base of the reliability ITs that share one saved template of the built-in guest per QEMU
 * ({@link SavedTemplates}): created before the class's first test, deleted after its last.
 * Tests take their QEMUs from {@code dev.qmpkit.qmp.testing.TestQemus#all}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SavedTemplateTests {

    private final String prefix;
    /** The class's templates, set before its first test. */
    SavedTemplates templates;

    /** @param prefix the name prefix of the class's temporary directory, so a leftover shows its test */
    SavedTemplateTests(String prefix) {
        this.prefix = prefix;
    }

    @BeforeAll
    final void createTemplates() throws Exception {
        templates = new SavedTemplates(prefix);
    }

    @AfterAll
    final void deleteTemplates() throws Exception {
        templates.close();
    }
}
