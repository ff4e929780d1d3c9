package dev.qmpkit.qmp.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.Timeout;
import java.util.concurrent.CompletableFuture;

/**
 * A command between {@code execute} and its reply. Created on the caller's thread with its
 * bytes already serialised; from the moment it is queued, only the connection's event loop
 * touches its mutable fields.
 */
final class PendingCommand {
    final long id;
    final String command;
    final CompletableFuture<JsonNode> future;
    final long timeoutNanos;
    ByteBuf message;
    final FileDescriptor fd;
    Timeout timeout;
    /** When it was written, for {@link dev.qmpkit.qmp.QmpMetrics}; read only when metrics are recorded. */
    long startNanos;

    PendingCommand(long id, String command, ByteBuf message, FileDescriptor fd, long timeoutNanos) {
        this.id = id;
        this.command = command;
        this.message = message;
        this.fd = fd;
        this.timeoutNanos = timeoutNanos;
        this.future = new CompletableFuture<>();
    }

    /** Releases the unsent bytes, if any. Event loop only. */
    void releaseMessage() {
        ByteBuf m = message;
        message = null;
        if (m != null) {
            m.release();
        }
    }

    void cancelTimeout() {
        Timeout t = timeout;
        if (t != null) {
            t.cancel();
        }
    }
}
