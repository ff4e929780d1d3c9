package dev.qmpkit.templating.fixup.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The entropy fix-up's helper: the embedded bytes are its assembled source, a static x86-64 program. */
class ReseedHelperTest {

    /** Surefire runs with the module directory as working directory. */
    private static final Path GUEST_SRC = Path.of("src/main/guest");

    @TempDir
    Path tmp;

    @Test
    void embeddedBytesAreTheAssembledSource() throws Exception {
        assumeTrue(onPath("as") && onPath("ld") && onPath("strip"),
                "GNU binutils (as, ld, strip) not installed: cannot re-assemble the helper");
        Path out = tmp.resolve("reseed");
        Process p = new ProcessBuilder("sh", GUEST_SRC.resolve("build-reseed.sh").toString(), out.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("build-reseed.sh output: %s", output).isZero();
        assertThat(ReseedHelper.bytes())
                .as("ReseedHelper.BASE64 is stale: run src/main/guest/build-reseed.sh and paste base64 -w0 of its output")
                .isEqualTo(Files.readAllBytes(out));
    }

    @Test
    void itIsAStaticX8664ExecutableWithNoInterpreter() {
        byte[] elf = ReseedHelper.bytes();
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(new String(elf, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("ELF");
        assertThat(elf[4]).as("64-bit").isEqualTo((byte) 2);
        assertThat(b.getShort(16)).as("ET_EXEC").isEqualTo((short) 2);
        assertThat(b.getShort(18)).as("EM_X86_64").isEqualTo((short) 62);
        int phoff = (int) b.getLong(32);
        int phnum = b.getShort(56);
        for (int i = 0; i < phnum; i++) {
            assertThat(b.getInt(phoff + i * 56)).as("no PT_INTERP: runs without a libc").isNotEqualTo(3);
        }
        assertThat(new String(elf, StandardCharsets.ISO_8859_1)).contains("/dev/urandom");
        assertThat(elf.length).isLessThan(1024);
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
