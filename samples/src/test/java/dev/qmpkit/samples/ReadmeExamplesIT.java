package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.launch.QemuVersionProbe;
import dev.qmpkit.qmp.launch.QemuBinary;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java examples of the top-level README.md, compiled from the README as they stand and run
 * against the system QEMU (the examples use {@code QemuBinary.system()}); what they print and
 * leave behind is checked. {@link ReadmeExamplesTest} makes sure each example is run here or in
 * {@link ReadmeAgentExampleIT}.
 */
class ReadmeExamplesIT {

    @TempDir
    Path dir;

    @Test
    void clientExample() throws Exception {
        String out = ReadmeExamples.run("ClientExample");
        String version = QemuVersionProbe.probe(QemuBinary.system()).version().toString();
        assertThat(out).startsWith("QEMU " + version + "\n").contains("RUNNING -> STOP, name {}");
    }

    @Test
    void templatingExample() throws Exception {
        String out = ReadmeExamples.run("TemplatingExample", dir.toString());
        // "PID PTnnS MemoryUsage[...]": a clone ran, started from the saved template.
        assertThat(out).matches("(?s)\\d+ PT[0-9.]+S .*Pss.*\n");
        assertThat(dir.resolve("template").resolve("manifest.json")).isRegularFile();
        assertThat(Files.readString(dir.resolve("template").resolve("manifest.json"))).contains("\"state\"");
    }

    @Test
    void linuxGuestExample() throws Exception {
        String out = ReadmeExamples.run("LinuxGuestExample", dir.toString());
        assertThat(out).startsWith("linux-image-6.12.").contains(", data disk /");
        Path log = dir.resolve("linux");
        try (var files = Files.walk(log)) {
            assertThat(files.filter(p -> p.getFileName().toString().endsWith(".log")).anyMatch(p -> {
                try {
                    return Files.readString(p).contains("qmpkit-init: agent none, data disk none, kernel 6.12.");
                } catch (java.io.IOException e) {
                    return false;
                }
            })).as("the guest's /init reported on its serial log in " + log).isTrue();
        }
    }
}
