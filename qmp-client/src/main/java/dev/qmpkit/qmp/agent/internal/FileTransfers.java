package dev.qmpkit.qmp.agent.internal;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpProtocolException;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import dev.qmpkit.qmp.agent.GuestFileSeek;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * {@code readFile}/{@code writeFile}: a guest file moved in chunks of
 * {@code AgentOptions.fileChunkSize}, the caller's stream read or written on the executor (never
 * on the I/O thread), and the guest handle closed on every path, a failure of the close added to
 * the first failure as suppressed.
 */
final class FileTransfers {
    private final GuestAgentClient client;
    private final Executor executor;
    private final int chunk;

    FileTransfers(GuestAgentClient client, Executor executor, int chunk) {
        this.client = client;
        this.executor = executor;
        this.chunk = chunk;
    }

    CompletableFuture<Long> read(String guestPath, long offset, long length, OutputStream out) {
        Objects.requireNonNull(out, "out");
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset and length must be at least 0, got " + offset + ", " + length);
        }
        return withHandle(guestPath, "r", h -> {
            CompletableFuture<Void> positioned = offset == 0 ? CompletableFuture.completedFuture(null)
                    : client.fileSeek(h, offset, GuestFileSeek.Whence.SET).thenAccept(s -> {
                        if (s.position() != offset) {
                            throw new QmpProtocolException("guest-file-seek to " + offset + " in " + guestPath
                                    + " ended at " + s.position());
                        }
                    });
            return positioned.thenCompose(x -> readChunks(h, out, length, 0));
        });
    }

    private CompletableFuture<Long> readChunks(long handle, OutputStream out, long remaining, long total) {
        if (remaining == 0) {
            return CompletableFuture.completedFuture(total);
        }
        int n = (int) Math.min(chunk, remaining);
        return client.fileRead(handle, n).thenComposeAsync(r -> {
            byte[] data = r.data();
            try {
                out.write(data);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            long done = total + data.length;
            if (r.eof() || data.length == 0) {
                return CompletableFuture.completedFuture(done);
            }
            return readChunks(handle, out, remaining - data.length, done);
        }, executor);
    }

    CompletableFuture<Long> write(String guestPath, InputStream in) {
        Objects.requireNonNull(in, "in");
        return withHandle(guestPath, "w", h -> writeChunks(h, in, 0)
                .thenCompose(total -> client.fileFlush(h).thenApply(x -> total)));
    }

    private CompletableFuture<Long> writeChunks(long handle, InputStream in, long total) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return in.readNBytes(chunk);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, executor).thenCompose(data -> {
            if (data.length == 0) {
                return CompletableFuture.completedFuture(total);
            }
            return client.fileWrite(handle, data).thenCompose(written -> {
                if (written != data.length) {
                    throw new QmpProtocolException("guest-file-write wrote " + written + " of " + data.length
                            + " bytes (is the guest's file system full?)");
                }
                return writeChunks(handle, in, total + written);
            });
        });
    }

    /** Opens, runs {@code body}, and closes the handle whatever happened. */
    private CompletableFuture<Long> withHandle(String guestPath, String mode,
                                               Function<Long, CompletableFuture<Long>> body) {
        return client.fileOpen(guestPath, mode).thenCompose(h -> {
            CompletableFuture<Long> work;
            try {
                work = body.apply(h);
            } catch (RuntimeException e) {
                work = CompletableFuture.failedFuture(e);
            }
            return work.handle((v, e) -> client.fileClose(h).handle((c, closeError) -> {
                if (e != null) {
                    RuntimeException first = unwrap(e);
                    if (closeError != null) {
                        first.addSuppressed(unwrap(closeError));
                    }
                    throw new CompletionException(first);
                }
                if (closeError != null) {
                    throw new CompletionException(unwrap(closeError));
                }
                return v;
            })).thenCompose(Function.identity());
        });
    }

    private static RuntimeException unwrap(Throwable e) {
        RuntimeException r = Futures.unwrap(e);
        return r instanceof UncheckedIOException u && u.getCause() != null
                ? new UncheckedIOException("the local stream failed: " + u.getCause().getMessage(), u.getCause()) : r;
    }
}
