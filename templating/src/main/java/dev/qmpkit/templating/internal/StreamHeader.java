package dev.qmpkit.templating.internal;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads the machine type QEMU records at the start of a migration stream: magic
 * {@code QEVM}, version 3, then a configuration section ({@code 0x07}) holding a 32-bit
 * length and the machine type name. Lets a clone be refused before launch when the state
 * file was saved on another machine type.
 */
public final class StreamHeader {
    private static final int MAGIC = 0x5145564d;
    private static final int VERSION = 3;
    private static final int SECTION_CONFIGURATION = 0x07;

    private StreamHeader() {
    }

    /**
     * @param stateFile a migration stream file
     * @return the machine type name, or null when the stream has no configuration section
     * @throws IOException when the file is not a QEMU migration stream
     */
    public static String machineType(Path stateFile) throws IOException {
        try (InputStream raw = Files.newInputStream(stateFile); DataInputStream in = new DataInputStream(raw)) {
            int magic = in.readInt();
            int version = in.readInt();
            if (magic != MAGIC || version != VERSION) {
                throw new IOException(stateFile + " is not a QEMU migration stream (magic " + Integer.toHexString(magic)
                        + ", version " + version + ")");
            }
            int section = in.readUnsignedByte();
            if (section != SECTION_CONFIGURATION) {
                return null;
            }
            int len = in.readInt();
            if (len <= 0 || len > 256) {
                throw new IOException(stateFile + ": implausible machine type length " + len);
            }
            return new String(in.readNBytes(len), StandardCharsets.US_ASCII);
        }
    }
}
