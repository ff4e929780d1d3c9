package dev.qmpkit.samples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qmpkit.qmp.ConnectionListener;
import dev.qmpkit.qmp.EventSubscription;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpEvent;
import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.QmpOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Watch events: print every event a VM emits, one JSON object per line, until interrupted
 * (Ctrl-C) or until QEMU closes the connection.
 *
 * <pre>
 *   ./qmpkit events --socket /tmp/qmp.sock
 *   {"timestamp":"2026-11-25T23:10:02.123456Z","event":"STOP","data":{}}
 * </pre>
 */
public final class WatchEvents {
    private static final ObjectMapper JSON = new ObjectMapper();

    private WatchEvents() {
    }

    /** @param args the QMP socket path */
    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: WatchEvents SOCKET");
            System.exit(2);
        }
        run(Path.of(args[0]), 0, null, System.out, System.err);
    }

    /**
     * Streams events.
     *
     * @param socket the QMP socket of a running QEMU; never null
     * @param maxEvents stop after this many events; 0 for no limit
     * @param maxTime stop after this long; null for no limit
     * @param out receives one JSON line per event; never null
     * @param err receives the line that says why the stream ended; never null
     * @return how many events were printed
     */
    public static long run(Path socket, long maxEvents, Duration maxTime, PrintStream out, PrintStream err) {
        // Listeners run in order on the client's event thread, so a disconnect reported to a
        // ConnectionListener comes after every event that arrived before it has been printed.
        CompletableFuture<QmpException> disconnected = new CompletableFuture<>();
        QmpOptions options = QmpOptions.builder().connectionListener(new ConnectionListener() {
            @Override
            public void onDisconnected(QmpClient client, QmpException cause, boolean willReconnect) {
                disconnected.complete(cause);
            }
        }).build();
        try (QmpClient qmp = QmpClient.connectBlocking(QmpEndpoint.unix(socket), options)) {
            AtomicLong count = new AtomicLong();
            CompletableFuture<Void> enough = new CompletableFuture<>();
            // The listener is called on the client's event thread, one event at a time, in order.
            try (EventSubscription sub = qmp.subscribe(null, null, e -> {
                out.println(toJsonLine(e));
                out.flush();
                if (count.incrementAndGet() == maxEvents) {
                    enough.complete(null);
                }
            })) {
                err.println("watching events of QEMU " + qmp.qemuVersion() + " at " + socket + " (Ctrl-C to stop)");
                CompletableFuture<Object> end = CompletableFuture.anyOf(enough, disconnected);
                try {
                    Object reason = maxTime == null ? end.get() : end.get(maxTime.toMillis(), TimeUnit.MILLISECONDS);
                    if (reason instanceof QmpException closed) {
                        err.println("connection closed: " + closed.getMessage());
                    }
                } catch (TimeoutException e) {
                    // the time limit is a normal end
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e);
                }
                if (sub.droppedEvents() > 0) {
                    err.println(sub.droppedEvents() + " events were dropped because printing fell behind");
                }
            }
            return count.get();
        }
    }

    static String toJsonLine(QmpEvent e) {
        ObjectNode line = JSON.createObjectNode();
        line.put("timestamp", e.timestamp().toString());
        line.put("event", e.name());
        line.set("data", e.data());
        return line.toString();
    }
}
