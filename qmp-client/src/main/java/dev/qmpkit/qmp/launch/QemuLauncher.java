package dev.qmpkit.qmp.launch;

import dev.qmpkit.qmp.QmpOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Starts QEMU as a child process with a QMP monitor on a Unix socket in a private run
 * directory (mode 0700), waits for the negotiated monitor, and returns a {@link QemuProcess}.
 * Build with {@link #builder(QemuBinary)}; immutable and reusable.
 *
 * <p>SKELETON: signatures fixed, bodies to be implemented.
 */
public final class QemuLauncher {

    /** @param binary the QEMU to run; never null @return a builder */
    public static Builder builder(QemuBinary binary) {
        throw new UnsupportedOperationException("TODO");
    }

    /**
     * Starts QEMU and waits until its monitor is negotiated.
     *
     * @return the running process with a connected client
     * @throws QemuLaunchException when QEMU fails to start or its monitor does not come up in
     *         time; the message carries QEMU's stderr
     */
    public QemuProcess start() {
        throw new UnsupportedOperationException("TODO");
    }

    /** @return {@link #start()} run asynchronously */
    public CompletableFuture<QemuProcess> startAsync() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Builds a {@link QemuLauncher}. */
    public static final class Builder {
        /** @param args QEMU arguments except the monitor ones, which the launcher adds @return this */
        public Builder args(List<String> args) {
            throw new UnsupportedOperationException("TODO");
        }

        /** @param args QEMU arguments @return this */
        public Builder args(String... args) {
            throw new UnsupportedOperationException("TODO");
        }

        /** @param dir parent of the private run directory (default: the system temp dir) @return this */
        public Builder workDir(Path dir) {
            throw new UnsupportedOperationException("TODO");
        }

        /** @param name a short name for logs and the run directory @return this */
        public Builder name(String name) {
            throw new UnsupportedOperationException("TODO");
        }

        /** @param timeout how long QEMU may take to serve its monitor (default 15 s) @return this */
        public Builder startTimeout(Duration timeout) {
            throw new UnsupportedOperationException("TODO");
        }

        /** @param timeout how long close() waits after 'quit' before signalling (default 5 s) @return this */
        public Builder stopTimeout(Duration timeout) {
            throw new UnsupportedOperationException("TODO");
        }

        /** @param options options for the monitor client @return this */
        public Builder qmpOptions(QmpOptions options) {
            throw new UnsupportedOperationException("TODO");
        }

        /** @return the launcher */
        public QemuLauncher build() {
            throw new UnsupportedOperationException("TODO");
        }
    }
}
