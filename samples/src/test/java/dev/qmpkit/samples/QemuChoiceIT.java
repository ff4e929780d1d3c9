package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.testing.TestQemus;
import dev.qmpkit.samples.cli.Context;
import dev.qmpkit.samples.cli.QemuChoice;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --qemu 7.2} and {@code --qemu FOLDER} find the QEMU 7.2 the install step unpacked, with its firmware. */
class QemuChoiceIT {

    @Test
    void versionShorthandAndFolderResolveToTheUnpackedBuild() {
        QemuBinary expected = TestQemus.qemu72();
        Path root = expected.executable().getParent().getParent().getParent();
        PrintStream nul = new PrintStream(OutputStream.nullOutputStream());
        Context ctx = new Context(nul, nul, Map.of("QMPKIT_CACHE", root.getParent().toString()), false);

        QemuBinary byVersion = QemuChoice.resolve(root.getFileName().toString().replace("qemu-", ""), List.of(), ctx);
        assertThat(byVersion).isEqualTo(expected);
        assertThat(QemuChoice.resolve(root.toString(), List.of(), ctx)).isEqualTo(expected);
        assertThat(QemuChoice.probe(byVersion).version().toString()).startsWith("7.2.");
    }
}
