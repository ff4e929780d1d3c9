package dev.qmpkit.qmp.internal;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.BlockingQmpClient;
import dev.qmpkit.qmp.CommandOptions;
import dev.qmpkit.qmp.ConnectionListener;
import dev.qmpkit.qmp.ConnectionState;
import dev.qmpkit.qmp.EventListener;
import dev.qmpkit.qmp.EventSubscription;
import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.Greeting;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpEvent;
import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.QmpMetrics;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.QmpProtocolException;
import dev.qmpkit.qmp.command.QmpCommands;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import java.io.FileDescriptor;
import java.time.Duration;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static dev.qmpkit.qmp.ConnectionState.CLOSED;
import static dev.qmpkit.qmp.ConnectionState.CONNECTING;
import static dev.qmpkit.qmp.ConnectionState.DISCONNECTING;
import static dev.qmpkit.qmp.ConnectionState.IDLE;
import static dev.qmpkit.qmp.ConnectionState.RECONNECTING;
import static dev.qmpkit.qmp.ConnectionState.RUNNING;

/**
 * The {@link QmpClient} implementation: the connection state machine, command ids, sending,
 * and the hand-offs to the parts that do the rest. The protocol lives in {@link QmpConnection}
 * (one per transport connection, opened with a {@link QmpHandshakeHandler} before it), events
 * in {@link EventDispatcher}, reconnecting in {@link Reconnector}.
 *
 * <p>The state changes only in {@link #transition}, which checks the move against
 * {@link #MOVES} (a move from a state the client is no longer in is refused, so two racing
 * parties cannot both act on one state) and then runs what entering the new state means:
 * the listener callbacks, the reconnect, the close.
 */
public final class DefaultQmpClient implements QmpClient {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultQmpClient.class);

    /** The moves the state machine allows; anything else is a bug. */
    private static final Map<ConnectionState, Set<ConnectionState>> MOVES = new EnumMap<>(Map.of(
            IDLE, EnumSet.of(CONNECTING),
            CONNECTING, EnumSet.of(RUNNING, IDLE, CLOSED, DISCONNECTING),
            RUNNING, EnumSet.of(RECONNECTING, CLOSED, DISCONNECTING),
            RECONNECTING, EnumSet.of(RUNNING, CLOSED, DISCONNECTING),
            DISCONNECTING, EnumSet.of(CLOSED),
            CLOSED, EnumSet.noneOf(ConnectionState.class)));

    /** The current connection and what its handshake said. */
    private record Session(QmpConnection connection, Greeting greeting, boolean oob) {
    }

    private final QmpEndpoint endpoint;
    private final String peer;
    private final QmpOptions options;
    private final DefaultQmpResources resources;
    private final SerialExecutor listenerExecutor;
    private final ConnectionListener connectionListener;
    private final EventDispatcher events;
    private final Reconnector reconnector;
    private final QmpMetrics metrics;
    private final AtomicLong ids = new AtomicLong();
    private final CompletableFuture<QmpException> closeFuture = new CompletableFuture<>();
    private final Object lock = new Object();
    private final BlockingQmpClient blocking = new BlockingQmpClient(this);
    private final QmpCommands commands = new QmpCommands(this);

    private volatile ConnectionState state = IDLE; // written only in transition(), under lock
    private volatile Session session;

    /**
     * @param endpoint where to connect, or null in listen mode (QEMU connects, so no reconnect)
     */
    private DefaultQmpClient(QmpEndpoint endpoint, String peer, QmpOptions options, DefaultQmpResources resources) {
        this.endpoint = endpoint;
        this.peer = peer;
        this.options = options;
        this.resources = resources;
        Executor eventExecutor = options.eventExecutor() != null ? options.eventExecutor()
                : DefaultQmpResources.defaultEventExecutor();
        this.listenerExecutor = new SerialExecutor(eventExecutor);
        this.connectionListener = options.connectionListener();
        this.metrics = GuardedMetrics.of(options.metrics());
        this.events = new EventDispatcher(peer, eventExecutor, options.eventQueueCapacity(), resources.timer(),
                new EventSubscriptionImpl.Backlog() {
                    @Override
                    public void fellBehind(EventSubscriptionImpl s) {
                        notifyListener(l -> l.onSubscriptionFellBehind(DefaultQmpClient.this, s));
                    }

                    @Override
                    public void dropped(QmpEvent event) {
                        metrics.eventDropped(event.name());
                    }

                    @Override
                    public void caughtUp(EventSubscriptionImpl s, long dropped) {
                        notifyListener(l -> l.onSubscriptionCaughtUp(DefaultQmpClient.this, s, dropped));
                    }
                });
        this.reconnector = endpoint != null && options.reconnectPolicy().enabled()
                ? new Reconnector(peer, options.reconnectPolicy(), resources.timer(), new Reconnector.Target() {
                    @Override
                    public boolean reconnecting() {
                        return state == RECONNECTING;
                    }

                    @Override
                    public CompletableFuture<?> attempt(int attempt) {
                        notifyListener(l -> l.onReconnecting(DefaultQmpClient.this, attempt));
                        return open(RECONNECTING).whenComplete((ok, e) -> metrics.reconnectAttempt(e == null));
                    }

                    @Override
                    public void gaveUp(QmpConnectionException cause) {
                        transition(RECONNECTING, CLOSED, cause);
                    }
                })
                : null;
    }

    /**
     * Client mode: connects, reads the greeting, negotiates.
     *
     * @param endpoint where the monitor listens; never null
     * @param options options; never null
     * @return the ready client, or a failure
     */
    public static CompletableFuture<QmpClient> connect(QmpEndpoint endpoint, QmpOptions options) {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(options, "options");
        DefaultQmpResources resources;
        try {
            resources = DefaultQmpResources.of(options.resources());
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(new QmpConnectionException("cannot connect to " + endpoint + ": "
                    + e.getMessage(), e));
        }
        DefaultQmpClient client = new DefaultQmpClient(endpoint, endpoint.toString(), options, resources);
        client.transition(IDLE, CONNECTING, null);
        return client.open(CONNECTING).handle((ok, e) -> {
            if (e != null) {
                QmpException failure = unwrapQmp(e);
                client.transition(CONNECTING, IDLE, failure);
                throw new CompletionException(failure);
            }
            return client;
        });
    }

    /**
     * Listen mode: a client for a connection QEMU made to our socket, set up on its channel.
     * Reconnecting is not possible (QEMU is the one that connects), so the client closes for
     * good when the connection is lost.
     *
     * @param ch the accepted channel, on its event loop, before it is active
     * @param peer the peer, for messages
     * @param options the listener's options
     * @param resources the listener's resources
     * @return the client once negotiated, and its connection (to close when the listener is
     *         closed meanwhile)
     */
    static Accepted accepted(Channel ch, String peer, QmpOptions options, DefaultQmpResources resources) {
        DefaultQmpClient client = new DefaultQmpClient(null, peer, options, resources);
        client.transition(IDLE, CONNECTING, null);
        QmpConnection c = client.newConnection();
        QmpHandshakeHandler handshake = client.newHandshake();
        Transports.initPipeline(ch, options.maxMessageSize(), handshake, c);
        CompletableFuture<QmpClient> ready = client.running(CONNECTING, c, handshake).handle((ok, e) -> {
            if (e != null) {
                QmpException failure = unwrapQmp(e);
                client.transition(CONNECTING, CLOSED, failure);
                throw new CompletionException(failure);
            }
            return client;
        });
        return new Accepted(ready, c);
    }

    /**
     * A connection QEMU made to a listener.
     *
     * @param client completed with the client once negotiated, or failed
     * @param connection the connection
     */
    record Accepted(CompletableFuture<QmpClient> client, QmpConnection connection) {
    }

    private QmpConnection newConnection() {
        return new QmpConnection(owner, peer, resources.timer(), options.maxMessageSize(), metrics);
    }

    private QmpHandshakeHandler newHandshake() {
        return new QmpHandshakeHandler(peer, ids::incrementAndGet, options.enableOob(), options.greetingTimeout(),
                options.maxMessageSize());
    }

    /**
     * Opens a transport connection, negotiates, and makes it the current one.
     *
     * @param from the state the client is in while it connects (CONNECTING or RECONNECTING)
     * @return completed when the client is RUNNING on the new connection
     */
    private CompletableFuture<Void> open(ConnectionState from) {
        QmpConnection c = newConnection();
        QmpHandshakeHandler handshake = newHandshake();
        CompletableFuture<Void> running = running(from, c, handshake);
        Transports.connect(resources, endpoint, options.connectTimeout(), options.allowRemoteTcp(),
                "the QMP monitor at " + endpoint, hint(),
                ch -> Transports.initPipeline(ch, options.maxMessageSize(), handshake, c))
                .whenComplete((ch, e) -> {
                    if (e != null) {
                        handshake.result().completeExceptionally(e);
                    }
                });
        return running;
    }

    /**
     * @return completed when the handshake succeeded and the client moved to RUNNING on
     *         {@code c}; failed with the handshake's failure, or when the client was closed meanwhile
     */
    private CompletableFuture<Void> running(ConnectionState from, QmpConnection c, QmpHandshakeHandler handshake) {
        // The handshake completes on the connection's event loop, as does onClosed: so the
        // connection cannot be reported closed between the check below and the move to RUNNING.
        return handshake.result().thenApply(n -> {
            if (c.isClosed() || !transition(from, RUNNING, new Session(c, n.greeting(), n.oob()), null)) {
                c.close(new QmpConnectionException("client closed"));
                throw new CompletionException(new QmpConnectionException("client closed while connecting"));
            }
            return null;
        });
    }

    private String hint() {
        return endpoint instanceof QmpEndpoint.Unix
                ? " (is QEMU running with -qmp unix:PATH,server=on,wait=off, and is PATH right?)"
                : " (is QEMU running with -qmp tcp:HOST:PORT,server=on,wait=off?)";
    }

    // ---- the state machine ----

    /** {@link #transition(ConnectionState, ConnectionState, Session, QmpException)} to any state but RUNNING. */
    private boolean transition(ConnectionState from, ConnectionState to, QmpException cause) {
        return transition(from, to, null, cause);
    }

    /**
     * Moves from {@code from} to {@code to} if the client is in {@code from}, then does what
     * entering {@code to} means. Every state change goes through here.
     *
     * @param next the new connection, when {@code to} is RUNNING; null otherwise
     * @param cause why, when {@code to} is RECONNECTING, CLOSED or IDLE; null otherwise
     * @return false when the client was not in {@code from} (someone else moved it first)
     * @throws IllegalStateException when the move is not one of {@link #MOVES} (a bug)
     */
    private boolean transition(ConnectionState from, ConnectionState to, Session next, QmpException cause) {
        if (!MOVES.get(from).contains(to) || (to == RUNNING) != (next != null)) {
            throw new IllegalStateException("QmpClient cannot move from " + from + " to " + to + " (" + peer + ")");
        }
        synchronized (lock) {
            if (state != from) {
                return false;
            }
            if (next != null) {
                session = next;
            }
            state = to;
        }
        LOG.debug("QMP client {}: {} -> {}", peer, from, to);
        switch (to) {
            case RUNNING -> {
                Greeting g = next.greeting();
                boolean reconnect = from == RECONNECTING;
                LOG.debug("QMP client connected to {} (QEMU {}, reconnect={})", peer, g.version(), reconnect);
                notifyListener(l -> l.onConnected(this, g, reconnect));
            }
            case RECONNECTING -> {
                LOG.info("connection to {} lost ({}); reconnecting", peer, cause.getMessage());
                notifyListener(l -> l.onDisconnected(this, cause, true));
                reconnector.start();
            }
            case IDLE -> closeFuture.complete(cause); // the first connect failed
            case CLOSED -> {
                events.close(cause);
                closeFuture.complete(cause);
                if (from != CONNECTING) {
                    notifyListener(l -> l.onDisconnected(this, cause, false));
                }
            }
            default -> {
            }
        }
        return true;
    }

    private void notifyListener(Consumer<ConnectionListener> call) {
        listenerExecutor.execute(() -> {
            try {
                call.accept(connectionListener);
            } catch (RuntimeException e) {
                LOG.warn("ConnectionListener threw", e);
            }
        });
    }

    // ---- what the connections report (event loop) ----

    private final QmpConnection.Owner owner = new QmpConnection.Owner() {
        @Override
        public void onEvent(QmpEvent event) {
            events.dispatch(event);
        }

        @Override
        public void onProtocolError(QmpProtocolException problem) {
            notifyListener(l -> l.onProtocolError(DefaultQmpClient.this, problem));
        }

        @Override
        public void onClosed(QmpConnection c, QmpConnectionException cause) {
            Session s = session;
            if (s == null || s.connection() != c) {
                return; // a connection that never became current (failed handshake) or an old one
            }
            if (reconnector != null && transition(RUNNING, RECONNECTING, cause)) {
                return;
            }
            if (!transition(RUNNING, CLOSED, cause)) {
                transition(DISCONNECTING, CLOSED, cause);
            }
        }
    };

    // ---- public API ----

    @Override
    public Greeting greeting() {
        Session s = session;
        if (s == null) {
            throw new IllegalStateException("not negotiated yet");
        }
        return s.greeting();
    }

    @Override
    public boolean oobEnabled() {
        Session s = session;
        return s != null && s.oob();
    }

    @Override
    public ConnectionState state() {
        return state;
    }

    @Override
    public QmpOptions options() {
        return options;
    }

    @Override
    public CompletableFuture<JsonNode> execute(String command, Object arguments, CommandOptions commandOptions) {
        return send(command, arguments, commandOptions, null);
    }

    @Override
    public <T> CompletableFuture<T> execute(String command, Object arguments, Class<T> type) {
        Objects.requireNonNull(type, "type");
        JavaType target = Replies.type(type);
        return send(command, arguments, CommandOptions.defaults(), null)
                .thenApply(node -> Replies.convert(command, node, target));
    }

    @Override
    public CompletableFuture<JsonNode> executeWithFd(FileDescriptor fd, String command, Object arguments) {
        Objects.requireNonNull(fd, "fd");
        Session s = session;
        if (s != null && !Transports.canPassFds(s.connection().channel())) {
            throw new UnsupportedOperationException("file-descriptor passing needs a Unix socket on the native epoll "
                    + "transport; this connection is " + peer + (resources.nativeTransport() ? "" : " on NIO"));
        }
        int n = FdAccess.intValue(fd);
        // Netty never closes a FileDescriptor it writes; the caller keeps ownership of theirs.
        return send(command, arguments, CommandOptions.defaults(), new io.netty.channel.unix.FileDescriptor(n));
    }

    private CompletableFuture<JsonNode> send(String command, Object arguments, CommandOptions commandOptions,
                                             io.netty.channel.unix.FileDescriptor fd) {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(commandOptions, "options");
        if (command.isBlank()) {
            throw new IllegalArgumentException("QMP command name must not be blank");
        }
        Session s = session;
        boolean oob = commandOptions.outOfBand();
        if (oob && s != null && !s.oob()) {
            throw new IllegalStateException("QMP command '" + command + "' asks for exec-oob, but the oob capability "
                    + "was not negotiated (QEMU " + s.greeting().version()
                    + (s.greeting().offers("oob") ? " offers it; QmpOptions.enableOob is off)" : " does not offer it)"));
        }
        long id = ids.incrementAndGet();
        ByteBuf message = QmpMessages.encodeCommand(ByteBufAllocator.DEFAULT, command, id, arguments, oob);
        ConnectionState st = state;
        if (st != RUNNING || s == null) {
            message.release();
            return CompletableFuture.failedFuture(new QmpConnectionException("cannot send QMP command '" + command
                    + "': the client is " + st.name().toLowerCase(Locale.ROOT) + " (" + peer + ")"));
        }
        Duration timeout = commandOptions.timeout() != null ? commandOptions.timeout() : options.commandTimeout();
        PendingCommand p = new PendingCommand(id, command, message, fd, timeout.toNanos());
        s.connection().submit(p);
        return p.future;
    }

    @Override
    public EventSubscription subscribe(String eventName, Predicate<QmpEvent> filter, EventListener listener) {
        Objects.requireNonNull(listener, "listener");
        return events.subscribe(eventName == null ? Set.of() : Set.of(eventName), filter, listener);
    }

    @Override
    public EventSubscription subscribeAny(Collection<String> eventNames, Predicate<QmpEvent> filter,
                                          EventListener listener) {
        Objects.requireNonNull(eventNames, "eventNames");
        Objects.requireNonNull(listener, "listener");
        if (eventNames.isEmpty()) {
            throw new IllegalArgumentException("eventNames must name at least one event; "
                    + "subscribe(null, filter, listener) receives every event");
        }
        Set<String> names = new LinkedHashSet<>();
        for (String name : eventNames) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("eventNames must not contain a null or blank name: " + eventNames);
            }
            names.add(name);
        }
        return events.subscribe(Set.copyOf(names), filter, listener);
    }

    @Override
    public CompletableFuture<QmpEvent> awaitEvent(String eventName, Predicate<QmpEvent> filter, Duration timeout) {
        Objects.requireNonNull(eventName, "eventName");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        return events.await(eventName, filter, timeout);
    }

    @Override
    public QmpCommands commands() {
        return commands;
    }

    @Override
    public BlockingQmpClient blocking() {
        return blocking;
    }

    @Override
    public CompletableFuture<QmpException> closeFuture() {
        return closeFuture;
    }

    @Override
    public void close() {
        ConnectionState s;
        do {
            s = state;
            if (s == IDLE || s == DISCONNECTING || s == CLOSED) {
                return;
            }
        } while (!transition(s, DISCONNECTING, null));
        QmpConnectionException reason = new QmpConnectionException("the client was closed (QmpClient.close()) "
                + "while the command was pending (" + peer + ")");
        Session current = session;
        if (current != null && !current.connection().isClosed()) {
            QmpConnection c = current.connection();
            c.close(reason);
            if (!c.channel().eventLoop().inEventLoop()) {
                c.channel().closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
        transition(DISCONNECTING, CLOSED, reason); // unless onClosed has already done it
    }

    @Override
    public String toString() {
        Session s = session;
        return "QmpClient[" + peer + ", " + state + (s == null ? "" : ", QEMU " + s.greeting().version()) + "]";
    }

    static QmpException unwrapQmp(Throwable e) {
        RuntimeException r = Futures.unwrap(e);
        return r instanceof QmpException q ? q : new QmpConnectionException(String.valueOf(r.getMessage()), r);
    }
}
