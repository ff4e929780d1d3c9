package dev.qmpkit.qmp.agent.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.util.Timeout;
import java.util.concurrent.CompletableFuture;

/**
 * One call between {@code execute} and its answer. Created on the caller's thread with its bytes
 * already serialised; once queued, only the client's event loop touches its mutable fields.
 */
final class AgentRequest {

    /** What the request waits for. */
    enum Kind {
        /** A command and its reply. */
        COMMAND,
        /** A command the agent never answers on success, confirmed by a sync written behind it. */
        NO_SUCCESS_REPLY,
        /** Only a synchronisation ({@code GuestAgentClient.sync()}). */
        SYNC
    }

    final Kind kind;
    final String command;
    final long id;
    final long timeoutNanos;
    final CompletableFuture<JsonNode> future = new CompletableFuture<>();
    /**
     * COMMAND: the reply completes the future unparsed, as a {@code POJONode} of its bytes (the
     * agent in sync answers the one command in flight, so the next message is its reply).
     */
    final boolean rawReply;
    private ByteBuf message;
    /** SYNC: whether its synchronisation was started. */
    boolean syncStarted;
    /** NO_SUCCESS_REPLY: the number the confirming sync echoes. */
    long confirmValue;
    Timeout timer;

    AgentRequest(Kind kind, String command, long id, ByteBuf message, long timeoutNanos) {
        this(kind, command, id, message, timeoutNanos, false);
    }

    AgentRequest(Kind kind, String command, long id, ByteBuf message, long timeoutNanos, boolean rawReply) {
        this.kind = kind;
        this.rawReply = rawReply;
        this.command = command;
        this.id = id;
        this.message = message;
        this.timeoutNanos = timeoutNanos;
    }

    /** @return the serialised command, now owned by the caller to write */
    ByteBuf takeMessage() {
        ByteBuf m = message;
        message = null;
        return m;
    }

    /** Releases the unsent bytes, if any. */
    void release() {
        ByteBuf m = takeMessage();
        if (m != null) {
            m.release();
        }
    }

    void cancelTimer() {
        Timeout t = timer;
        if (t != null) {
            t.cancel();
        }
    }
}
