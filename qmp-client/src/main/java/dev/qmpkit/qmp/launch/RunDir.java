package dev.qmpkit.qmp.launch;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileStore;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The private directory (mode 0700) one QEMU runs in: its monitor socket, its stderr log and,
 * when the launch has one, the socket of its guest agent channel.
 * Only files this class names are ever deleted, so a run directory someone else wrote into is
 * left in place (with a warning) rather than emptied.
 */
final class RunDir {

    private static final Logger LOG = LoggerFactory.getLogger(RunDir.class);

    /** Linux {@code sun_path} holds 108 bytes including the terminating NUL. */
    static final int MAX_SOCKET_PATH_BYTES = 107;
    /** Below this much free space QEMU cannot be expected to start and log its errors. */
    static final long MIN_FREE_BYTES = 1024 * 1024;
    static final int TAIL_BYTES = 8 * 1024;
    static final int TAIL_LINES = 40;

    private final Path dir;

    private RunDir(Path dir) {
        this.dir = dir;
    }

    /**
     * @param parent an existing, writable directory with free space
     * @param name a short name made of safe characters
     */
    static RunDir create(Path parent, String name) {
        Path abs = parent.toAbsolutePath();
        if (!Files.isDirectory(abs)) {
            throw new QemuLaunchException("work directory " + abs + " does not exist or is not a directory; "
                    + "create it or pass another one to QemuLauncher.Builder.workDir", null);
        }
        // statvfs alone (0 also when it fails): Files.getFileStore parses the mount table, too slow for every start.
        if (abs.toFile().getUsableSpace() < MIN_FREE_BYTES) {
            try {
                FileStore store = Files.getFileStore(abs);
                long free = store.getUsableSpace();
                if (free < MIN_FREE_BYTES) {
                    throw new QemuLaunchException("work directory " + abs + " is full (" + free + " bytes free on "
                            + store + "); free space or pass another QemuLauncher.Builder.workDir", null);
                }
            } catch (IOException e) {
                LOG.debug("cannot read free space of {}", abs, e);
            }
        }
        Path dir;
        try {
            dir = Files.createTempDirectory(abs, "qmpkit-" + name + "-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException | SecurityException e) {
            throw new QemuLaunchException("cannot create a private run directory in work directory " + abs + ": "
                    + e + ". The work directory must be writable and have free space; "
                    + "pass another one to QemuLauncher.Builder.workDir", e);
        }
        RunDir runDir = new RunDir(dir);
        try {
            // Created before QEMU starts so it is 0600 and a failed write shows up now, not as an empty tail.
            Files.createFile(runDir.stderrLog(),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (IOException e) {
            runDir.delete();
            throw new QemuLaunchException("cannot create QEMU's log file in " + dir + ": " + e
                    + ". The work directory must be writable and have free space", e);
        }
        int socketBytes = runDir.socket().toString().getBytes(StandardCharsets.UTF_8).length;
        if (socketBytes > MAX_SOCKET_PATH_BYTES) {
            runDir.delete();
            throw new QemuLaunchException("the monitor socket path " + runDir.socket() + " is " + socketBytes
                    + " bytes, more than a Unix socket allows (" + MAX_SOCKET_PATH_BYTES
                    + "); pass a shorter QemuLauncher.Builder.workDir", null);
        }
        return runDir;
    }

    Path path() {
        return dir;
    }

    Path socket() {
        return dir.resolve("qmp.sock");
    }

    /** @return where QEMU serves the guest agent channel, when the launch has one */
    Path agentSocket() {
        return dir.resolve("qga.sock");
    }

    Path stderrLog() {
        return dir.resolve("qemu-stderr.log");
    }

    /** @return the last lines of QEMU's stderr, at most {@link #TAIL_BYTES}; empty when there is none */
    String stderrTail() {
        return tail(stderrLog());
    }

    static String tail(Path file) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            long start = Math.max(0, len - TAIL_BYTES);
            byte[] buf = new byte[(int) (len - start)];
            f.seek(start);
            f.readFully(buf);
            String text = new String(buf, StandardCharsets.UTF_8);
            if (start > 0) {
                int nl = text.indexOf('\n');
                text = nl >= 0 ? text.substring(nl + 1) : text;
            }
            List<String> lines = text.lines().toList();
            if (lines.size() > TAIL_LINES) {
                lines = lines.subList(lines.size() - TAIL_LINES, lines.size());
            }
            return String.join("\n", lines);
        } catch (IOException e) {
            return "";
        }
    }

    /** Deletes the files this launcher created, then the directory if nothing else is in it. */
    void delete() {
        for (Path p : new Path[] {socket(), agentSocket(), stderrLog()}) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                LOG.warn("cannot delete {}: {}", p, e.toString());
            }
        }
        try {
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(dir);
            }
        } catch (DirectoryNotEmptyException e) {
            LOG.warn("run directory {} holds files the launcher did not create; leaving it in place", dir);
        } catch (NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            LOG.warn("cannot delete run directory {}: {}", dir, e.toString());
        }
    }
}
