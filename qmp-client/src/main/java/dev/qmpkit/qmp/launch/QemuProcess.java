package dev.qmpkit.qmp.launch;

import dev.qmpkit.qmp.CommandOptions;
import dev.qmpkit.qmp.QemuVersion;
import dev.qmpkit.qmp.QmpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A QEMU child process started by {@link QemuLauncher}, with its connected monitor.
 * {@link #close()} stops it (QMP {@code quit}, then SIGTERM, then SIGKILL, by PID) and deletes
 * its private run directory and any extra monitor sockets QEMU left behind. A JVM shutdown hook stops processes still running at exit, and a
 * JVM killed with SIGKILL leaves no QEMU behind either (QEMU's {@code exit-with-parent} where
 * supported, otherwise a tiny watchdog process that kills QEMU when the JVM's pipe closes).
 *
 * <p>Thread-safe.
 */
public final class QemuProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QemuProcess.class);
    private static final Duration TERM_GRACE = Duration.ofSeconds(3);
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);

    private final String name;
    private final QemuBinary binary;
    private final QemuVersion version;
    private final List<String> commandLine;
    private final RunDir runDir;
    private final Process process;
    private final Process watchdog;
    private final QmpClient client;
    private final Duration stopTimeout;
    private final CompletableFuture<Integer> exit;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final List<Path> extraMonitors;
    private final LiveProcesses.Child child;

    QemuProcess(String name, QemuBinary binary, QemuVersion version, List<String> commandLine, RunDir runDir,
                Process process, Process watchdog, QmpClient client, Duration stopTimeout,
                List<Path> extraMonitors, LiveProcesses.Child child) {
        this.name = name;
        this.binary = binary;
        this.version = version;
        this.commandLine = List.copyOf(commandLine);
        this.runDir = runDir;
        this.process = process;
        this.watchdog = watchdog;
        this.client = Objects.requireNonNull(client, "client");
        this.stopTimeout = stopTimeout;
        this.exit = process.onExit().thenApply(Process::exitValue);
        this.extraMonitors = List.copyOf(extraMonitors);
        this.child = child;
    }

    /** @return the QEMU process id */
    public long pid() {
        return process.pid();
    }

    /** @return the name given to {@link QemuLauncher.Builder#name}; never null */
    public String name() {
        return name;
    }

    /** @return the negotiated monitor client; never null */
    public QmpClient qmp() {
        return client;
    }

    /** @return the binary that runs; never null */
    public QemuBinary binary() {
        return binary;
    }

    /** @return the version {@code --version} of the binary reported; never null */
    public QemuVersion version() {
        return version;
    }

    /** @return the full command line QEMU was started with; never null, immutable */
    public List<String> commandLine() {
        return commandLine;
    }

    /**
     * @return the private run directory (mode 0700) holding the monitor socket and stderr log;
     *         never null. Deleted by {@link #close()} only if it holds nothing but those files
     */
    public Path runDir() {
        return runDir.path();
    }

    /**
     * @return the absolute socket paths of the monitors added with
     *         {@link QemuLauncher.Builder#extraMonitor(Path)}, in that order; QEMU serves them
     *         until it exits, and {@link #close()} deletes any it left behind; never null,
     *         immutable, empty when none were added
     */
    public List<Path> extraMonitors() {
        return extraMonitors;
    }

    /** @return whether the process is still running */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** @return a future completed with the exit code when the process ends; never null */
    public CompletableFuture<Integer> onExit() {
        return exit.copy();
    }

    /** @return the last lines QEMU wrote to stderr (at most 8 KiB); never null, empty once closed */
    public String stderrTail() {
        return runDir.stderrTail();
    }

    /** Sends SIGKILL now (fault injection, emergencies). Does not wait; {@link #close()} still cleans up. */
    public void kill() {
        LOG.debug("SIGKILL to QEMU {} (pid {})", name, process.pid());
        process.destroyForcibly();
    }

    /**
     * Stops QEMU ('quit', waiting the launcher's stop timeout, then SIGTERM, then SIGKILL),
     * closes the monitor client and deletes the run directory and leftover extra monitor
     * sockets (clients connected to those see their connection close). Idempotent; a concurrent call
     * waits for the first to finish. Blocks: from a future's callback (which may run on the
     * client's I/O thread, where the reply to 'quit' cannot be read) use {@link #closeAsync()}.
     */
    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            closed.join();
            return;
        }
        try {
            stop();
        } finally {
            client.close();
            child.cleanupAfterExit();
            LiveProcesses.remove(child);
            closed.complete(null);
        }
    }

    /** @return {@link #close()} run on a launcher thread; completes when QEMU is stopped and cleaned up */
    public CompletableFuture<Void> closeAsync() {
        return CompletableFuture.runAsync(this::close, QemuLauncher.CALLBACKS);
    }

    private void stop() {
        if (!process.isAlive()) {
            return;
        }
        // With the monitor already gone 'quit' cannot go out; waiting for it would only add the stop timeout.
        boolean monitorOpen = !client.closeFuture().isDone();
        if (monitorOpen) {
            try {
                client.execute("quit", null, CommandOptions.timeout(stopTimeout)).get(stopTimeout.toMillis(),
                        TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                // QEMU often closes the socket while answering 'quit'; only whether it exits matters.
                LOG.debug("'quit' to QEMU {} (pid {}) did not answer cleanly: {}", name, process.pid(), e.toString());
            }
            if (waitExit(stopTimeout)) {
                return;
            }
            LOG.warn("QEMU {} (pid {}) still running {} after 'quit'; sending SIGTERM", name, process.pid(),
                    stopTimeout);
        } else {
            LOG.debug("monitor of QEMU {} (pid {}) is closed; sending SIGTERM", name, process.pid());
        }
        process.destroy();
        if (waitExit(TERM_GRACE)) {
            return;
        }
        LOG.warn("QEMU {} (pid {}) ignored SIGTERM; sending SIGKILL", name, process.pid());
        process.destroyForcibly();
        if (!waitExit(KILL_WAIT)) {
            LOG.error("QEMU {} (pid {}) survived SIGKILL for {}", name, process.pid(), KILL_WAIT);
        }
    }

    private boolean waitExit(Duration d) {
        try {
            return process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return false;
        }
    }

    Process watchdog() {
        return watchdog;
    }

    @Override
    public String toString() {
        return "QemuProcess[" + name + ", pid " + process.pid() + ", QEMU " + version + "]";
    }
}
