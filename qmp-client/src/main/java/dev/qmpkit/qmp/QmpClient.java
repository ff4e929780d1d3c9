package dev.qmpkit.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.command.QmpCommands;
import dev.qmpkit.qmp.internal.DefaultQmpClient;
import java.io.FileDescriptor;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * An asynchronous connection to one QEMU monitor (QMP).
 *
 * <p>Thread-safe: any number of threads may issue commands concurrently. Each command gets a
 * unique id with the reserved prefix {@value #ID_PREFIX}; replies are routed by id, never by
 * order. Futures complete on the I/O thread: chain blocking work with the {@code *Async}
 * methods of {@link CompletableFuture}, or use {@link #blocking()}.
 *
 * <p>Futures fail with the {@link QmpException} family: {@link QmpCommandException} when QEMU
 * answers with an error, {@link QmpTimeoutException} when no reply comes in time,
 * {@link QmpConnectionException} when the connection is lost (every pending command fails
 * promptly, with the cause).
 */
public interface QmpClient extends AutoCloseable {

    /**
     * Prefix of the ids this client puts on commands: the wire id of the n-th command is
     * {@code "qk<n>"}. Deliberately short: QEMU's monitor reads requests one byte per main-loop
     * dispatch, so every request byte costs it CPU (see docs/BENCHMARKS.md).
     */
    String ID_PREFIX = "qk";

    /**
     * Connects to a monitor QEMU serves ({@code -qmp unix:PATH,server=on,wait=off} or
     * {@code -qmp tcp:HOST:PORT,server=on,wait=off}), reads the greeting and negotiates
     * capabilities. No command is sent before negotiation completes.
     *
     * <p>TCP is refused for non-loopback addresses unless {@link QmpOptions#allowRemoteTcp()}
     * (QMP has no authentication or encryption). Listeners run on
     * {@link QmpOptions#eventExecutor()}; an opt-in {@link QmpOptions#reconnectPolicy()}
     * re-handshakes after a lost connection but never replays commands.
     *
     * @param endpoint where the monitor listens; never null
     * @param options client options; never null
     * @return a future completed with the ready client, or failed with a
     *         {@link QmpConnectionException}, {@link QmpTimeoutException} or {@link QmpProtocolException}
     */
    static CompletableFuture<QmpClient> connect(QmpEndpoint endpoint, QmpOptions options) {
        return DefaultQmpClient.connect(endpoint, options);
    }

    /**
     * Blocking {@link #connect}.
     *
     * @param endpoint where the monitor listens; never null
     * @param options client options; never null
     * @return the ready client
     * @throws QmpException when the connection or negotiation fails
     */
    static QmpClient connectBlocking(QmpEndpoint endpoint, QmpOptions options) {
        return Futures.await(connect(endpoint, options));
    }

    /** @return QEMU's greeting (the latest one after a reconnect); never null */
    Greeting greeting();

    /** @return the QEMU version from the greeting; never null */
    default QemuVersion qemuVersion() {
        return greeting().version();
    }

    /** @return whether the {@code oob} capability was negotiated */
    boolean oobEnabled();

    /** @return the connection's current state; never null */
    ConnectionState state();

    /** @return the options this client was created with; never null */
    QmpOptions options();

    /**
     * Sends a command.
     *
     * @param command the QMP command name, e.g. {@code query-status}; never null or blank
     * @param arguments the {@code arguments} object: a {@link JsonNode}, a {@code Map}, a record
     *                  or any Jackson-serialisable object; null for none
     * @param options per-command settings; never null
     * @return the command's {@code return} value (an empty object when QEMU returns {}),
     *         or a failure from the {@link QmpException} family
     * @throws IllegalArgumentException at once when the name is blank or the arguments do not
     *         serialise to a JSON object
     * @throws IllegalStateException at once when {@link CommandOptions#outOfBand()} is set but
     *         {@code oob} was not negotiated (see {@link #oobEnabled()})
     */
    CompletableFuture<JsonNode> execute(String command, Object arguments, CommandOptions options);

    /**
     * Sends a command with the default options.
     *
     * @param command the command name; never null
     * @param arguments the arguments, or null for none
     * @return the {@code return} value
     */
    default CompletableFuture<JsonNode> execute(String command, Object arguments) {
        return execute(command, arguments, CommandOptions.defaults());
    }

    /**
     * Sends a command without arguments.
     *
     * @param command the command name; never null
     * @return the {@code return} value
     */
    default CompletableFuture<JsonNode> execute(String command) {
        return execute(command, null, CommandOptions.defaults());
    }

    /**
     * Sends a command and converts its {@code return} value the way the typed commands
     * ({@link #commands()}) read theirs: QAPI's kebab-case names map to camel case
     * ({@code total-time} to {@code totalTime}), fields the type does not have are ignored, and
     * fields the reply lacks stay null (0 or false for primitives).
     *
     * @param command the command name; never null
     * @param arguments the arguments, or null for none
     * @param type the type the return value is converted to, e.g. a record; {@link JsonNode}
     *             for the value as it came; {@code Void} for none; never null
     * @param <T> the result type
     * @return the converted value, or a failure from the {@link QmpException} family; a reply
     *         that does not read as {@code type} fails with a {@link QmpProtocolException} that
     *         names the command, the type and the reply
     */
    <T> CompletableFuture<T> execute(String command, Object arguments, Class<T> type);

    /**
     * Sends an open file descriptor over the Unix socket (SCM_RIGHTS) immediately followed by
     * a command that consumes it ({@code getfd} or {@code add-fd}). The descriptor stays
     * owned by the caller (it is never closed here); QEMU receives its own duplicate. Keep it
     * open until the returned future completes. QEMU answers the byte that carries the
     * descriptor with an id-less parse error, which the client expects and swallows.
     *
     * @param fd an open descriptor, e.g. {@code new RandomAccessFile(file, "r").getFD()}; never null
     * @param command {@code getfd} or {@code add-fd}; never null
     * @param arguments the command's arguments; may be null
     * @return the command's return value
     * @throws UnsupportedOperationException when the transport cannot pass descriptors
     *         (TCP, or the NIO fallback when the native transport is unavailable), or when the
     *         JVM hides the descriptor's number: start it with
     *         {@code --add-opens java.base/java.io=ALL-UNNAMED} (the message says so)
     * @throws IllegalArgumentException when {@code fd} is not open
     */
    CompletableFuture<JsonNode> executeWithFd(FileDescriptor fd, String command, Object arguments);

    /**
     * Registers a listener for events. It receives them in the order QEMU sent them, on the
     * event executor, through its own bounded queue (see {@link EventSubscription}).
     *
     * @param eventName the event name, or null for all events
     * @param filter further filter; null accepts all
     * @param listener receives matching events on the event executor; never null
     * @return the subscription, to close when done
     */
    EventSubscription subscribe(String eventName, Predicate<QmpEvent> filter, EventListener listener);

    /**
     * Registers one listener for several events, e.g. {@code STOP} and {@code RESUME}: it receives
     * them in the order QEMU sent them, through one queue, so their interleaving is kept.
     *
     * @param eventNames the event names; at least one, none null or blank; never null
     * @param filter further filter; null accepts all
     * @param listener receives matching events on the event executor; never null
     * @return the subscription, to close when done
     * @throws IllegalArgumentException when {@code eventNames} is empty or holds a null or blank name
     */
    EventSubscription subscribeAny(Collection<String> eventNames, Predicate<QmpEvent> filter, EventListener listener);

    /**
     * Starts waiting for an event <em>now</em>. Call it before sending the command that
     * triggers the event, so an event that arrives before the caller starts waiting is not
     * missed.
     *
     * @param eventName the event name; never null
     * @param filter further filter; null accepts the first event of that name
     * @param timeout how long to wait; positive, never null
     * @return a future completed with the first matching event, or failed with a
     *         {@link QmpTimeoutException} or {@link QmpConnectionException}
     */
    CompletableFuture<QmpEvent> awaitEvent(String eventName, Predicate<QmpEvent> filter, Duration timeout);

    /** @return the typed command API over this client; never null */
    QmpCommands commands();

    /** @return a blocking view over this client; never null */
    BlockingQmpClient blocking();

    /**
     * @return a future completed when the connection ends for good (closed, or lost without
     *         a reconnect), with the reason; never completed exceptionally
     */
    CompletableFuture<QmpException> closeFuture();

    /**
     * Closes the connection. Pending commands fail with {@link QmpConnectionException}.
     * Idempotent; does not close borrowed {@link QmpResources}.
     */
    @Override
    void close();
}
