package dev.qmpkit.qmp.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure a QEMU does not outlive a JVM killed with SIGKILL, on QEMU without
 * {@code -run-with exit-with-parent=on} (before 10.1): a shell that learns QEMU's PID, then
 * blocks reading a pipe only this JVM holds open. When the JVM dies for any reason the kernel
 * closes the pipe and the shell kills QEMU. A JVM that dies before sending the PID makes the
 * shell exit without killing anything.
 */
final class OrphanWatchdog {

    private static final Logger LOG = LoggerFactory.getLogger(OrphanWatchdog.class);

    private final Process shell;

    private OrphanWatchdog(Process shell) {
        this.shell = shell;
    }

    /**
     * Starts the watchdog before QEMU exists, so a JVM killed right after the spawn still takes
     * QEMU with it.
     *
     * @return the watchdog, or null when it cannot start (logged: QEMU would then outlive a killed JVM)
     */
    static OrphanWatchdog start() {
        try {
            // $0 names it in ps, for whoever counts processes.
            return new OrphanWatchdog(new ProcessBuilder("/bin/sh", "-c",
                    "read pid || exit 0; read _ignored; kill -9 \"$pid\" 2>/dev/null", "qmpkit-watchdog")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start());
        } catch (IOException e) {
            LOG.warn("cannot start the orphan watchdog ({}); QEMU will outlive a killed JVM", e.toString());
            return null;
        }
    }

    /** Tells the watchdog which PID to kill, and ends it with QEMU: once QEMU is reaped its PID may be reused. */
    void arm(Process qemu) {
        try {
            shell.getOutputStream().write((qemu.pid() + "\n").getBytes(StandardCharsets.US_ASCII));
            shell.getOutputStream().flush();
        } catch (IOException e) {
            LOG.warn("cannot arm the orphan watchdog for QEMU pid {} ({}); it will outlive a killed JVM",
                    qemu.pid(), e.toString());
        }
        qemu.onExit().thenRun(shell::destroyForcibly);
    }

    /** Ends the watchdog and reaps it, so process counts taken right after a close are exact. Only once QEMU is gone. */
    void stop() {
        shell.destroyForcibly();
        try {
            shell.waitFor(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return the shell process (for tests) */
    Process process() {
        return shell;
    }
}
