package dev.qmpkit.templating.guest.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Writes a cpio archive in the {@code newc} format ("070701"), the one the Linux kernel
 * unpacks as an initramfs. Each entry is a 110-byte ASCII header of thirteen 8-digit hex
 * fields, the NUL-terminated name, padding to 4 bytes, the data, padding to 4 bytes; the
 * archive ends with an entry named {@code TRAILER!!!}. Entries are written as given (parents
 * first); owners are root, times are 0 so the same inputs give the same bytes.
 *
 * <p>Not thread-safe. Closing finishes the archive but does not close the stream.
 */
public final class NewcCpio implements AutoCloseable {
    /** File type bits of {@code st_mode}. */
    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;
    static final int S_IFCHR = 0020000;

    private final OutputStream out;
    private long written;
    private int nextInode = 1;
    private boolean finished;

    /** @param out receives the archive; never null */
    public NewcCpio(OutputStream out) {
        this.out = Objects.requireNonNull(out, "out");
    }

    /** @param path e.g. {@code bin}, without a leading slash; never null @param perm e.g. 0755 @throws IOException on write failure */
    public void directory(String path, int perm) throws IOException {
        entry(path, S_IFDIR | perm, 2, 0, 0, new byte[0]);
    }

    /** @param path the file's path; never null @param perm e.g. 0755 @param data its contents; never null @throws IOException on write failure */
    public void file(String path, int perm, byte[] data) throws IOException {
        entry(path, S_IFREG | perm, 1, 0, 0, data);
    }

    /** @param path the link's path; never null @param target what it points to; never null @throws IOException on write failure */
    public void symlink(String path, String target) throws IOException {
        entry(path, S_IFLNK | 0777, 1, 0, 0, target.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param path e.g. {@code dev/console}; never null
     * @param perm e.g. 0600
     * @param major the device's major number
     * @param minor the device's minor number
     * @throws IOException on write failure
     */
    public void charDevice(String path, int perm, int major, int minor) throws IOException {
        entry(path, S_IFCHR | perm, 1, major, minor, new byte[0]);
    }

    /** Writes the trailer. Idempotent. @throws IOException on write failure */
    @Override
    public void close() throws IOException {
        if (!finished) {
            finished = true;
            // The trailer has inode 0 and nlink 1, like GNU cpio writes it.
            header("TRAILER!!!", 0, 0, 1, 0, 0, 0);
            out.flush();
        }
    }

    private void entry(String path, int mode, int nlink, int rdevMajor, int rdevMinor, byte[] data)
            throws IOException {
        Objects.requireNonNull(path, "path");
        if (finished) {
            throw new IllegalStateException("archive already finished");
        }
        if (path.startsWith("/") || path.isEmpty() || path.contains("\0")) {
            throw new IllegalArgumentException("cpio entry path must be relative and non-empty: '" + path + "'");
        }
        header(path, nextInode++, mode, nlink, data.length, rdevMajor, rdevMinor);
        write(data);
        pad();
    }

    private void header(String name, int inode, int mode, int nlink, long size, int rdevMajor, int rdevMinor)
            throws IOException {
        byte[] nameBytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
        StringBuilder h = new StringBuilder("070701");
        for (long field : new long[] {inode, mode, 0 /* uid */, 0 /* gid */, nlink, 0 /* mtime */, size,
                0 /* devmajor */, 0 /* devminor */, rdevMajor, rdevMinor, nameBytes.length, 0 /* check */}) {
            h.append(String.format("%08x", field));
        }
        write(h.toString().getBytes(StandardCharsets.US_ASCII));
        write(nameBytes);
        pad();
    }

    private void write(byte[] b) throws IOException {
        out.write(b);
        written += b.length;
    }

    private void pad() throws IOException {
        while (written % 4 != 0) {
            out.write(0);
            written++;
        }
    }
}
