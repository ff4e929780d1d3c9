package dev.qmpkit.qmp.launch;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The QEMU children this JVM started and has not stopped yet, so a JVM shutdown hook can stop
 * them: a library must not leave VMs running after the application exits normally. (A
 * SIGKILLed JVM runs no hook; the JVM's orphan watchdog or {@code exit-with-parent} covers that.)
 */
final class LiveProcesses {

    private static final Logger LOG = LoggerFactory.getLogger(LiveProcesses.class);
    private static final long TERM_GRACE_MILLIS = 2000;

    /** One started QEMU: its process, and what to clean once it is dead. */
    interface Child {
        Process process();

        /** Kills helpers and deletes files; must not block for long. */
        void cleanupAfterExit();
    }

    private static final Set<Child> LIVE = ConcurrentHashMap.newKeySet();
    private static volatile boolean hookInstalled;

    private LiveProcesses() {
    }

    static void add(Child child) {
        installHook();
        LIVE.add(child);
    }

    static void remove(Child child) {
        LIVE.remove(child);
    }

    static int count() {
        return LIVE.size();
    }

    private static void installHook() {
        if (hookInstalled) {
            return;
        }
        synchronized (LiveProcesses.class) {
            if (!hookInstalled) {
                Runtime.getRuntime().addShutdownHook(new Thread(LiveProcesses::stopAll, "qmpkit-qemu-reaper"));
                hookInstalled = true;
            }
        }
    }

    private static void stopAll() {
        List<Child> children = new ArrayList<>(LIVE);
        if (children.isEmpty()) {
            return;
        }
        LOG.info("JVM exiting: stopping {} QEMU process(es) still running", children.size());
        // SIGTERM lets QEMU exit cleanly (flush files); SIGKILL whatever has not gone after a short grace.
        children.forEach(c -> c.process().destroy());
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TERM_GRACE_MILLIS);
        for (Child c : children) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !c.process().waitFor(left, TimeUnit.NANOSECONDS)) {
                    c.process().destroyForcibly();
                    c.process().waitFor(1, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                c.process().destroyForcibly();
            }
            try {
                c.cleanupAfterExit();
            } catch (RuntimeException e) {
                LOG.debug("cleanup at exit failed", e);
            }
        }
    }
}
