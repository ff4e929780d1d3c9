package dev.qmpkit.qmp.launch;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpListener;
import dev.qmpkit.qmp.agent.AgentOptions;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One start of QEMU: acquires the run directory, the monitor listener and the process, pushing
 * the release of each onto a {@link CleanupStack}, and hands the process to the JVM's orphan
 * watchdog (which forgets it when it exits); then waits for QEMU to connect. A failure at any
 * point runs the stack (after QEMU is gone, with its stderr read first). On success the stack
 * goes to the {@link ChildQemuProcess}, whose close runs it.
 */
final class LaunchAttempt implements LiveProcesses.Child {

    private static final Logger LOG = LoggerFactory.getLogger(LaunchAttempt.class);
    /** How long a failed start waits for QEMU to exit by itself, to report its exit and stderr. */
    private static final long EXIT_GRACE_MILLIS = 1000;

    private final QemuLauncher launcher;
    private final CleanupStack cleanups = new CleanupStack();
    private final CompletableFuture<QemuProcess> result = new CompletableFuture<>();
    private final AtomicBoolean settled = new AtomicBoolean();
    private QemuVersionProbe.QemuBinaryInfo info;
    private RunDir runDir;
    private QmpListener listener;
    private List<String> command;
    private Process process;
    private OrphanWatchdog watchdog;

    LaunchAttempt(QemuLauncher launcher) {
        this.launcher = launcher;
    }

    /** Spawns QEMU (or throws, having released everything); the future completes once its monitor is ready. */
    CompletableFuture<QemuProcess> begin() {
        checkExtraMonitors();
        info = QemuVersionProbe.probe(launcher.binary());
        checkChroot();
        try {
            spawn();
        } catch (RuntimeException e) {
            cleanups.run();
            throw e;
        }
        LOG.debug("started QEMU {} (pid {}): {}", launcher.name(), process.pid(), command);
        process.onExit().thenRunAsync(this::exitedEarly, QemuLauncher.CALLBACKS);
        if (launcher.confinement().seccomp()) {
            process.onExit().thenAccept(this::reportSandboxKill);
        }
        listener.accept(launcher.startTimeout()).whenCompleteAsync(this::accepted, QemuLauncher.CALLBACKS);
        result.whenComplete((p, e) -> {
            if (result.isCancelled()) {
                fail("start of QEMU was cancelled", null);
            }
        });
        return result;
    }

    private void spawn() {
        runDir = RunDir.create(launcher.workDir(), launcher.name());
        cleanups.push("delete run directory " + runDir.path(), runDir::delete);
        // QEMU creates them, so their removal is due whatever happens after the spawn.
        cleanups.push("delete extra monitor sockets", this::deleteExtraMonitorSockets);
        try {
            listener = QmpListener.bind(runDir.socket(), launcher.qmpOptions());
        } catch (RuntimeException e) {
            throw new QemuLaunchException("cannot listen on the monitor socket " + runDir.socket() + ": "
                    + e.getMessage(), e);
        }
        cleanups.push("close the monitor listener", listener::close);
        command = CommandLine.of(launcher, info, runDir.socket(),
                launcher.guestAgent().isPresent() ? runDir.agentSocket() : null);
        ConfinementLog.once(launcher, info);
        // The kernel clears a parent-death signal when the process changes its uid, so a QEMU that
        // drops privileges gets the watchdog even where it has exit-with-parent.
        if (!info.exitWithParent() || CommandLine.effectiveUser(launcher.confinement(), info.confinement()).isPresent()) {
            // Running before QEMU exists, so a JVM killed right after the spawn still takes QEMU with it.
            watchdog = OrphanWatchdog.shared();
        }
        try {
            process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.appendTo(runDir.stderrLog().toFile()))
                    .start();
        } catch (IOException e) {
            throw new QemuLaunchException("cannot run QEMU: " + e.getMessage() + "\ncommand line: "
                    + String.join(" ", command), e);
        }
        LiveProcesses.add(this);
        cleanups.push("forget QEMU pid " + process.pid(), () -> LiveProcesses.remove(this));
        if (watchdog != null) {
            // Forgets the PID by itself once QEMU is reaped: it kills by PID, which may be reused then.
            watchdog.watch(process);
        }
    }

    private void exitedEarly() {
        if (!settled.compareAndSet(false, true)) {
            return;
        }
        String tail = runDir.stderrTail();
        cleanups.run();
        result.completeExceptionally(failure("QEMU exited with code " + exitCode() + " before its monitor was ready",
                null, tail));
    }

    private void accepted(QmpClient client, Throwable error) {
        listener.close();
        if (error == null) {
            // Released with everything else; at once if the start was already given up.
            cleanups.push("close the monitor client", client::close);
            GuestAgentClient agent;
            try {
                agent = openAgent();
            } catch (RuntimeException e) {
                fail("cannot open the guest agent client on " + runDir.agentSocket() + ": " + e.getMessage(), e);
                return;
            }
            if (settled.compareAndSet(false, true)) {
                QemuProcess qemu = new ChildQemuProcess(launcher, info.version(), command, runDir, process, watchdog,
                        client, agent, cleanups);
                LOG.info("QEMU {} {} running (pid {}), monitor ready", launcher.name(), info.version(), process.pid());
                if (!result.complete(qemu)) {
                    qemu.close();
                }
            }
            return;
        }
        // A monitor that failed because QEMU is dying is reported as QEMU's exit, with its stderr.
        process.onExit().thenApply(p -> true)
                .completeOnTimeout(false, EXIT_GRACE_MILLIS, TimeUnit.MILLISECONDS)
                .thenAcceptAsync(exited -> {
                    if (!exited) {
                        fail("QEMU's monitor did not come up within " + launcher.startTimeout() + ": "
                                + Futures.unwrap(error).getMessage(), Futures.unwrap(error));
                    }
                }, QemuLauncher.CALLBACKS);
    }

    /** @return a client of the agent channel (connected by its first call), or null when the launch has none */
    private GuestAgentClient openAgent() {
        AgentOptions options = launcher.guestAgent().orElse(null);
        if (options == null) {
            return null;
        }
        if (options.resources() == null && launcher.qmpOptions().resources() != null) {
            options = options.toBuilder().resources(launcher.qmpOptions().resources()).build();
        }
        GuestAgentClient agent = GuestAgentClient.open(runDir.agentSocket(), options);
        cleanups.push("close the guest agent client", agent::close);
        return agent;
    }

    private void fail(String message, Throwable cause) {
        if (!settled.compareAndSet(false, true)) {
            return;
        }
        process.destroyForcibly();
        process.onExit().whenCompleteAsync((p, e) -> {
            String tail = runDir.stderrTail();
            cleanups.run();
            result.completeExceptionally(failure(message, cause, tail));
        }, QemuLauncher.CALLBACKS);
    }

    private QemuLaunchException failure(String message, Throwable cause, String tail) {
        boolean sandboxKill = !process.isAlive()
                && launcher.confinement().likelyStoppedBySandbox(process.exitValue(), tail);
        return new QemuLaunchException(message + " (QEMU " + info.version() + ", " + launcher.binary().executable()
                + ")" + "\ncommand line: " + String.join(" ", command)
                + "\nQEMU stderr:" + (tail.isBlank() ? " (empty)" : "\n" + tail)
                + (sandboxKill ? "\n" + Confinement.sandboxFix() : ""), cause);
    }

    /** A sandbox death after the start surfaces to the caller only as a lost monitor; say why in the log. */
    private void reportSandboxKill(Process p) {
        if (settled.get() && Confinement.killedBySandbox(p.exitValue()) && result.isDone()
                && !result.isCompletedExceptionally()) {
            LOG.warn("QEMU {} (pid {}) was killed by SIGSYS. {}", launcher.name(), p.pid(), Confinement.sandboxFix());
        }
    }

    private void checkChroot() {
        launcher.confinement().chroot().ifPresent(dir -> {
            if (!Files.isDirectory(dir)) {
                throw new QemuLaunchException("the chroot directory " + dir + " of the launcher's confinement does "
                        + "not exist or is not a directory; create it (an empty directory owned by root will do) or "
                        + "pass Confinement.builder().chroot(null)", null);
            }
        });
    }

    private String exitCode() {
        try {
            return Integer.toString(process.exitValue());
        } catch (IllegalThreadStateException e) {
            return "?";
        }
    }

    @Override
    public Process process() {
        return process;
    }

    @Override
    public void cleanupAfterExit() {
        cleanups.run();
    }

    /**
     * QEMU unlinks whatever is at a server socket's path before it binds, so an existing file
     * there would be silently replaced; and a missing parent fails only inside QEMU.
     */
    private void checkExtraMonitors() {
        for (Path socket : launcher.extraMonitors()) {
            if (!Files.isDirectory(socket.getParent())) {
                throw new QemuLaunchException("the directory of extra monitor socket " + socket
                        + " does not exist or is not a directory; create it (mode 0700) before starting QEMU", null);
            }
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                throw new QemuLaunchException("extra monitor socket " + socket + " already exists (another QEMU "
                        + "serving it, or a leftover); QEMU would replace it. Remove it or choose another path", null);
            }
        }
    }

    /** QEMU may leave its server sockets behind when it is killed; they are its files, not the caller's. */
    private void deleteExtraMonitorSockets() {
        for (Path socket : launcher.extraMonitors()) {
            try {
                // Only a socket: whatever else appeared at the path after QEMU exited is not ours.
                if (Files.readAttributes(socket, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
                    Files.deleteIfExists(socket);
                }
            } catch (NoSuchFileException e) {
                // QEMU removed it itself, or never got to create it
            } catch (IOException e) {
                LOG.warn("cannot delete extra monitor socket {}: {}", socket, e.toString());
            }
        }
    }
}
