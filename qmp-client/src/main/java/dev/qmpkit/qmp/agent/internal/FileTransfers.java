package dev.qmpkit.qmp.agent.internal;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpProtocolException;
import dev.qmpkit.qmp.agent.GuestFileRead;
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
    private final DefaultGuestAgentClient client;
    private final Executor executor;
    private final int chunk;
    private final String peer;

    FileTransfers(DefaultGuestAgentClient client, Executor executor, int chunk, String peer) {
        this.client = client;
        this.executor = executor;
        this.chunk = chunk;
        this.peer = peer;
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
            return positioned.thenCompose(x -> new Download(h, out, length).start());
        });
    }

    /**
     * One download: {@code guest-file-read} after {@code guest-file-read}, each issued as soon as
     * the previous reply is in (the executor parses, decodes and writes that one meanwhile), so
     * the agent reading and encoding the next chunk overlaps the client's work. The end of the
     * file is known only once a reply is parsed, so one read past it may go out; its reply is
     * ignored. At most two chunks are held: one being written, one being fetched.
     */
    private final class Download {
        private final long handle;
        private final OutputStream out;
        private final long length;
        private final CompletableFuture<Long> done = new CompletableFuture<>();
        /** Bytes asked for; touched only by {@link #fetch}, which runs once per reply, in turn. */
        private long requested;
        /** Bytes written; touched only by the write tasks, which run one after another. */
        private long written;
        private volatile boolean eof;

        Download(long handle, OutputStream out, long length) {
            this.handle = handle;
            this.out = out;
            this.length = length;
        }

        CompletableFuture<Long> start() {
            fetch(CompletableFuture.completedFuture(null));
            return done;
        }

        private void fetch(CompletableFuture<Void> previousWrite) {
            if (eof || requested >= length) {
                previousWrite.whenComplete((x, e) -> finish(e));
                return;
            }
            int n = (int) Math.min(chunk, length - requested);
            requested += n;
            client.fileReadRaw(handle, n).whenComplete((reply, e) -> {
                if (e != null) {
                    previousWrite.whenComplete((x, we) -> finish(we != null ? we : eof ? null : e));
                    return;
                }
                CompletableFuture<Void> write = previousWrite.thenRunAsync(() -> write(reply), executor);
                previousWrite.whenComplete((x, we) -> {
                    if (we != null) {
                        write.whenComplete((y, e2) -> finish(we));
                    } else {
                        fetch(write);
                    }
                });
            });
        }

        private void write(DefaultGuestAgentClient.RawReply reply) {
            if (eof) {
                return; // a read past the end, issued before the end was known
            }
            GuestFileRead r = AgentReplies.fileReadFrame(reply, peer);
            byte[] data = r.data();
            int take = (int) Math.min(data.length, length - written);
            try {
                out.write(data, 0, take);
            } catch (IOException io) {
                throw new UncheckedIOException(io);
            }
            written += take;
            if (r.eof() || data.length == 0 || written >= length) {
                eof = true;
            }
        }

        private void finish(Throwable e) {
            if (e != null) {
                done.completeExceptionally(e);
            } else {
                done.complete(written);
            }
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
