package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpClient;
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
     * @param client the VM's monitor
     * @param path the state file (created empty beforehand when writing)
     * @param write true for {@code migrate}, false for {@code migrate-incoming}
     * @param fileUri whether this QEMU takes {@code file:} URIs
     */
    public static StateChannel open(QmpClient client, Path path, boolean write, boolean fileUri) throws IOException {
        String p = path.toAbsolutePath().toString();
        // QEMU splits a file: URI at ",offset=", so such a path must travel another way.
        if (fileUri && !p.contains(",offset=")) {
            return new StateChannel("file:" + p, null);
        }
        RandomAccessFile raf = new RandomAccessFile(path.toFile(), write ? "rw" : "r");
        try {
            FileDescriptor fd = raf.getFD();
            Futures.await(client.executeWithFd(fd, "getfd", Map.of("fdname", FD_NAME)));
            return new StateChannel("fd:" + FD_NAME, raf);
        } catch (UnsupportedOperationException e) {
            raf.close();
            LOG.info("cannot pass the state file's descriptor to QEMU ({}); using exec:cat for {}", e.getMessage(), p);
            return new StateChannel(execUri(path, write), null);
        } catch (RuntimeException e) {
            raf.close();
            throw e;
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
