package dev.qmpkit.qmp.launch;

import dev.qmpkit.qmp.QemuVersion;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A running QEMU with its connected monitor, as {@link QemuLauncher#start()} returns it.
 * {@link #close()} stops it (QMP {@code quit}, then SIGTERM, then SIGKILL, by PID) and deletes
 * its private run directory and any extra monitor sockets QEMU left behind. A JVM shutdown
 * hook stops processes still running at exit, and a JVM killed with SIGKILL leaves no QEMU
 * behind either (QEMU's {@code exit-with-parent} where supported, otherwise a tiny watchdog
 * process, one per JVM, that kills the QEMUs still running when the JVM's pipe closes).
 *
 * <p>An interface so that code which takes QEMU processes from a {@link QemuStarter} can be
 * tested against a stand-in that answers like QEMU without running it; the launcher's own
 * implementation is not public. Implementations are thread-safe.
 */
public interface QemuProcess extends AutoCloseable {

    /**
     * How long {@link #close()} may wait, after the launcher's stop timeout, for SIGTERM and
     * then SIGKILL to take effect (at most half of it each).
     */
    Duration SIGNAL_GRACE = Duration.ofSeconds(4);

    /** @return the QEMU process id */
    long pid();

    /** @return the name given to {@link QemuLauncher.Builder#name}; never null */
    String name();

    /** @return the negotiated monitor client; never null */
    QmpClient qmp();

    /**
     * @return the client of the guest agent channel the launch added
     *         ({@link QemuLauncher.Builder#guestAgent(dev.qmpkit.qmp.agent.AgentOptions)}), closed by
     *         {@link #close()}; empty when the launch has none (the default for stand-ins); never null
     */
    default Optional<GuestAgentClient> guestAgent() {
        return Optional.empty();
    }

    /** @return the binary that runs; never null */
    QemuBinary binary();

    /** @return the version {@code --version} of the binary reported; never null */
    QemuVersion version();

    /** @return the full command line QEMU was started with; never null, immutable */
    List<String> commandLine();

    /**
     * @return the private run directory (mode 0700) holding the monitor socket and stderr log;
     *         never null. Deleted by {@link #close()} only if it holds nothing but those files
     */
    Path runDir();

    /**
     * @return the absolute socket paths of the monitors added with
     *         {@link QemuLauncher.Builder#extraMonitor(Path)}, in that order; QEMU serves them
     *         until it exits, and {@link #close()} deletes any it left behind; never null,
     *         immutable, empty when none were added
     */
    List<Path> extraMonitors();

    /** @return whether the process is still running */
    boolean isAlive();

    /** @return a future completed with the exit code when the process ends; never null */
    CompletableFuture<Integer> onExit();

    /** @return the last lines QEMU wrote to stderr (at most 8 KiB); never null, empty once closed */
    String stderrTail();

    /** Sends SIGKILL now (fault injection, emergencies). Does not wait; {@link #close()} still cleans up. */
    void kill();

    /**
     * Stops QEMU and releases what its start acquired: sends {@code quit} and waits up to the
     * launcher's stop timeout (reply and exit together) for QEMU to exit, then sends SIGTERM,
     * then SIGKILL; closes the monitor client and deletes the run directory and leftover extra
     * monitor sockets (clients connected to those see their connection close). Returns within
     * the stop timeout plus {@link #SIGNAL_GRACE}, even for a QEMU frozen with SIGSTOP; a QEMU
     * that survives even SIGKILL (stuck in the kernel) is logged at ERROR and left. When the
     * monitor is already closed no {@code quit} is sent. Interrupting the calling thread sends
     * SIGKILL at once and keeps the interrupt.
     *
     * <p>Idempotent; a concurrent call waits for the first to finish. Blocks: from a future's
     * callback (which may run on the client's I/O thread, where the reply to {@code quit}
     * cannot be read) use {@link #closeAsync()}.
     */
    @Override
    void close();

    /** @return {@link #close()} run on a launcher thread; completes when QEMU is stopped and cleaned up; never null */
    CompletableFuture<Void> closeAsync();
}
