package dev.qmpkit.templating.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuiltinGuestTest {

    /** Surefire runs with the module directory as working directory. */
    private static final Path GUEST_SRC = Path.of("src/main/guest");

    @TempDir
    Path tmp;

    @Test
    void embeddedImageIsTheAssembledSource() throws Exception {
        assumeTrue(onPath("as") && onPath("ld") && onPath("objcopy"),
                "GNU binutils (as, ld, objcopy) not installed: cannot re-assemble the guest");
        Path out = tmp.resolve("guest.bin");
        Process p = new ProcessBuilder("sh", GUEST_SRC.resolve("build.sh").toString(), out.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("build.sh output: %s", output).isZero();

        assertThat(BuiltinGuest.image())
                .as("GuestImage.BASE64 is stale: run src/main/guest/build.sh and paste base64 -w0 of its output")
                .isEqualTo(Files.readAllBytes(out));
    }

    @Test
    void javaConstantsMatchTheAssemblySource() throws IOException {
        Map<String, Long> set = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^\\s*\\.set\\s+(\\w+),\\s*(0x[0-9a-fA-F]+|\\d+)")
                .matcher(Files.readString(GUEST_SRC.resolve("counter.S")));
        while (m.find()) {
            set.put(m.group(1), Long.decode(m.group(2)));
        }
        assertThat(set).containsEntry("LOAD_ADDRESS", BuiltinGuest.LOAD_ADDRESS)
                .containsEntry("COUNTER_ADDRESS", BuiltinGuest.COUNTER_ADDRESS)
                .containsEntry("READY_MAGIC_ADDRESS", BuiltinGuest.READY_MAGIC_ADDRESS)
                .containsEntry("READY_MAGIC", (long) BuiltinGuest.READY_MAGIC)
                .containsEntry("PATTERN_START", BuiltinGuest.PATTERN_START)
                .containsEntry("PATTERN_BYTES", BuiltinGuest.PATTERN_BYTES)
                .containsEntry("PATTERN_XOR", (long) BuiltinGuest.PATTERN_XOR)
                .containsEntry("TICK_HZ", (long) BuiltinGuest.TICK_HZ)
                .containsEntry("PRINT_EVERY", (long) BuiltinGuest.PRINT_EVERY_TICKS);
        assertThat(set.get("PIT_DIVISOR")).isEqualTo(Math.round(1_193_182.0 / BuiltinGuest.TICK_HZ));
        assertThat(BuiltinGuest.PATTERN_END).isLessThan(BuiltinGuest.MIN_RAM_BYTES);
    }

    @Test
    void imageCarriesAValidMultibootHeaderQemuCanLoadAsAFlatBinary() {
        byte[] image = BuiltinGuest.image();
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int offset = -1;
        // Multiboot v1: the header is 4-byte aligned within the first 8192 bytes.
        for (int i = 0; i + 12 <= Math.min(image.length, 8192); i += 4) {
            if (b.getInt(i) == 0x1BADB002) {
                offset = i;
                break;
            }
        }
        assertThat(offset).as("multiboot magic").isNotNegative();
        int flags = b.getInt(offset + 4);
        assertThat(b.getInt(offset) + flags + b.getInt(offset + 8)).as("checksum").isZero();
        assertThat(flags & 0x10000).as("flag 16: address fields valid (a.out kludge)").isNotZero();
        assertThat(flags & 0x4).as("no video mode request").isZero();

        long headerAddr = Integer.toUnsignedLong(b.getInt(offset + 12));
        long loadAddr = Integer.toUnsignedLong(b.getInt(offset + 16));
        long loadEndAddr = Integer.toUnsignedLong(b.getInt(offset + 20));
        long bssEndAddr = Integer.toUnsignedLong(b.getInt(offset + 24));
        long entryAddr = Integer.toUnsignedLong(b.getInt(offset + 28));
        assertThat(loadAddr).isEqualTo(BuiltinGuest.LOAD_ADDRESS);
        assertThat(headerAddr - loadAddr).as("header_addr matches the header's file offset").isEqualTo(offset);
        assertThat(loadEndAddr).as("0: load the whole file").isZero();
        assertThat(bssEndAddr).as("no bss to clear").isZero();
        assertThat(entryAddr).isBetween(loadAddr + offset + 32, loadAddr + image.length - 1);
        assertThat(loadAddr + image.length).as("image ends below the guest's state page")
                .isLessThanOrEqualTo(BuiltinGuest.COUNTER_ADDRESS);
    }

    @Test
    void writeKernelWritesTheImageAndIsIdempotent() throws IOException {
        Path dir = tmp.resolve("a dir, with comma");
        Path kernel = BuiltinGuest.writeKernel(dir);
        assertThat(kernel).isEqualTo(dir.resolve(BuiltinGuest.KERNEL_FILE_NAME));
        assertThat(Files.readAllBytes(kernel)).isEqualTo(BuiltinGuest.image());

        Files.write(kernel, new byte[] {1, 2, 3});
        assertThat(BuiltinGuest.writeKernel(dir)).isEqualTo(kernel);
        assertThat(Files.readAllBytes(kernel)).isEqualTo(BuiltinGuest.image());
        try (var files = Files.list(dir)) {
            assertThat(files).as("no temp file left behind").containsExactly(kernel);
        }
    }

    @Test
    void imageIsCopiedSoCallersCannotCorruptIt() {
        byte[] first = BuiltinGuest.image();
        first[0] ^= 0x55;
        assertThat(BuiltinGuest.image()[0]).isNotEqualTo(first[0]);
    }

    @Test
    void expectedPatternWordIsTheAddressXorTheConstant() {
        assertThat(BuiltinGuest.expectedPatternWord(0x0100_0000L)).isEqualTo(0x0100_0000 ^ 0x5a17_c0de);
        assertThat(BuiltinGuest.expectedPatternWord(0x02ff_fffcL)).isEqualTo(0x02ff_fffc ^ 0x5a17_c0de);
        assertThatThrownBy(() -> BuiltinGuest.expectedPatternWord(0x0100_0002L))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("aligned");
        assertThatThrownBy(() -> BuiltinGuest.expectedPatternWord(BuiltinGuest.PATTERN_END))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0x3000000");
    }

    @Test
    void patternCheckFindsTheFirstCorruptedWordInADump() throws IOException {
        long dumpStart = BuiltinGuest.PATTERN_START - 4096;
        Path dump = tmp.resolve("dump");
        try (FileChannel ch = FileChannel.open(dump, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            ch.write(ByteBuffer.allocate(4096));
            for (long a = BuiltinGuest.PATTERN_START; a < BuiltinGuest.PATTERN_END; a += 4) {
                buf.putInt(BuiltinGuest.expectedPatternWord(a));
                if (!buf.hasRemaining()) {
                    ch.write(buf.flip());
                    buf.clear();
                }
            }
        }
        assertThat(BuiltinGuest.firstPatternMismatch(dump, dumpStart)).isEmpty();

        long corrupt = BuiltinGuest.PATTERN_START + 12_345_676;
        try (FileChannel ch = FileChannel.open(dump, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0}), corrupt + 1 - dumpStart);
        }
        assertThat(BuiltinGuest.firstPatternMismatch(dump, dumpStart)).isEqualTo(OptionalLong.of(corrupt));

        assertThatThrownBy(() -> BuiltinGuest.firstPatternMismatch(dump, dumpStart + 8192))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pmemsave");
    }

    @Test
    void readCounterReadsTheLittleEndianCounterFromAMemoryImage() throws IOException {
        Path ram = tmp.resolve("ram");
        try (FileChannel ch = FileChannel.open(ram, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0x1_0000_0042L).flip(),
                    BuiltinGuest.COUNTER_ADDRESS);
        }
        assertThat(BuiltinGuest.readCounter(ram, 0)).isEqualTo(0x1_0000_0042L);
        assertThatThrownBy(() -> BuiltinGuest.readCounter(ram, BuiltinGuest.COUNTER_ADDRESS + 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("counter");
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
