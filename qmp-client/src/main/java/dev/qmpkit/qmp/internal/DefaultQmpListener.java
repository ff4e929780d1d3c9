package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpListener;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.QmpTimeoutException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listen mode: binds a Unix socket (mode 0600) and hands out a negotiated client for each
 * QEMU that connects. Each connection's handshake starts as soon as QEMU connects, so the
 * greeting is read while the caller is still on its way to {@link #accept}.
 */
public final class DefaultQmpListener implements QmpListener {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultQmpListener.class);

    private final Path path;
    private final QmpOptions options;
    private final DefaultQmpResources resources;
    private final Channel server;
    // Guarded by "this": whether close() ran, handshakes that finished (or are running) but nobody
    // accepted yet, and accept() calls waiting for a connection. Checking "closed" and queueing
    // happen in one step, so nothing is queued after close() emptied the queues.
    private boolean closed;
    private final ArrayDeque<CompletableFuture<QmpClient>> ready = new ArrayDeque<>();
    private final ArrayDeque<CompletableFuture<QmpClient>> waiting = new ArrayDeque<>();

    private DefaultQmpListener(Path path, QmpOptions options, DefaultQmpResources resources) {
        this.path = path;
        this.options = options;
        this.resources = resources;
        ServerBootstrap b = new ServerBootstrap()
                .group(resources.group())
                .channel(Transports.serverChannel(resources))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        onAccepted(ch);
                    }
                });
        io.netty.channel.ChannelFuture bound = b.bind(Transports.unixAddress(resources, path)).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            // Netty's native errors are checked exceptions: wrap, never rethrow them sneakily.
            throw new QmpConnectionException("cannot listen on " + path + ": " + bound.cause().getMessage()
                    + " (does the parent directory exist and is it writable?)", bound.cause());
        }
        this.server = bound.channel();
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            server.close().syncUninterruptibly();
            deleteQuietly();
            throw new QmpConnectionException("cannot make the QMP socket " + path + " private (0600): " + e, e);
        }
    }

    /**
     * @param path where to bind; never null; must not exist
     * @param options options for accepted clients; never null
     * @return the bound listener
     */
    public static QmpListener bind(Path path, QmpOptions options) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new QmpConnectionException("cannot listen on " + path + ": the path already exists; "
                    + "it is never deleted or reused, choose a fresh path in a private directory");
        }
        return new DefaultQmpListener(path.toAbsolutePath(), options, DefaultQmpResources.of(options.resources()));
    }

    private void onAccepted(Channel ch) {
        DefaultQmpClient.Accepted accepted = DefaultQmpClient.accepted(ch, "unix:" + path + " (accepted)", options,
                resources);
        CompletableFuture<QmpClient> negotiated = accepted.client();
        CompletableFuture<QmpClient> taker;
        synchronized (this) {
            if (closed) {
                taker = null;
            } else {
                taker = waiting.pollFirst();
                if (taker == null) {
                    ready.addLast(negotiated);
                    return;
                }
            }
        }
        if (taker == null) {
            accepted.connection().close(new QmpConnectionException("the listener on " + path
                    + " was closed while QEMU connected"));
        } else {
            hand(negotiated, taker);
        }
    }

    private static void hand(CompletableFuture<QmpClient> negotiated, CompletableFuture<QmpClient> taker) {
        negotiated.whenComplete((client, e) -> {
            if (e != null) {
                taker.completeExceptionally(e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                        ? e.getCause() : e);
            } else if (!taker.complete(client)) {
                client.close(); // the caller gave up (timeout) before this connection was ready
            }
        });
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public CompletableFuture<QmpClient> accept(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        CompletableFuture<QmpClient> taker = new CompletableFuture<>();
        CompletableFuture<QmpClient> negotiated;
        synchronized (this) {
            if (closed) {
                taker.completeExceptionally(new QmpConnectionException("listener on " + path + " is closed"));
                return taker;
            }
            negotiated = ready.pollFirst();
            if (negotiated == null) {
                waiting.addLast(taker);
            }
        }
        if (negotiated != null) {
            hand(negotiated, taker);
        }
        io.netty.util.Timeout t = resources.timer().newTimeout(x -> {
            synchronized (this) {
                waiting.remove(taker);
            }
            taker.completeExceptionally(new QmpTimeoutException("no QEMU connected to " + path + " and negotiated within "
                    + timeout + "; was QEMU started with -chardev socket,id=mon0,path=" + path
                    + " -mon chardev=mon0,mode=control?", timeout));
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        taker.whenComplete((c, e) -> t.cancel());
        return taker;
    }

    @Override
    public void close() {
        List<CompletableFuture<QmpClient>> takers;
        List<CompletableFuture<QmpClient>> unaccepted;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            takers = new ArrayList<>(waiting);
            waiting.clear();
            unaccepted = new ArrayList<>(ready);
            ready.clear();
        }
        server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        deleteQuietly();
        for (CompletableFuture<QmpClient> w : takers) {
            w.completeExceptionally(new QmpConnectionException("listener on " + path + " was closed"));
        }
        for (CompletableFuture<QmpClient> r : unaccepted) {
            r.thenAccept(QmpClient::close);
        }
    }

    private void deleteQuietly() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.debug("could not delete {}: {}", path, e.toString());
        }
    }

    @Override
    public String toString() {
        return "QmpListener[" + path + "]";
    }
}
