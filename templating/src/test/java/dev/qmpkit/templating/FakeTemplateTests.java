package dev.qmpkit.templating;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the unit tests that clone a template saved with {@link FakeQemu}: a fresh owner,
 * fake QEMU and template for each test, and a folder for the clones' work directories.
 */
abstract class FakeTemplateTests {

    @TempDir
    Path tmp;
    FakeQemu qemu;
    Templating templating;
    Template template;
    /** Where the clones' work directories go (CloneOptions.workDir). */
    Path workDirs;

    @BeforeEach
    final void saveATemplate() throws IOException {
        qemu = new FakeQemu(tmp);
        templating = FakeQemu.owner(qemu);
        try (TemplateVm vm = templating.startTemplate(qemu.binary(), SaveFailureTest.VM, tmp.resolve("tpl"))) {
            template = vm.save();
        }
        workDirs = Files.createDirectories(tmp.resolve("clones"));
    }

    @AfterEach
    final void closeTheOwner() {
        templating.close();
        qemu.close();
    }
}
