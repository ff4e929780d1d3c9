package dev.qmpkit.qmp.launch;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure no QEMU outlives a JVM killed with SIGKILL, where QEMU cannot see to it itself
 * (no {@code -run-with exit-with-parent=on} before 10.1, and a parent-death signal does not
 * survive QEMU's change of uid): one shell for the whole JVM, started on first use, that keeps
 * the PIDs of the live QEMUs it is given ({@code + PID} and {@code - PID} lines) and blocks
 * reading a pipe only this JVM holds open. When the JVM dies for any reason the kernel closes
 * the pipe, and the shell, having read every line the JVM wrote, kills the QEMUs still listed.
 * One shell instead of one per QEMU: spawning a shell for each clone cost about as much CPU as
 * the clone's own monitor traffic. A PID is taken off the list once its QEMU has exited and
 * been reaped, so it is never killed after the PID may have been reused.
 */
final class OrphanWatchdog {

    private static final Logger LOG = LoggerFactory.getLogger(OrphanWatchdog.class);
    /** Pure shell built-ins (no process per line): a list of PIDs, then one kill when stdin ends. */
    private static final String SCRIPT = "pids=' '; while read op pid; do case $op in "
            + "+) pids=\"$pids$pid \";; "
            + "-) rest=' '; for p in $pids; do [ \"$p\" = \"$pid\" ] || rest=\"$rest$p \"; done; pids=$rest;; "
            + "esac; done; [ -n \"${pids# }\" ] && { echo \"killing$pids\"; kill -9 $pids 2>/dev/null; }; exit 0";

    private static OrphanWatchdog shared;

    private final Process shell;
    private final OutputStream pipe;
    private final Set<Long> watched = ConcurrentHashMap.newKeySet();

    private OrphanWatchdog(Process shell) {
        this.shell = shell;
        this.pipe = shell.getOutputStream();
    }

    /**
     * @return the JVM's watchdog, started (or, should it have died, restarted with every PID
     *         the old one watched) on first use; null when no shell can be started (logged:
     *         QEMU would then outlive a killed JVM)
     */
    static synchronized OrphanWatchdog shared() {
        if (shared == null || !shared.shell.isAlive()) {
            OrphanWatchdog old = shared;
            shared = start(ProcessBuilder.Redirect.DISCARD);
            if (shared != null && old != null) {
                LOG.warn("the orphan watchdog (pid {}) ended; watching {} QEMU(s) with a new one (pid {})",
                        old.shell.pid(), old.watched.size(), shared.shell.pid());
                old.watched.forEach(shared::add);
            }
        }
        return shared;
    }

    /**
     * @param output where the shell says which PIDs it kills ({@code killing PID...})
     * @return a new watchdog of its own (for tests; the launcher uses {@link #shared()}), or null
     */
    static OrphanWatchdog start(ProcessBuilder.Redirect output) {
        try {
            // $0 names it in ps, for whoever counts processes.
            return new OrphanWatchdog(new ProcessBuilder("/bin/sh", "-c", SCRIPT, "qmpkit-watchdog")
                    .redirectOutput(output)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start());
        } catch (IOException e) {
            LOG.warn("cannot start the orphan watchdog ({}); QEMU will outlive a killed JVM", e.toString());
            return null;
        }
    }

    /**
     * Adds a QEMU to the list, and takes it off once it has exited and been reaped.
     *
     * @param qemu a QEMU child of this JVM, just spawned
     */
    void watch(Process qemu) {
        add(qemu.pid());
        qemu.onExit().thenRun(() -> forget(qemu.pid()));
    }

    /**
     * Takes a QEMU off the list now if it has exited and been reaped, so a caller that waited
     * for it (a process's close) need not wait for the exit callback of {@link #watch}.
     *
     * @param qemu a QEMU given to {@link #watch}
     */
    void forgetIfGone(Process qemu) {
        if (!qemu.isAlive()) {
            forget(qemu.pid());
        }
    }

    private synchronized void add(long pid) {
        if (send("+ " + pid)) {
            watched.add(pid);
        }
    }

    private synchronized void forget(long pid) {
        // Off the Java list only once the shell has been told, so watches() never claims more than it knows.
        if (watched.contains(pid)) {
            send("- " + pid);
            watched.remove(pid);
        }
    }

    private boolean send(String line) {
        try {
            pipe.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            pipe.flush();
            return true;
        } catch (IOException e) {
            LOG.warn("cannot tell the orphan watchdog (pid {}) '{}' ({}); a QEMU may outlive a killed JVM",
                    shell.pid(), line, e.toString());
            return false;
        }
    }

    /**
     * @param pid a process id
     * @return whether the watchdog would kill it if the JVM died now
     */
    boolean watches(long pid) {
        return watched.contains(pid);
    }

    /** @return the shell process (for tests) */
    Process process() {
        return shell;
    }
}
