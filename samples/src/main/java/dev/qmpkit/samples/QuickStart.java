package dev.qmpkit.samples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.EventSubscription;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Quick start: talk to a QEMU that is already running.
 *
 * <p>Start any QEMU with a QMP socket, for example
 * <pre>
 *   qemu-system-x86_64 -M none -accel tcg -display none -qmp unix:/tmp/qmp.sock,server=on,wait=off
 * </pre>
 * then run {@code ./qmpkit quickstart --socket /tmp/qmp.sock} (or this class's {@code main}).
 * It prints QEMU's version and run state, runs one command, and prints the events that
 * arrive for a few seconds (pause and resume the VM from another monitor to see some).
 */
public final class QuickStart {
    private QuickStart() {
    }

    /** @param args the QMP socket path, then optionally how many seconds to watch events */
    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: QuickStart SOCKET [SECONDS]");
            System.exit(2);
        }
        run(Path.of(args[0]), Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 5), System.out);
    }

    /**
     * @param socket the QMP socket of a running QEMU; never null
     * @param watchFor how long to print events; never null
     * @param out where to print; never null
     */
    public static void run(Path socket, Duration watchFor, PrintStream out) {
        // connectBlocking reads the greeting and negotiates capabilities before returning;
        // try-with-resources closes the connection (it does not stop QEMU).
        try (QmpClient qmp = QmpClient.connectBlocking(QmpEndpoint.unix(socket), QmpOptions.defaults())) {
            out.println("connected to QEMU " + qmp.qemuVersion() + " (" + qmp.greeting().packageName().trim()
                    + "), oob " + (qmp.oobEnabled() ? "enabled" : "not offered"));

            // Every command returns a CompletableFuture; blocking() is a thin waiting view over it.
            JsonNode status = qmp.blocking().execute("query-status");
            out.println("status: " + status.path("status").asText() + " (running=" + status.path("running") + ")");

            // Any command by name, with arguments as a Map, record or JsonNode (or none).
            JsonNode commands = qmp.blocking().execute("query-commands");
            out.println("this QEMU offers " + commands.size() + " QMP commands");

            // Subscribe to every event (null name, no filter); listeners run off the I/O thread.
            out.println("events for the next " + watchFor.toSeconds() + " s:");
            EventSubscription sub = qmp.subscribe(null, null,
                    e -> out.println("  " + e.timestamp() + " " + e.name() + " " + e.data()));
            sleep(watchFor);
            sub.close();
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
