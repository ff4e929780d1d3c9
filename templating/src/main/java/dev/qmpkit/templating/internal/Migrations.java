package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.EventSubscription;
import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpEvent;
import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.QmpTimeoutException;
import dev.qmpkit.qmp.command.MigrationInfo;
import dev.qmpkit.qmp.command.MigrationStatus;
import dev.qmpkit.templating.ProgressListener;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one migration command ({@code migrate} or {@code migrate-incoming}) and waits for its end.
 * The wait for the terminal MIGRATION event is registered before the command is sent, so a
 * migration that completes at once is not missed; {@code query-migrate} is polled meanwhile for
 * progress, and as a fallback should the event be lost.
 */
public final class Migrations {

    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);
    private static final long POLL_MILLIS = 1000;

    private Migrations() {
    }

    /**
     * @param client the VM's monitor
     * @param command {@code migrate} or {@code migrate-incoming}
     * @param arguments the command's arguments
     * @param timeout how long the whole migration may take
     * @param vmName for progress reports
     * @param listener receives status changes and progress
     * @throws QmpException when QEMU reports the migration failed or cancelled (a
     *         MigrationFailedException, with QEMU's error-desc)
     * @throws QmpException when the command fails, QEMU goes away or the time runs out
     */
    public static void run(QmpClient client, String command, Object arguments, Duration timeout, String vmName,
                           ProgressListener listener) {
        CompletableFuture<QmpEvent> terminal = client.awaitEvent("MIGRATION",
                e -> isFinal(e.data().path("status").asText()), timeout);
        EventSubscription progress = client.subscribe("MIGRATION", null,
                e -> report(listener, vmName, e.data().path("status").asText(), -1));
        try {
            Futures.await(client.execute(command, arguments));
            long deadline = System.nanoTime() + timeout.toNanos();
            String status = null;
            long lastBytes = -1;
            while (true) {
                try {
                    status = terminal.get(POLL_MILLIS, TimeUnit.MILLISECONDS).data().path("status").asText();
                    break;
                } catch (TimeoutException poll) {
                    MigrationInfo info = Futures.await(client.commands().queryMigrate());
                    String s = info.status().qapiName();
                    long bytes = info.ram() == null ? -1 : info.ram().transferred();
                    if (bytes != lastBytes && bytes >= 0) {
                        lastBytes = bytes;
                        report(listener, vmName, s, bytes);
                    }
                    if (info.status().isFinal()) {
                        LOG.debug("{}: migration {} seen by polling before its event", vmName, s);
                        status = s;
                        break;
                    }
                    if (System.nanoTime() > deadline) {
                        throw new QmpTimeoutException(command + " did not complete within " + timeout.toMillis()
                                + " ms (migration status '" + s + "')", timeout);
                    }
                } catch (ExecutionException e) {
                    throw Futures.unwrap(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new QmpException("interrupted while waiting for " + command, e);
                }
            }
            if (!"completed".equals(status)) {
                String desc = "";
                try {
                    String d = Futures.await(client.commands().queryMigrate()).errorDesc();
                    desc = d == null ? "" : d;
                } catch (QmpException ignored) {
                    // QEMU may exit after a failed incoming migration; the caller adds its stderr.
                }
                throw new MigrationFailedException(command + " ended with status '" + status + "'"
                        + (desc.isEmpty() ? "" : ": " + desc));
            }
        } finally {
            terminal.cancel(false);
            progress.close();
        }
    }

    private static boolean isFinal(String status) {
        return MigrationStatus.fromQapi(status).isFinal();
    }

    private static void report(ProgressListener l, String vm, String status, long bytes) {
        try {
            l.migrationProgress(vm, status, bytes);
        } catch (RuntimeException e) {
            LOG.warn("progress listener failed: {}", e.toString());
        }
    }
}
