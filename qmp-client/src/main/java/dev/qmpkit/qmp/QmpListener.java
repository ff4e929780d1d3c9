package dev.qmpkit.qmp;

import dev.qmpkit.qmp.internal.DefaultQmpListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Listen mode: this side binds a Unix socket and QEMU connects to it
 * ({@code -chardev socket,id=mon0,path=PATH -mon chardev=mon0,mode=control}, without
 * {@code server=on}). Useful for a launcher, which then never polls for a socket file.
 * The socket is created with mode 0600 inside a directory the caller should keep private.
 * An accepted client does not reconnect ({@link QmpOptions#reconnectPolicy()} is ignored):
 * QEMU is the side that connects, so a lost connection closes it for good.
 */
public interface QmpListener extends AutoCloseable {

    /**
     * Binds the socket. Fails if {@code path} already exists (it is never deleted or reused).
     *
     * @param path where to bind; its parent must exist; never null
     * @param options options for accepted clients; never null
     * @return the bound listener
     * @throws QmpConnectionException when the socket cannot be bound
     */
    static QmpListener bind(Path path, QmpOptions options) {
        return DefaultQmpListener.bind(path, options);
    }

    /** @return the bound socket path; never null */
    Path path();

    /**
     * Waits for the next QEMU to connect, then reads its greeting and negotiates.
     *
     * @param timeout how long to wait for the connection and the negotiation; never null
     * @return the ready client, or a failure from the {@link QmpException} family
     */
    CompletableFuture<QmpClient> accept(Duration timeout);

    /** Stops listening and removes the socket file. Accepted clients stay open. Idempotent. */
    @Override
    void close();
}
