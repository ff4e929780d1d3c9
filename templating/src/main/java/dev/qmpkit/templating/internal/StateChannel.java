package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.templating.TemplatingException;
import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses how QEMU reads or writes the device-state file, without a shell where possible:
 * a {@code file:} URI (QEMU 8.2+), else a file descriptor passed over the monitor socket
 * ({@code getfd}, then {@code fd:NAME}), else, only when the client cannot pass descriptors
 * (a transport without them, or a JVM without {@code --add-opens java.base/java.io}),
 * {@code exec:cat} with the path quoted for {@code /bin/sh}.
 *
 * <p>A QEMU that dropped to another user (or into a chroot) gets the descriptor first: the JVM
 * opens the file, so that user needs no access to the template directory at all. Only when no
 * descriptor can be passed does it open the file by name ({@code file:}), after
 * {@link Ownership} opened the way for exactly that file; {@code exec:} is never used where the
 * sandbox forbids QEMU to spawn.
 */
public final class StateChannel implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(StateChannel.class);
    private static final String FD_NAME = "qmpkit-state";

    private final String uri;
    private final RandomAccessFile file;

    private StateChannel(String uri, RandomAccessFile file) {
        this.uri = uri;
        this.file = file;
    }

    /** @return the migration URI to pass to {@code migrate} or {@code migrate-incoming} */
    public String uri() {
        return uri;
    }

    /**
     * Opens the channel for a QEMU that runs as the JVM's user, unconfined.
     *
     * @param client the VM's monitor
     * @param path the state file (created empty beforehand when writing)
     * @param write true for {@code migrate}, false for {@code migrate-incoming}
     * @param fileUri whether this QEMU takes {@code file:} URIs
     */
    public static StateChannel open(QmpClient client, Path path, boolean write, boolean fileUri) throws IOException {
        return open(client, path, write, fileUri, QemuAccess.JVM_USER);
    }

    /**
     * @param client the VM's monitor
     * @param path the state file (created empty beforehand when writing)
     * @param write true for {@code migrate}, false for {@code migrate-incoming}
     * @param fileUri whether this QEMU takes {@code file:} URIs
     * @param access what that QEMU can reach by name
     * @throws TemplatingException when none of the ways is open to this QEMU, with the fix
     */
    public static StateChannel open(QmpClient client, Path path, boolean write, boolean fileUri, QemuAccess access)
            throws IOException {
        String p = path.toAbsolutePath().toString();
        // QEMU splits a file: URI at ",offset=", so such a path must travel another way.
        boolean fileOk = fileUri && !p.contains(",offset=") && !access.chroot();
        if (fileOk && access.sameAsJvm()) {
            return new StateChannel("file:" + p, null);
        }
        RandomAccessFile raf = new RandomAccessFile(path.toFile(), write ? "rw" : "r");
        try {
            FileDescriptor fd = raf.getFD();
            Futures.await(client.executeWithFd(fd, "getfd", Map.of("fdname", FD_NAME)));
            return new StateChannel("fd:" + FD_NAME, raf);
        } catch (UnsupportedOperationException e) {
            raf.close();
            if (fileOk) {
                // The QEMU user opens the file itself: give it that one file, nothing else.
                grant(path, write, access);
                LOG.info("cannot pass the state file's descriptor to QEMU ({}); QEMU (uid {}) opens {} by name",
                        e.getMessage(), access.user().uid(), p);
                return new StateChannel("file:" + p, null);
            }
            if (!access.spawnAllowed() || access.chroot()) {
                throw new TemplatingException("cannot hand the state file " + p + " to QEMU: the monitor cannot pass "
                        + "a descriptor (" + e.getMessage() + "), this QEMU has no file: migration URI"
                        + (access.chroot() ? " usable inside its chroot" : "") + ", and its seccomp sandbox forbids "
                        + "the exec:cat fallback (spawn=deny). Fix: run the JVM with --add-opens "
                        + "java.base/java.io=ALL-UNNAMED (descriptor passing), or allow spawning with "
                        + "Templating.Builder.confinement(Confinement.builder().allowSpawn(true).build())", e);
            }
            LOG.info("cannot pass the state file's descriptor to QEMU ({}); using exec:cat for {}", e.getMessage(), p);
            return new StateChannel(execUri(path, write), null);
        } catch (RuntimeException e) {
            raf.close();
            throw e;
        }
    }

    private static void grant(Path path, boolean write, QemuAccess access) {
        try {
            if (write) {
                Ownership.grantStateWrite(path, access.user());
            } else {
                Ownership.grantStateRead(path, access.user());
            }
        } catch (IOException e) {
            throw new TemplatingException("QEMU runs as uid " + access.user().uid() + " and, without descriptor "
                    + "passing, must open " + path + " by name, but it cannot be given access: " + e.getMessage()
                    + ". Fix: run the JVM with --add-opens java.base/java.io=ALL-UNNAMED (the state file then "
                    + "travels as a descriptor), or keep templates in a directory that uid can reach", e);
        }
    }

    /**
     * @param path the state file
     * @param write whether QEMU writes it ({@code migrate}) or reads it ({@code migrate-incoming})
     * @return an {@code exec:} URI running {@code cat} on the path, quoted for {@code /bin/sh}
     */
    public static String execUri(Path path, boolean write) {
        String quoted = ShellQuote.quote(path.toAbsolutePath().toString());
        return write ? "exec:cat > " + quoted : "exec:cat " + quoted;
    }

    /** Closes this side's descriptor (QEMU keeps and closes its own copy). */
    @Override
    public void close() throws IOException {
        if (file != null) {
            file.close();
        }
    }
}
