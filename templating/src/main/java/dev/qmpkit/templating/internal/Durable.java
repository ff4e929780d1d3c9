package dev.qmpkit.templating.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Set;

/** File durability and integrity: fsync, atomic replace, private permissions, SHA-256. */
public final class Durable {

    /** rw------- */
    public static final Set<PosixFilePermission> FILE_0600 = PosixFilePermissions.fromString("rw-------");
    /** rwx------ */
    public static final Set<PosixFilePermission> DIR_0700 = PosixFilePermissions.fromString("rwx------");

    private Durable() {
    }

    /** fsync a file's data and metadata; for a file QEMU wrote through a shared mapping this flushes its dirty pages. */
    public static void fsync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** fsync a directory, so a rename or create inside it survives a crash. */
    public static void fsyncDir(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems refuse fsync on a directory; the rename is still atomic there.
            if (!String.valueOf(e.getMessage()).contains("Is a directory")) {
                throw e;
            }
        }
    }

    /** Renames atomically within one directory and syncs the directory. */
    public static void atomicRename(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + to.getParent() + " cannot rename atomically; "
                    + "use a local file system (ext4, xfs, tmpfs) for template directories", e);
        }
        fsyncDir(to.toAbsolutePath().getParent());
    }

    /**
     * Writes bytes to {@code target} via a private temporary file, fsync and atomic rename. On
     * any failure, the rename included, the temporary file is removed: only a complete file is
     * ever visible, under either name.
     */
    public static void atomicWrite(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(FILE_0600))) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            atomicRename(tmp, target);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Creates an empty private (0600) file, failing if it exists. */
    public static void createPrivateFile(Path file) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE_0600));
    }

    /** @return the SHA-256 of bytes, lower-case hex */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
