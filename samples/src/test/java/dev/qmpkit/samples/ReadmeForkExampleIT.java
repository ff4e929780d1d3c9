package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's disk, agent and fix-up example ({@link ForkExample}, whose lines
 * {@link ReadmeExamplesTest} checks against the README) run on the system QEMU with the real
 * Linux guest: the clone comes with every fix-up done, its own host name and disk, and leaves
 * nothing when closed.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReadmeForkExampleIT {

    @TempDir
    Path dir;

    @Test
    void forkExample() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            ForkExample.main(new String[] {dir.resolve("template").toString()});
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.print(out);
        for (String fixUp : new String[] {"clock", "entropy", "machine-id", "hostname", "network", "motd"}) {
            assertThat(out).contains("  " + fixUp + " DONE in ");
        }
        assertThat(out).contains("the kernel reseeded on the new vmgenid").contains("10.0.2.15/24 (dhcp)")
                .contains("the clock was ");
        Matcher m = Pattern.compile("\n(clone-\\d+-[0-9a-f]{6})\nmine\noverlay (\\S+), MAC (\\S+)\n").matcher(out);
        assertThat(m.find()).as("hostname, the disk's file, overlay and MAC in:%n%s", out).isTrue();
        assertThat(Path.of(m.group(2))).as("the overlay is deleted with the clone").doesNotExist();
        assertThat(Files.exists(dir.resolve("template").resolve("manifest.json"))).isTrue();
        assertThat(Files.exists(dir.resolve("template").resolve("disk-data.qcow2"))).isTrue();
    }
}
