package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's disk, agent and fix-up example, compiled from the README as it stands and run on the system QEMU with the real
 * Linux guest: the clone comes with every fix-up done, its own host name and disk, and leaves
 * nothing when closed.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ReadmeForkExampleIT {

    @TempDir
    Path dir;

    @Test
    void forkExample() throws Exception {
        String out = ReadmeExamples.run("ForkExample", dir.resolve("template").toString());
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
