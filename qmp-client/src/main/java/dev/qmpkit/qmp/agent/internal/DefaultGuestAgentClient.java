package dev.qmpkit.qmp.agent.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.POJONode;
import dev.qmpkit.qmp.CommandOutcome;
import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.QmpMetrics;
import dev.qmpkit.qmp.QmpProtocolException;
import dev.qmpkit.qmp.QmpResources;
import dev.qmpkit.qmp.QmpTimeoutException;
import dev.qmpkit.qmp.agent.AgentOptions;
import dev.qmpkit.qmp.agent.BlockingGuestAgent;
import dev.qmpkit.qmp.agent.ExecRequest;
import dev.qmpkit.qmp.agent.ExecResult;
import dev.qmpkit.qmp.agent.FsFreezeStatus;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import dev.qmpkit.qmp.agent.GuestAgentInfo;
import dev.qmpkit.qmp.agent.GuestFileRead;
import dev.qmpkit.qmp.agent.GuestFileSeek;
import dev.qmpkit.qmp.agent.GuestNetworkInterface;
import dev.qmpkit.qmp.agent.GuestOsInfo;
import dev.qmpkit.qmp.agent.ShutdownMode;
import dev.qmpkit.qmp.internal.AgentChannels;
import dev.qmpkit.qmp.internal.GuardedMetrics;
import dev.qmpkit.qmp.internal.QmpMessages;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.Timer;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link GuestAgentClient} implementation: one event loop owns all state (the queue, the
 * connection, the command in flight), so nothing is locked. States: idle (no connection),
 * connecting, synchronising, ready, closed. A call is queued; {@link #pump()} connects,
 * synchronises and writes the head of the queue when nothing is in flight.
 */
public final class DefaultGuestAgentClient implements GuestAgentClient, AgentHandler.Owner {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultGuestAgentClient.class);

    /** Commands qemu-ga never answers on success ({@code success-response: false} in its schema). */
    private static final Set<String> NO_SUCCESS_REPLY = Set.of("guest-shutdown", "guest-suspend-disk",
            "guest-suspend-ram", "guest-suspend-hybrid");
    private static final String SYNC = "guest-sync-delimited";
    private static final byte[] SENTINEL = {(byte) 0xFF};
    private static final Duration RETRY_DELAY = Duration.ofMillis(100);

    private enum State { IDLE, CONNECTING, SYNCING, READY, CLOSED }

    private final Path socket;
    private final String peer;
    private final AgentOptions options;
    private final QmpMetrics metrics;
    private final QmpResources resources;
    private final EventLoop loop;
    private final Timer timer;
    private final Executor executor;
    private final AtomicLong ids = new AtomicLong();
    private final BlockingGuestAgent blocking = new BlockingGuestAgent(this);
    private final FileTransfers files;
    private volatile boolean closed;

    // Event loop only:
    private final ArrayDeque<AgentRequest> queue = new ArrayDeque<>();
    private State state = State.IDLE;
    private Channel channel;
    private boolean needsSync = true;
    private long syncValue;
    private ScheduledFuture<?> syncTimer;
    private AgentRequest inFlight;
    private QmpConnectionException closeReason;

    private DefaultGuestAgentClient(Path socket, AgentOptions options) {
        this.socket = socket;
        this.peer = socket.toString();
        this.options = options;
        this.metrics = GuardedMetrics.of(options.metrics());
        this.resources = options.resources();
        this.loop = AgentChannels.nextLoop(resources);
        this.timer = AgentChannels.timer(resources);
        this.executor = options.executor() != null ? options.executor() : AgentExecutors.DEFAULT;
        this.files = new FileTransfers(this, executor, options.fileChunkSize(), peer);
    }

    /**
     * @param socket the agent's socket; never null
     * @param options options; never null
     * @return a client that connects on its first call
     */
    public static GuestAgentClient open(Path socket, AgentOptions options) {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(options, "options");
        return new DefaultGuestAgentClient(socket, options);
    }

    // ---- submitting (any thread) ----

    private CompletableFuture<JsonNode> submit(String command, Object arguments, Duration timeout) {
        return submit(command, arguments, timeout, false);
    }

    private CompletableFuture<JsonNode> submit(String command, Object arguments, Duration timeout, boolean raw) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(timeout, "timeout");
        if (command.isBlank()) {
            throw new IllegalArgumentException("guest agent command name must not be blank");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        long id = ids.incrementAndGet();
        ByteBuf message = QmpMessages.encodeCommand(ByteBufAllocator.DEFAULT, command, id, arguments, false);
        AgentRequest.Kind kind = NO_SUCCESS_REPLY.contains(command) ? AgentRequest.Kind.NO_SUCCESS_REPLY
                : AgentRequest.Kind.COMMAND;
        AgentRequest r = new AgentRequest(kind, command, id, message, timeout.toNanos(), raw);
        if (metrics != QmpMetrics.NONE) {
            long start = System.nanoTime();
            metrics.commandStarted(command);
            r.future.whenComplete((ok, e) -> metrics.commandFinished(command, outcome(e), System.nanoTime() - start));
        }
        return enqueue(r);
    }

    /**
     * {@code guest-file-read} whose reply is neither parsed nor decoded on the I/O thread.
     *
     * @param handle the agent's file handle
     * @param count bytes to read at most
     * @return the reply, for {@link AgentReplies#fileReadFrame}
     */
    CompletableFuture<RawReply> fileReadRaw(long handle, int count) {
        return submit("guest-file-read", Map.of("handle", handle, "count", count), options.commandTimeout(), true)
                .thenApply(node -> (RawReply) ((POJONode) node).getPojo());
    }

    /**
     * A reply passed on unparsed.
     *
     * @param command the command it answers
     * @param wireId the id the command was sent with
     * @param frame the reply's bytes, one JSON object
     */
    record RawReply(String command, String wireId, byte[] frame) {
    }

    private CompletableFuture<JsonNode> enqueue(AgentRequest r) {
        if (closed) {
            r.release();
            r.future.completeExceptionally(closedException());
            return r.future;
        }
        try {
            loop.execute(() -> {
                if (state == State.CLOSED) {
                    r.release();
                    r.future.completeExceptionally(closedException());
                    return;
                }
                queue.add(r);
                pump();
            });
        } catch (RejectedExecutionException e) {
            r.release();
            r.future.completeExceptionally(new QmpConnectionException("the I/O event loop is shut down "
                    + "(QmpResources closed?); guest agent at " + peer, e));
        }
        return r.future;
    }

    /** @return how a command ended, from the failure its future completed with (null: success) */
    static CommandOutcome outcome(Throwable failure) {
        if (failure == null) {
            return CommandOutcome.SUCCESS;
        }
        Throwable e = Futures.unwrap(failure);
        return e instanceof QmpTimeoutException ? CommandOutcome.TIMEOUT
                : e instanceof QmpConnectionException ? CommandOutcome.DISCONNECTED : CommandOutcome.ERROR;
    }

    private QmpConnectionException closedException() {
        return new QmpConnectionException("the guest agent client for " + peer + " is closed");
    }

    // ---- the state machine (event loop) ----

    private void pump() {
        while (inFlight == null && state != State.CONNECTING && state != State.SYNCING && state != State.CLOSED) {
            AgentRequest r = queue.peek();
            if (r == null) {
                return;
            }
            if (r.future.isDone()) { // cancelled by its caller while queued
                queue.poll();
                r.release();
                continue;
            }
            if (state == State.IDLE) {
                connect();
                return;
            }
            if (r.kind == AgentRequest.Kind.SYNC && !r.syncStarted) {
                r.syncStarted = true;
                needsSync = true;
            }
            if (needsSync) {
                startSync(r.kind == AgentRequest.Kind.SYNC ? r.timeoutNanos : options.syncTimeout().toNanos());
                return;
            }
            queue.poll();
            if (r.kind == AgentRequest.Kind.SYNC) {
                r.future.complete(null);
                continue;
            }
            write(r);
        }
    }

    private void connect() {
        state = State.CONNECTING;
        ChannelFuture cf;
        try {
            cf = AgentChannels.connectUnix(loop, resources, socket, options.connectTimeout(), options.maxMessageSize(),
                    new AgentHandler(this, peer, options.maxMessageSize()));
        } catch (RuntimeException e) {
            state = State.IDLE;
            failQueue(new QmpConnectionException("cannot connect to the guest agent at " + peer + ": "
                    + e.getMessage(), e));
            return;
        }
        cf.addListener(f -> {
            if (state == State.CLOSED) {
                cf.channel().close();
                return;
            }
            if (!f.isSuccess()) {
                state = State.IDLE;
                Throwable cause = f.cause();
                failQueue(new QmpConnectionException("cannot connect to the guest agent at " + peer + ": "
                        + cause.getMessage() + " (is QEMU running with -chardev socket,path=" + peer
                        + ",server=on,wait=off and a virtserialport name=org.qemu.guest_agent.0 on it, "
                        + "or qemu-ga -m unix-listen -p " + peer + "?)", cause));
                return;
            }
            channel = cf.channel();
            state = State.READY;
            needsSync = true;
            LOG.debug("connected to the guest agent at {}", peer);
            pump();
        });
    }

    /** Sends 0xFF and guest-sync-delimited; everything up to the agent's 0xFF is dropped by the framer. */
    private void startSync(long timeoutNanos) {
        state = State.SYNCING;
        syncValue = randomSyncValue();
        ByteBuf sync = QmpMessages.encodeCommand(channel.alloc(), SYNC, ids.incrementAndGet(),
                Map.of("id", syncValue), false);
        AgentChannels.discardUntilSentinel(channel);
        // The 0xFF makes the agent drop a request half-written by an earlier client; it answers
        // the byte with an id-less parse error, which arrives before its own 0xFF and is dropped.
        channel.write(Unpooled.wrappedBuffer(SENTINEL), channel.voidPromise());
        channel.writeAndFlush(sync, channel.voidPromise());
        Duration d = Duration.ofNanos(timeoutNanos);
        syncTimer = loop.schedule(() -> syncTimedOut(d), timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private static long randomSyncValue() {
        return ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    }

    private void syncTimedOut(Duration d) {
        if (state != State.SYNCING) {
            return;
        }
        state = State.READY;
        needsSync = true;
        LOG.debug("the guest agent at {} did not answer guest-sync-delimited within {}", peer, d);
        failQueue(new QmpTimeoutException("the guest agent at " + peer + " did not answer guest-sync-delimited within "
                + d + ": qemu-ga is not running in the guest (not started yet, stopped or hung), or another client "
                + "holds the channel. The next call tries again; GuestAgentClient.awaitAgent waits for it.", d));
    }

    private void write(AgentRequest r) {
        inFlight = r;
        ByteBuf m = r.takeMessage();
        if (r.kind == AgentRequest.Kind.NO_SUCCESS_REPLY) {
            // No reply means success, so a sync written behind it tells success from "no answer yet".
            r.confirmValue = randomSyncValue();
            channel.write(m, channel.voidPromise());
            channel.writeAndFlush(QmpMessages.encodeCommand(channel.alloc(), SYNC, ids.incrementAndGet(),
                    Map.of("id", r.confirmValue), false), channel.voidPromise());
        } else {
            channel.writeAndFlush(m, channel.voidPromise());
        }
        // On the shared wheel timer, not the event loop's: one per command, cancelled by its reply.
        r.timer = timer.newTimeout(t -> onLoop(() -> commandTimedOut(r)), r.timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void onLoop(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            LOG.debug("the event loop is shut down; dropped a timeout of the guest agent client for {}", peer);
        }
    }

    private void commandTimedOut(AgentRequest r) {
        if (inFlight != r) {
            return;
        }
        inFlight = null;
        needsSync = true; // its reply may still come: the next command resynchronises first
        Duration d = Duration.ofNanos(r.timeoutNanos);
        String what = r.kind == AgentRequest.Kind.NO_SUCCESS_REPLY
                ? "the guest agent at " + peer + " did not confirm '" + r.command + "' within " + d
                        + " (it never answers it on success, and did not answer the guest-sync-delimited sent behind "
                        + "it either): the guest may or may not act on it"
                : "guest agent command '" + r.command + "' got no reply from the guest agent at " + peer + " within "
                        + d + "; the client resynchronises before the next command, so a late reply is dropped. Is "
                        + "the guest or its agent stopped or busy? Pass a longer timeout for slow commands.";
        r.future.completeExceptionally(new QmpTimeoutException(what, d));
        pump();
    }

    private void failQueue(QmpException cause) {
        AgentRequest r;
        while ((r = queue.poll()) != null) {
            r.release();
            r.future.completeExceptionally(cause);
        }
    }

    // ---- AgentHandler.Owner (event loop) ----

    @Override
    public void onSentinel(Channel ch) {
        LOG.trace("0xFF sentinel from the guest agent at {}", peer);
    }

    @Override
    public boolean wantsRawReply(Channel ch) {
        return ch == channel && state == State.READY && inFlight != null && inFlight.rawReply;
    }

    @Override
    public void onRawReply(Channel ch, byte[] frame) {
        AgentRequest r = inFlight;
        finish(r);
        r.future.complete(new POJONode(new RawReply(r.command, QmpMessages.wireId(r.id), frame)));
        pump();
    }

    @Override
    public void onMessage(Channel ch, QmpMessages.Inbound in) {
        if (ch != channel) {
            return;
        }
        if (state == State.SYNCING) {
            JsonNode v = in.kind() == QmpMessages.Kind.RETURN ? in.returnValue() : null;
            if (v != null && v.isIntegralNumber() && v.asLong() == syncValue) {
                syncTimer.cancel(false);
                state = State.READY;
                needsSync = false;
                LOG.debug("synchronised with the guest agent at {}", peer);
                pump();
            } else {
                // Past the first 0xFF the stream is the agent's own JSON, so a stale message (the
                // reply of an earlier sync or command) is dropped by its value. Discarding up to a
                // 0xFF again would be wrong: ours may already be framed, in the same read.
                LOG.debug("dropped a stale message from the guest agent at {} while synchronising", peer);
            }
            return;
        }
        AgentRequest r = inFlight;
        if (state != State.READY || r == null) {
            LOG.debug("dropped a message from the guest agent at {} that answers nothing pending (a late reply)", peer);
            return;
        }
        boolean error = in.kind() == QmpMessages.Kind.ERROR;
        boolean reply = error || in.kind() == QmpMessages.Kind.RETURN;
        // An agent in sync answers in order, so an id-less reply (agents that do not echo ids, or
        // a parse error of the request itself) is the answer to the one command in flight.
        boolean ours = reply && (in.id() == r.id || in.rawId() == null);
        if (r.kind == AgentRequest.Kind.NO_SUCCESS_REPLY) {
            JsonNode v = in.kind() == QmpMessages.Kind.RETURN ? in.returnValue() : null;
            if (v != null && v.isIntegralNumber() && v.asLong() == r.confirmValue) {
                finish(r);
                r.future.complete(JsonNodeFactory.instance.objectNode());
            } else if (ours) {
                // An error, or an agent that answers after all: the confirming sync's reply is still to come.
                needsSync = true;
                finish(r);
                complete(r, in, error);
            } else {
                LOG.debug("dropped a stale message from the guest agent at {}", peer);
            }
            pump();
            return;
        }
        if (!ours) {
            LOG.debug("dropped a stale message from the guest agent at {} (id {})", peer, in.rawId());
            return;
        }
        if (in.rawId() == null && error) {
            needsSync = true; // the agent may not have parsed our request: start clean
        }
        finish(r);
        complete(r, in, error);
        pump();
    }

    private void finish(AgentRequest r) {
        r.cancelTimer();
        inFlight = null;
    }

    private void complete(AgentRequest r, QmpMessages.Inbound in, boolean error) {
        if (error) {
            r.future.completeExceptionally(AgentReplies.error(r.command, in.errorClass(), in.errorDesc(), peer));
        } else {
            r.future.complete(in.returnValue());
        }
    }

    @Override
    public void onProtocolError(Channel ch, QmpProtocolException problem) {
        if (ch != channel) {
            return;
        }
        LOG.warn("{}", problem.getMessage());
        needsSync = true;
        AgentRequest r = inFlight;
        if (r != null && state == State.READY) {
            finish(r);
            r.future.completeExceptionally(problem);
            pump();
        }
    }

    @Override
    public void onFailure(Channel ch, QmpConnectionException reason) {
        if (ch == channel && closeReason == null) {
            closeReason = reason;
        }
    }

    @Override
    public void onClosed(Channel ch) {
        if (ch != channel) {
            return;
        }
        channel = null;
        State was = state;
        if (state != State.CLOSED) {
            state = State.IDLE;
        }
        needsSync = true;
        if (syncTimer != null) {
            syncTimer.cancel(false);
        }
        QmpConnectionException reason = closeReason != null ? closeReason : new QmpConnectionException(
                "the guest agent at " + peer + " closed the connection (QEMU or qemu-ga exited?)",
                new EOFException("end of stream on " + peer));
        closeReason = null;
        LOG.debug("connection to the guest agent at {} closed: {}", peer, reason.getMessage());
        AgentRequest r = inFlight;
        if (r != null) {
            finish(r);
            if (r.kind == AgentRequest.Kind.NO_SUCCESS_REPLY && !(reason.getCause() instanceof QmpProtocolException)) {
                r.future.complete(JsonNodeFactory.instance.objectNode()); // no error, and the guest went away
            } else {
                r.future.completeExceptionally(reason);
            }
        }
        if (was == State.SYNCING || was == State.CLOSED) {
            failQueue(reason);
        } else {
            pump(); // calls that were never written go out on a new connection
        }
    }

    // ---- public API ----

    @Override
    public Path socket() {
        return socket;
    }

    @Override
    public AgentOptions options() {
        return options;
    }

    @Override
    public CompletableFuture<JsonNode> execute(String command, Object arguments) {
        return submit(command, arguments, options.commandTimeout());
    }

    @Override
    public CompletableFuture<JsonNode> execute(String command, Object arguments, Duration timeout) {
        return submit(command, arguments, timeout);
    }

    private <T> CompletableFuture<T> call(String command, Object arguments, Function<JsonNode, T> convert) {
        return submit(command, arguments, options.commandTimeout()).thenApply(convert);
    }

    @Override
    public CompletableFuture<Void> sync() {
        return syncWithin(options.syncTimeout());
    }

    private CompletableFuture<Void> syncWithin(Duration timeout) {
        AgentRequest r = new AgentRequest(AgentRequest.Kind.SYNC, SYNC, 0, null, timeout.toNanos());
        return enqueue(r).thenApply(x -> null);
    }

    @Override
    public CompletableFuture<Void> awaitAgent(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        awaitAttempt(System.nanoTime() + timeout.toNanos(), timeout, result);
        return result;
    }

    private void awaitAttempt(long deadline, Duration total, CompletableFuture<Void> result) {
        long left = deadline - System.nanoTime();
        Duration attempt = Duration.ofNanos(Math.max(1_000_000L, Math.min(left, options.syncTimeout().toNanos())));
        syncWithin(attempt).whenComplete((v, e) -> {
            if (e == null) {
                result.complete(null);
                return;
            }
            RuntimeException failure = Futures.unwrap(e);
            long remaining = deadline - System.nanoTime();
            if (closed || remaining <= 0 || !(failure instanceof QmpTimeoutException
                    || failure instanceof QmpConnectionException)) {
                result.completeExceptionally(remaining <= 0 && failure instanceof QmpException
                        ? new QmpTimeoutException("the guest agent at " + peer + " did not answer within " + total
                                + "; last attempt: " + failure.getMessage(), total)
                        : failure);
                return;
            }
            // A refused connection fails at once; wait a little before the next try.
            long delay = failure instanceof QmpConnectionException ? Math.min(remaining, RETRY_DELAY.toNanos()) : 0;
            try {
                loop.schedule(() -> awaitAttempt(deadline, total, result), delay, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException rejected) {
                result.completeExceptionally(failure);
            }
        });
    }

    @Override
    public CompletableFuture<Void> ping() {
        return call("guest-ping", null, v -> null);
    }

    @Override
    public CompletableFuture<GuestAgentInfo> info() {
        return call("guest-info", null, AgentReplies::info);
    }

    @Override
    public CompletableFuture<Long> guestSync(long id) {
        return call("guest-sync", Map.of("id", id), v -> AgentReplies.integer("guest-sync", v));
    }

    @Override
    public CompletableFuture<Instant> getTime() {
        return call("guest-get-time", null, v -> AgentReplies.instant("guest-get-time", v));
    }

    @Override
    public CompletableFuture<Void> setTime(Instant time) {
        Objects.requireNonNull(time, "time");
        return call("guest-set-time", Map.of("time", AgentReplies.nanos(time)), v -> null);
    }

    @Override
    public CompletableFuture<Void> setTimeFromHardwareClock() {
        return call("guest-set-time", null, v -> null);
    }

    @Override
    public CompletableFuture<ExecResult> exec(ExecRequest request) {
        Objects.requireNonNull(request, "request");
        Duration timeout = request.timeout() != null ? request.timeout() : options.execTimeout();
        long deadline = System.nanoTime() + timeout.toNanos();
        return execStart(request).thenCompose(pid -> new ExecPoll(this, loop, pid, deadline, timeout, peer).start());
    }

    @Override
    public CompletableFuture<Long> execStart(ExecRequest request) {
        Objects.requireNonNull(request, "request");
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("path", request.program());
        args.put("arg", request.args());
        if (request.env() != null) {
            args.put("env", request.env());
        }
        byte[] input = request.input();
        if (input != null) {
            args.put("input-data", input); // Jackson writes byte[] as base64
        }
        args.put("capture-output", request.captureOutput());
        return call("guest-exec", args, AgentReplies::execPid);
    }

    @Override
    public CompletableFuture<ExecResult> execStatus(long pid) {
        return call("guest-exec-status", Map.of("pid", pid), v -> AgentReplies.execStatus(pid, v));
    }

    @Override
    public CompletableFuture<Long> readFile(String guestPath, OutputStream out) {
        return readFile(guestPath, 0, Long.MAX_VALUE, out);
    }

    @Override
    public CompletableFuture<Long> readFile(String guestPath, long offset, long length, OutputStream out) {
        return files.read(guestPath, offset, length, out);
    }

    @Override
    public CompletableFuture<byte[]> readFile(String guestPath) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        return readFile(guestPath, out).thenApply(n -> out.toByteArray());
    }

    @Override
    public CompletableFuture<Long> writeFile(String guestPath, InputStream in) {
        return files.write(guestPath, in);
    }

    @Override
    public CompletableFuture<Void> writeFile(String guestPath, byte[] data) {
        Objects.requireNonNull(data, "data");
        return writeFile(guestPath, new ByteArrayInputStream(data)).thenApply(n -> null);
    }

    @Override
    public CompletableFuture<Long> fileOpen(String guestPath, String mode) {
        Objects.requireNonNull(guestPath, "guestPath");
        Objects.requireNonNull(mode, "mode");
        return call("guest-file-open", Map.of("path", guestPath, "mode", mode),
                v -> AgentReplies.integer("guest-file-open", v));
    }

    @Override
    public CompletableFuture<GuestFileRead> fileRead(long handle, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, got " + count);
        }
        return fileReadRaw(handle, count).thenApply(r -> AgentReplies.fileReadFrame(r, peer));
    }

    @Override
    public CompletableFuture<Integer> fileWrite(long handle, byte[] data) {
        Objects.requireNonNull(data, "data");
        return call("guest-file-write", Map.of("handle", handle, "buf-b64", data),
                v -> (int) AgentReplies.integer("guest-file-write", v.path("count")));
    }

    @Override
    public CompletableFuture<GuestFileSeek> fileSeek(long handle, long offset, GuestFileSeek.Whence whence) {
        Objects.requireNonNull(whence, "whence");
        return call("guest-file-seek", Map.of("handle", handle, "offset", offset, "whence", whence.wireName()),
                v -> AgentReplies.convert("guest-file-seek", v, GuestFileSeek.class));
    }

    @Override
    public CompletableFuture<Void> fileFlush(long handle) {
        return call("guest-file-flush", Map.of("handle", handle), v -> null);
    }

    @Override
    public CompletableFuture<Void> fileClose(long handle) {
        return call("guest-file-close", Map.of("handle", handle), v -> null);
    }

    @Override
    public CompletableFuture<List<GuestNetworkInterface>> networkInterfaces() {
        return call("guest-network-get-interfaces", null, AgentReplies::interfaces);
    }

    @Override
    public CompletableFuture<GuestOsInfo> osInfo() {
        return call("guest-get-osinfo", null, v -> AgentReplies.convert("guest-get-osinfo", v, GuestOsInfo.class));
    }

    @Override
    public CompletableFuture<String> hostName() {
        return call("guest-get-host-name", null, AgentReplies::hostName);
    }

    @Override
    public CompletableFuture<FsFreezeStatus> fsfreezeStatus() {
        return call("guest-fsfreeze-status", null, AgentReplies::freezeStatus);
    }

    @Override
    public CompletableFuture<Integer> fsfreezeFreeze() {
        return call("guest-fsfreeze-freeze", null, v -> (int) AgentReplies.integer("guest-fsfreeze-freeze", v));
    }

    @Override
    public CompletableFuture<Integer> fsfreezeThaw() {
        return call("guest-fsfreeze-thaw", null, v -> (int) AgentReplies.integer("guest-fsfreeze-thaw", v));
    }

    @Override
    public CompletableFuture<Void> shutdown(ShutdownMode mode) {
        Objects.requireNonNull(mode, "mode");
        return call("guest-shutdown", Map.of("mode", mode.wireName()), v -> null);
    }

    @Override
    public BlockingGuestAgent blocking() {
        return blocking;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        CompletableFuture<Channel> done = new CompletableFuture<>();
        try {
            loop.execute(() -> done.complete(shutdownNow()));
        } catch (RejectedExecutionException e) {
            return; // the loop is gone, and with it the channel
        }
        if (!loop.inEventLoop()) {
            try {
                Channel ch = done.get(5, TimeUnit.SECONDS);
                if (ch != null) {
                    ch.closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                LOG.debug("closing the guest agent client for {}: {}", peer, e.toString());
            }
        }
    }

    /** @return the channel being closed, or null */
    private Channel shutdownNow() {
        state = State.CLOSED;
        QmpConnectionException reason = new QmpConnectionException("the guest agent client was closed "
                + "(GuestAgentClient.close()) while the call was pending (" + peer + ")");
        if (syncTimer != null) {
            syncTimer.cancel(false);
        }
        AgentRequest r = inFlight;
        if (r != null) {
            finish(r);
            r.future.completeExceptionally(reason);
        }
        failQueue(reason);
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
        return ch;
    }

    @Override
    public String toString() {
        return "GuestAgentClient[" + peer + (closed ? ", closed" : "") + "]";
    }
}
