package dev.qmpkit.templating;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * The two file operations templating and its callers share: the SHA-256 of a file as a
 * template manifest records it, and removing a work directory with everything in it.
 */
public final class WorkFiles {

    private WorkFiles() {
    }

    /**
     * Reads a file once and returns its SHA-256, as {@link TemplateManifest} records the RAM and
     * state files. Reads every byte (about 1-3 s per GiB).
     *
     * @param file the file; never null
     * @return the digest, 64 lower-case hex digits; never null
     * @throws IOException when the file cannot be read
     */
    public static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * Deletes a directory and everything in it, deepest first. A symbolic link is removed,
     * never followed, so nothing outside the directory is touched. Does nothing when it does
     * not exist.
     *
     * @param dir the directory (or a single file); never null
     * @throws IOException when something in it cannot be deleted (what could be is gone)
     */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
