package dev.qmpkit.templating.guest.internal;

import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The few facts about an x86-64 ELF file the guest builder needs, read without binutils: the
 * shared libraries an executable or library names ({@code DT_NEEDED}), its program interpreter
 * ({@code PT_INTERP}), and a kernel module's dependencies ({@code depends=} in
 * {@code .modinfo}; Debian's kernel packages ship no {@code modules.dep} for an initramfs to use).
 */
public final class Elf {
    private static final int SHT_DYNAMIC = 6;
    private static final int PT_INTERP = 3;
    private static final long DT_NEEDED = 1;

    private final Path file;
    private final ByteBuffer b;

    private Elf(Path file, byte[] bytes) throws IOException {
        this.file = file;
        this.b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 64 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F') {
            throw new IOException(file + " is not an ELF file");
        }
        if (bytes[4] != 2 || bytes[5] != 1) {
            throw new IOException(file + " is not a 64-bit little-endian ELF file (class " + bytes[4] + ", data "
                    + bytes[5] + ")");
        }
    }

    /**
     * @param file an ELF file; never null
     * @return its parsed view
     * @throws IOException when it cannot be read or is not 64-bit little-endian ELF
     */
    public static Elf read(Path file) throws IOException {
        return new Elf(file, Files.readAllBytes(file));
    }

    /**
     * @param name a label for messages (e.g. the module's file name); never null
     * @param bytes the ELF file's bytes; never null
     * @return its parsed view
     * @throws IOException when the bytes are not 64-bit little-endian ELF
     */
    public static Elf of(String name, byte[] bytes) throws IOException {
        return new Elf(Path.of(name), bytes);
    }

    /** @return the {@code DT_NEEDED} entries (sonames), in order; empty for a static binary; never null */
    public List<String> needed() throws IOException {
        List<String> out = new ArrayList<>();
        try {
            for (int i = 0; i < shnum(); i++) {
                int sh = section(i);
                if (b.getInt(sh + 4) != SHT_DYNAMIC) {
                    continue;
                }
                long off = b.getLong(sh + 24);
                long size = b.getLong(sh + 32);
                int strtab = section(b.getInt(sh + 40));
                long strOff = b.getLong(strtab + 24);
                for (long e = off; e + 16 <= off + size; e += 16) {
                    long tag = b.getLong((int) e);
                    if (tag == 0) {
                        break;
                    }
                    if (tag == DT_NEEDED) {
                        out.add(string(strOff + b.getLong((int) e + 8)));
                    }
                }
            }
        } catch (IndexOutOfBoundsException | BufferUnderflowException e) {
            throw truncated(e);
        }
        return out;
    }

    /** @return the program interpreter (e.g. {@code /lib64/ld-linux-x86-64.so.2}), or empty for a static binary */
    public Optional<String> interpreter() throws IOException {
        try {
            long phoff = b.getLong(0x20);
            int phentsize = Short.toUnsignedInt(b.getShort(0x36));
            int phnum = Short.toUnsignedInt(b.getShort(0x38));
            for (int i = 0; i < phnum; i++) {
                int ph = Math.toIntExact(phoff + (long) i * phentsize);
                if (b.getInt(ph) == PT_INTERP) {
                    return Optional.of(string(b.getLong(ph + 8)));
                }
            }
            return Optional.empty();
        } catch (IndexOutOfBoundsException | BufferUnderflowException | ArithmeticException e) {
            throw truncated(e);
        }
    }

    /** @return a kernel module's dependencies (module names from {@code depends=}), in order; never null */
    public List<String> moduleDepends() throws IOException {
        try {
            int shstr = section(Short.toUnsignedInt(b.getShort(0x3e)));
            long shstrOff = b.getLong(shstr + 24);
            for (int i = 0; i < shnum(); i++) {
                int sh = section(i);
                if (!string(shstrOff + Integer.toUnsignedLong(b.getInt(sh))).equals(".modinfo")) {
                    continue;
                }
                int off = Math.toIntExact(b.getLong(sh + 24));
                int size = Math.toIntExact(b.getLong(sh + 32));
                String info = new String(b.array(), off, size, StandardCharsets.UTF_8);
                for (String kv : info.split("\0")) {
                    if (kv.startsWith("depends=")) {
                        String deps = kv.substring("depends=".length()).strip();
                        return deps.isEmpty() ? List.of() : List.of(deps.split(","));
                    }
                }
                return List.of();
            }
        } catch (IndexOutOfBoundsException | BufferUnderflowException | ArithmeticException e) {
            throw truncated(e);
        }
        throw new IOException(file + " has no .modinfo section: not a kernel module");
    }

    private int shnum() {
        return Short.toUnsignedInt(b.getShort(0x3c));
    }

    private int section(int index) {
        long shoff = b.getLong(0x28);
        int shentsize = Short.toUnsignedInt(b.getShort(0x3a));
        return Math.toIntExact(shoff + (long) index * shentsize);
    }

    private String string(long offset) {
        int start = Math.toIntExact(offset);
        int end = start;
        while (b.get(end) != 0) {
            end++;
        }
        return new String(b.array(), start, end - start, StandardCharsets.UTF_8);
    }

    private IOException truncated(RuntimeException e) {
        return new IOException(file + " is a truncated or malformed ELF file", e);
    }
}
