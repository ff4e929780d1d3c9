package dev.qmpkit.qmp.launch;

import dev.qmpkit.qmp.QmpClient;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A QEMU child process started by {@link QemuLauncher}, with its connected monitor.
 * {@link #close()} stops it (QMP {@code quit}, then SIGTERM, then SIGKILL, by PID) and deletes
 * its private run directory. A JVM shutdown hook stops processes still running at exit.
 *
 * <p>SKELETON: signatures fixed, bodies to be implemented.
 */
public final class QemuProcess implements AutoCloseable {

    /** @return the QEMU process id */
    public long pid() {
        throw new UnsupportedOperationException("TODO");
    }

    /** @return the negotiated monitor client; never null */
    public QmpClient qmp() {
        throw new UnsupportedOperationException("TODO");
    }

    /** @return the binary that runs; never null */
    public QemuBinary binary() {
        throw new UnsupportedOperationException("TODO");
    }

    /** @return the full command line QEMU was started with; never null */
    public List<String> commandLine() {
        throw new UnsupportedOperationException("TODO");
    }

    /** @return the private run directory (mode 0700) holding the monitor socket and stderr log; never null */
    public Path runDir() {
        throw new UnsupportedOperationException("TODO");
    }

    /** @return whether the process is still running */
    public boolean isAlive() {
        throw new UnsupportedOperationException("TODO");
    }

    /** @return a future completed with the exit code when the process ends */
    public CompletableFuture<Integer> onExit() {
        throw new UnsupportedOperationException("TODO");
    }

    /** @return the last lines QEMU wrote to stderr (bounded); never null */
    public String stderrTail() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Sends SIGKILL now (fault injection, emergencies). Does not wait. */
    public void kill() {
        throw new UnsupportedOperationException("TODO");
    }

    /** Stops QEMU ('quit', then SIGTERM, then SIGKILL) and deletes the run directory. Idempotent. */
    @Override
    public void close() {
        throw new UnsupportedOperationException("TODO");
    }
}
