package dev.qmpkit.qmp.launch;

import dev.qmpkit.qmp.CommandOptions;
import dev.qmpkit.qmp.QemuVersion;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The launcher's {@link QemuProcess}: a child process of this JVM. What its start acquired
 * (run directory, listener, registration for the shutdown hook) is released by the
 * start's {@link CleanupStack}, which {@link #close()} runs once QEMU is gone.
 */
final class ChildQemuProcess implements QemuProcess {

    private static final Logger LOG = LoggerFactory.getLogger(ChildQemuProcess.class);
    private static final Duration TERM_GRACE = SIGNAL_GRACE.dividedBy(2);
    private static final Duration KILL_WAIT = SIGNAL_GRACE.minus(TERM_GRACE);

    private final String name;
    private final QemuBinary binary;
    private final QemuVersion version;
    private final List<String> commandLine;
    private final RunDir runDir;
    private final Process process;
    private final OrphanWatchdog watchdog;
    private final QmpClient client;
    private final GuestAgentClient agent;
    private final Duration stopTimeout;
    private final List<Path> extraMonitors;
    private final CleanupStack cleanups;
    private final CompletableFuture<Integer> exit;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    ChildQemuProcess(QemuLauncher launcher, QemuVersion version, List<String> commandLine, RunDir runDir,
                     Process process, OrphanWatchdog watchdog, QmpClient client, GuestAgentClient agent,
                     CleanupStack cleanups) {
        this.name = launcher.name();
        this.binary = launcher.binary();
        this.version = version;
        this.commandLine = List.copyOf(commandLine);
        this.runDir = runDir;
        this.process = process;
        this.watchdog = watchdog;
        this.client = Objects.requireNonNull(client, "client");
        this.agent = agent;
        this.stopTimeout = launcher.stopTimeout();
        this.extraMonitors = launcher.extraMonitors();
        this.cleanups = cleanups;
        this.exit = process.onExit().thenApply(Process::exitValue);
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public QmpClient qmp() {
        return client;
    }

    @Override
    public Optional<GuestAgentClient> guestAgent() {
        return Optional.ofNullable(agent);
    }

    @Override
    public QemuBinary binary() {
        return binary;
    }

    @Override
    public QemuVersion version() {
        return version;
    }

    @Override
    public List<String> commandLine() {
        return commandLine;
    }

    @Override
    public Path runDir() {
        return runDir.path();
    }

    @Override
    public List<Path> extraMonitors() {
        return extraMonitors;
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public CompletableFuture<Integer> onExit() {
        return exit.copy();
    }

    @Override
    public String stderrTail() {
        return runDir.stderrTail();
    }

    @Override
    public void kill() {
        LOG.debug("SIGKILL to QEMU {} (pid {})", name, process.pid());
        process.destroyForcibly();
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            closed.join();
            return;
        }
        try {
            stop();
        } finally {
            if (watchdog != null) {
                // At once, not only from the exit callback, so a closed QEMU is never still listed.
                watchdog.forgetIfGone(process);
            }
            cleanups.run();
            closed.complete(null);
        }
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        return CompletableFuture.runAsync(this::close, QemuLauncher.CALLBACKS);
    }

    /** quit within the stop timeout, then SIGTERM and SIGKILL within {@link #SIGNAL_GRACE}. */
    private void stop() {
        if (!process.isAlive()) {
            return;
        }
        // With the monitor already gone 'quit' cannot go out; waiting for it would only add the stop timeout.
        if (!client.closeFuture().isDone()) {
            long deadline = System.nanoTime() + stopTimeout.toNanos();
            try {
                client.execute("quit", null, CommandOptions.timeout(stopTimeout))
                        .get(stopTimeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                // QEMU often closes the socket while answering 'quit'; only whether it exits matters.
                LOG.debug("'quit' to QEMU {} (pid {}) did not answer cleanly: {}", name, process.pid(), e.toString());
            }
            if (waitExit(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
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

    /** @return whether to stop waiting: QEMU exited, or the caller was interrupted (QEMU then gets SIGKILL) */
    private boolean waitExit(Duration d) {
        try {
            return process.waitFor(d.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.debug("interrupted while stopping QEMU {} (pid {}); sending SIGKILL", name, process.pid());
            process.destroyForcibly();
            return true;
        }
    }

    /** @return whether the JVM's orphan watchdog would kill this QEMU if the JVM died now (for tests) */
    boolean watchedByWatchdog() {
        return watchdog != null && watchdog.watches(process.pid());
    }

    @Override
    public String toString() {
        return "QemuProcess[" + name + ", pid " + process.pid() + ", QEMU " + version + "]";
    }
}
