package dev.qmpkit.templating.guest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.QmpClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A tiny x86 guest built into the SDK, so tests and demos need no download and no compiler:
 * a Multiboot (v1) kernel of about 1 KiB that QEMU loads with {@code -kernel FILE}
 * ({@link #writeKernel(Path)} writes it). Source: {@code templating/src/main/guest/counter.S}.
 * It runs on {@code -M q35} and {@code -M pc}, TCG or KVM, QEMU 7.2 to 10.x, with at least
 * {@link #MIN_RAM_BYTES} of RAM, plain or in a {@code memory-backend-file}, with or without
 * {@code -device vmgenid}. It needs no disk, no NIC and no display; its only device is COM1.
 *
 * <h2>What it does</h2>
 * <ol>
 *   <li>Fills {@link #PATTERN_BYTES} of RAM from {@link #PATTERN_START} with a deterministic
 *       pattern: the little-endian 32-bit word at physical address {@code A} is
 *       {@link #expectedPatternWord(long) A ^ PATTERN_XOR}.</li>
 *   <li>Prints a {@code GUEST ...} line naming these addresses, then {@code READY}, on COM1,
 *       and stores {@link #READY_MAGIC} at {@link #READY_MAGIC_ADDRESS}. Both happen only after
 *       the pattern is complete.</li>
 *   <li>Programs the PIT at {@link #TICK_HZ} and sleeps ({@code sti; hlt}) between ticks, so an
 *       idle guest costs about 1% of a host core under TCG. Each tick increments the 64-bit
 *       little-endian counter at {@link #COUNTER_ADDRESS}; every {@link #PRINT_EVERY_TICKS}
 *       ticks it prints {@code COUNT <16 hex digits>}.</li>
 * </ol>
 * The counter lives only in RAM, so a guest restored from a migration or a template continues
 * from the value it had; it never restarts from zero. With too little RAM the guest prints an
 * {@code ERROR ...} line and halts; a CPU exception prints {@code FAULT vector=0x...} and halts.
 *
 * <h2>Physical memory layout</h2>
 * <pre>
 * 0x00100000  the kernel image (code and constant data)
 * 0x00200000  counter, u64                 ({@link #COUNTER_ADDRESS})
 * 0x00200008  ready magic, u32             ({@link #READY_MAGIC_ADDRESS})
 * 0x0020000c  print flag, u32 (internal)
 * 0x00201000  IDT; stack below 0x00210000  (internal)
 * 0x01000000  pattern, 32 MiB, up to 0x03000000 ({@link #PATTERN_START}, {@link #PATTERN_END})
 * </pre>
 * Everything sits below 48 MiB, so the top of RAM, where the firmware puts the ACPI tables and
 * the vmgenid buffer, is never touched. On {@code pc} and {@code q35} machines RAM below 2 GiB
 * is mapped 1:1, so in the RAM file of the machine's memory backend (and in a {@code pmemsave}
 * dump taken from address 0) the file offset of each of these addresses equals the address.
 *
 * <p>All methods are static and thread-safe; no argument may be null.
 */
public final class BuiltinGuest {

    /** Physical address the image is loaded at (Multiboot a.out kludge). */
    public static final long LOAD_ADDRESS = 0x0010_0000L;
    /** Physical address of the tick counter: unsigned 64-bit, little-endian. */
    public static final long COUNTER_ADDRESS = 0x0020_0000L;
    /** Physical address of a 32-bit word that holds {@link #READY_MAGIC} once READY is printed. */
    public static final long READY_MAGIC_ADDRESS = 0x0020_0008L;
    /** The value at {@link #READY_MAGIC_ADDRESS} after the pattern fill ({@code "REDY"} in ASCII). */
    public static final int READY_MAGIC = 0x5944_4552;
    /** First physical address of the pattern. */
    public static final long PATTERN_START = 0x0100_0000L;
    /** Length of the pattern in bytes (32 MiB). */
    public static final long PATTERN_BYTES = 0x0200_0000L;
    /** First physical address after the pattern. */
    public static final long PATTERN_END = PATTERN_START + PATTERN_BYTES;
    /** The constant each pattern word's address is XORed with. */
    public static final int PATTERN_XOR = 0x5a17_c0de;
    /** Timer interrupts per second; the counter's rate. */
    public static final int TICK_HZ = 100;
    /** A {@code COUNT} line is printed each time the counter reaches a multiple of this. */
    public static final int PRINT_EVERY_TICKS = 10;
    /** The RAM size the guest is documented for ({@code -m 64}); it refuses less than 48 MiB. */
    public static final long MIN_RAM_BYTES = 64L << 20;
    /** The file name {@link #writeKernel(Path)} uses. */
    public static final String KERNEL_FILE_NAME = "qmpkit-counter-guest.bin";

    private static final byte[] IMAGE = Base64.getDecoder().decode(GuestImage.BASE64);
    private static final Pattern XP_VALUE = Pattern.compile(":\\s*0x([0-9a-fA-F]+)");

    private BuiltinGuest() {
    }

    /** @return a copy of the kernel image bytes; never null */
    public static byte[] image() {
        return IMAGE.clone();
    }

    /**
     * Writes the kernel image to {@code dir/}{@value #KERNEL_FILE_NAME}, atomically (a QEMU
     * that is loading an older copy never sees a half-written file), creating {@code dir} when
     * missing.
     *
     * @param dir the directory; never null
     * @return the kernel file, for {@code -kernel}; never null
     * @throws IOException when the directory or file cannot be written
     */
    public static Path writeKernel(Path dir) throws IOException {
        Objects.requireNonNull(dir, "dir");
        Files.createDirectories(dir);
        Path target = dir.resolve(KERNEL_FILE_NAME);
        if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), IMAGE)) {
            return target;
        }
        Path tmp = Files.createTempFile(dir, KERNEL_FILE_NAME, ".tmp");
        try {
            Files.write(tmp, IMAGE, StandardOpenOption.TRUNCATE_EXISTING);
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    /**
     * @param address a physical address in {@code [PATTERN_START, PATTERN_END)}, a multiple of 4
     * @return the 32-bit word the guest writes there
     * @throws IllegalArgumentException when the address is outside the pattern or unaligned
     */
    public static int expectedPatternWord(long address) {
        if (address < PATTERN_START || address >= PATTERN_END || (address & 3) != 0) {
            throw new IllegalArgumentException(String.format(
                    "0x%x is not a 4-byte aligned address in the guest's pattern [0x%x, 0x%x)",
                    address, PATTERN_START, PATTERN_END));
        }
        return (int) address ^ PATTERN_XOR;
    }

    /**
     * Checks the pattern in a memory image: a RAM backend file ({@code fileStartAddress} 0) or a
     * {@code pmemsave} dump (the address it was taken from).
     *
     * @param file the memory image; never null
     * @param fileStartAddress the physical address of the file's first byte
     * @return the physical address of the first 32-bit word that differs from the pattern, or
     *         empty when the whole pattern is intact
     * @throws IllegalArgumentException when the file does not cover the whole pattern
     * @throws IOException when the file cannot be read
     */
    public static OptionalLong firstPatternMismatch(Path file, long fileStartAddress) throws IOException {
        Objects.requireNonNull(file, "file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (fileStartAddress > PATTERN_START || fileStartAddress + size < PATTERN_END) {
                throw new IllegalArgumentException(String.format(
                        "%s covers physical [0x%x, 0x%x) but the guest's pattern is [0x%x, 0x%x);"
                                + " dump at least that range (pmemsave val=0x%x size=0x%x)",
                        file, fileStartAddress, fileStartAddress + size, PATTERN_START, PATTERN_END,
                        PATTERN_START, PATTERN_BYTES));
            }
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            long address = PATTERN_START;
            while (address < PATTERN_END) {
                buf.clear();
                buf.limit((int) Math.min(buf.capacity(), PATTERN_END - address));
                readFully(ch, buf, address - fileStartAddress, file);
                buf.flip();
                while (buf.remaining() >= 4) {
                    if (buf.getInt() != ((int) address ^ PATTERN_XOR)) {
                        return OptionalLong.of(address);
                    }
                    address += 4;
                }
            }
            return OptionalLong.empty();
        }
    }

    /**
     * Reads the counter from a memory image: a RAM backend file or a {@code pmemsave} dump.
     *
     * @param file the memory image; never null
     * @param fileStartAddress the physical address of the file's first byte
     * @return the counter value
     * @throws IllegalArgumentException when the file does not cover {@link #COUNTER_ADDRESS}
     * @throws IOException when the file cannot be read
     */
    public static long readCounter(Path file, long fileStartAddress) throws IOException {
        Objects.requireNonNull(file, "file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (fileStartAddress > COUNTER_ADDRESS || fileStartAddress + ch.size() < COUNTER_ADDRESS + 8) {
                throw new IllegalArgumentException(String.format(
                        "%s covers physical [0x%x, 0x%x), which does not hold the counter at 0x%x",
                        file, fileStartAddress, fileStartAddress + ch.size(), COUNTER_ADDRESS));
            }
            ByteBuffer buf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, buf, COUNTER_ADDRESS - fileStartAddress, file);
            return buf.flip().getLong();
        }
    }

    /**
     * Reads the live counter of a running guest through the monitor (HMP {@code xp} over
     * {@code human-monitor-command}; works on QEMU 7.2 and later, while running or paused).
     *
     * @param qmp a connected client of the guest's QEMU; never null
     * @return a future completed with the counter value, or failed with the client's exception
     *         or an {@link IllegalStateException} when QEMU's answer cannot be parsed
     */
    public static CompletableFuture<Long> readCounter(QmpClient qmp) {
        Objects.requireNonNull(qmp, "qmp");
        String command = String.format("xp /1gx 0x%x", COUNTER_ADDRESS);
        return qmp.execute("human-monitor-command", Map.of("command-line", command))
                .thenApply(reply -> parseXp(command, reply));
    }

    private static long parseXp(String command, JsonNode reply) {
        String text = reply.asText();
        Matcher m = XP_VALUE.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("unexpected answer to HMP '" + command + "': " + text.strip());
        }
        return Long.parseUnsignedLong(m.group(1), 16);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException(file + " ended at offset " + pos + " while reading guest memory");
            }
            pos += n;
        }
    }
}
