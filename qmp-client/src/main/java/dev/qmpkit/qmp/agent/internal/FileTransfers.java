package dev.qmpkit.qmp.agent.internal;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpProtocolException;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import dev.qmpkit.qmp.agent.GuestFileSeek;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
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

    /**
     * Reads chunk after chunk. The next {@code guest-file-read} goes out as soon as a reply is in,
     * while the executor decodes and writes that chunk, so the agent reading and encoding the next
     * chunk overlaps the client's work; at most two chunks are held (one written, one fetched).
     */
    private CompletableFuture<Long> readChunks(long handle, OutputStream out, long remaining, long total) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        readNext(handle, out, remaining, total, CompletableFuture.completedFuture(null), done);
        return done;
    }

    private void readNext(long handle, OutputStream out, long remaining, long total, CompletableFuture<Void> written,
                          CompletableFuture<Long> done) {
        if (remaining == 0) {
            written.whenComplete((x, e) -> finish(done, total, e));
            return;
        }
        int n = (int) Math.min(chunk, remaining);
        client.execute("guest-file-read", Map.of("handle", handle, "count", n)).whenComplete((reply, e) -> {
            if (e != null) {
                written.whenComplete((x, we) -> done.completeExceptionally(e));
                return;
            }
            long count = reply.path("count").asLong(-1);
            boolean last = reply.path("eof").asBoolean(false) || count <= 0 || count >= remaining;
            CompletableFuture<Void> next = written.thenRunAsync(() -> {
                byte[] data = AgentReplies.fileRead(reply).data();
                try {
                    out.write(data);
                } catch (IOException io) {
                    throw new UncheckedIOException(io);
                }
            }, executor);
            if (last) {
                next.whenComplete((x, we) -> finish(done, total + Math.max(0, count), we));
            } else {
                // Fetch the next chunk once the previous one is written: two chunks in memory at most.
                written.whenComplete((x, we) -> {
                    if (we != null) {
                        next.whenComplete((y, e2) -> done.completeExceptionally(we));
                    } else {
                        readNext(handle, out, remaining - count, total + count, next, done);
                    }
                });
            }
        });
    }

    private static void finish(CompletableFuture<Long> done, long total, Throwable e) {
        if (e != null) {
            done.completeExceptionally(e);
        } else {
            done.complete(total);
        }
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
