package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.launch.QemuBinary;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Refusals that happen before any QEMU is started. */
class TemplateVmTest {

    private static final QemuBinary NO_QEMU = QemuBinary.of(Path.of("/nonexistent/qemu-system-x86_64"));
    private static final VmDescription VM = VmDescription.builder().accel(Accel.TCG).ram(64L << 20).build();

    @Test
    void aDirectoryThatAlreadyHoldsSomethingIsRefusedAndLeftAlone(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("tpl"));
        Path mine = Files.writeString(dir.resolve("manifest.json"), "{}");
        assertThatThrownBy(() -> TemplateVm.start(NO_QEMU, VM, dir))
                .isInstanceOf(TemplatingException.class)
                .hasMessageContaining("is not empty")
                .hasMessageContaining("Fix:");
        assertThat(Files.readString(mine)).isEqualTo("{}");
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThatThrownBy(() -> TemplateVm.start(NO_QEMU, VM, file)).hasMessageContaining("not a directory");
    }

    @Test
    void aFailedLaunchRemovesTheFilesItCreated(@TempDir Path tmp) {
        Path dir = tmp.resolve("new, dir");
        assertThatThrownBy(() -> TemplateVm.start(NO_QEMU, VM, dir)).isInstanceOf(dev.qmpkit.qmp.QmpException.class);
        assertThat(dir).doesNotExist();
    }

    @Test
    void openingADirectoryWithoutManifestSaysTheSaveDidNotFinish(@TempDir Path tmp) {
        assertThatThrownBy(() -> Template.open(tmp)).isInstanceOf(ManifestCorruptException.class)
                .hasMessageContaining("did not finish")
                .hasMessageContaining("Save the template again");
    }
}
