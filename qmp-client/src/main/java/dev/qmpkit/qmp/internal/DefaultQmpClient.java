package dev.qmpkit.qmp.internal;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.BlockingQmpClient;
import dev.qmpkit.qmp.CommandOptions;
import dev.qmpkit.qmp.ConnectionListener;
import dev.qmpkit.qmp.ConnectionState;
import dev.qmpkit.qmp.EventListener;
import dev.qmpkit.qmp.EventSubscription;
import dev.qmpkit.qmp.Greeting;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpEvent;
import dev.qmpkit.qmp.QmpException;
import dev.qmpkit.qmp.QmpOptions;
import dev.qmpkit.qmp.QmpProtocolException;
import dev.qmpkit.qmp.QmpTimeoutException;
import dev.qmpkit.qmp.ReconnectPolicy;
import dev.qmpkit.qmp.command.QmpCommands;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.util.Timeout;
import java.io.FileDescriptor;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link QmpClient} implementation: connection state machine (idle, connecting, running,
 * reconnecting, disconnecting, closed), command ids, event subscriptions and the opt-in
 * reconnect. The protocol itself lives in {@link QmpConnection}, one per transport connection.
 */
public final class DefaultQmpClient implements QmpClient, QmpConnection.Owner {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultQmpClient.class);

    private final QmpEndpoint endpoint;
    private final String peer;
    private final QmpOptions options;
    private final DefaultQmpResources resources;
    private final Executor eventExecutor;
    private final SerialExecutor listenerExecutor;
    private final ConnectionListener connectionListener;
    private final boolean canReconnect;
    private final AtomicLong ids = new AtomicLong();
    private final CopyOnWriteArrayList<EventSubscriptionImpl> subscriptions = new CopyOnWriteArrayList<>();
    private final Set<CompletableFuture<QmpEvent>> awaiters = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<QmpException> closeFuture = new CompletableFuture<>();
    private final Object lock = new Object();
    private final BlockingQmpClient blocking = new BlockingQmpClient(this);

    private volatile ConnectionState state = ConnectionState.IDLE;
    private volatile QmpConnection connection;
    private volatile Greeting greeting;
    private volatile QmpCommands commands;

    private DefaultQmpClient(QmpEndpoint endpoint, String peer, QmpOptions options, DefaultQmpResources resources,
                             boolean canReconnect) {
        this.endpoint = endpoint;
        this.peer = peer;
        this.options = options;
        this.resources = resources;
        this.eventExecutor = options.eventExecutor() != null ? options.eventExecutor()
                : DefaultQmpResources.defaultEventExecutor();
        this.listenerExecutor = new SerialExecutor(eventExecutor);
        this.connectionListener = options.connectionListener();
        this.canReconnect = canReconnect;
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
        DefaultQmpClient client = new DefaultQmpClient(endpoint, endpoint.toString(), options, resources, true);
        client.state = ConnectionState.CONNECTING;
        CompletableFuture<QmpClient> result = new CompletableFuture<>();
        client.openConnection().whenComplete((c, e) -> {
            if (e != null) {
                client.state = ConnectionState.IDLE;
                client.closeFuture.complete(unwrapQmp(e));
                result.completeExceptionally(unwrapQmp(e));
            } else if (client.becomeRunning(c, false)) {
                result.complete(client);
            } else {
                result.completeExceptionally(new QmpConnectionException("client closed while connecting"));
            }
        });
        return result;
    }

    /**
     * Listen mode: wraps a connection QEMU made to our socket. Reconnecting is not possible
     * (QEMU is the one that connects), so the client closes for good when it is lost.
     */
    static DefaultQmpClient accepted(String peer, QmpOptions options, DefaultQmpResources resources) {
        DefaultQmpClient client = new DefaultQmpClient(null, peer, options, resources, false);
        client.state = ConnectionState.CONNECTING;
        return client;
    }

    QmpConnection newConnection() {
        return new QmpConnection(this, peer, resources.timer(), options.maxMessageSize(), options.enableOob(),
                options.greetingTimeout());
    }

    /** Completes an accepted connection's handshake; listen mode only. */
    CompletableFuture<QmpClient> adopt(QmpConnection c) {
        return c.handshake().handle((g, e) -> {
            if (e != null) {
                state = ConnectionState.CLOSED;
                closeFuture.complete(unwrapQmp(e));
                throw new CompletionException(unwrapQmp(e));
            }
            if (!becomeRunning(c, false)) {
                throw new CompletionException(new QmpConnectionException("client closed while connecting"));
            }
            return this;
        });
    }

    /** Opens a transport connection and completes when it is negotiated. */
    private CompletableFuture<QmpConnection> openConnection() {
        QmpConnection c = newConnection();
        CompletableFuture<QmpConnection> done = new CompletableFuture<>();
        SocketAddress address;
        try {
            address = Transports.address(resources, endpoint, options);
        } catch (QmpConnectionException e) {
            done.completeExceptionally(e);
            return done;
        }
        Bootstrap b = Transports.bootstrap(resources, endpoint, options);
        Transports.initializer(b, c, options.maxMessageSize());
        ChannelFuture cf;
        try {
            cf = b.connect(address);
        } catch (RuntimeException e) {
            done.completeExceptionally(new QmpConnectionException("cannot connect to the QMP monitor at " + endpoint
                    + ": " + e.getMessage(), e));
            return done;
        }
        cf.addListener(f -> {
            if (!f.isSuccess()) {
                Throwable cause = f.cause();
                c.handshake().completeExceptionally(new QmpConnectionException("cannot connect to the QMP monitor at "
                        + endpoint + ": " + cause.getMessage() + hint(), cause));
            }
        });
        c.handshake().whenComplete((g, e) -> {
            if (e != null) {
                done.completeExceptionally(e);
            } else {
                done.complete(c);
            }
        });
        return done;
    }

    private String hint() {
        return endpoint instanceof QmpEndpoint.Unix
                ? " (is QEMU running with -qmp unix:PATH,server=on,wait=off, and is PATH right?)"
                : " (is QEMU running with -qmp tcp:HOST:PORT,server=on,wait=off?)";
    }

    /** @return false when the client was closed meanwhile (the connection is then closed too) */
    private boolean becomeRunning(QmpConnection c, boolean reconnect) {
        Greeting g = c.greeting();
        synchronized (lock) {
            ConnectionState s = state;
            if (s == ConnectionState.DISCONNECTING || s == ConnectionState.CLOSED || c.isClosed()) {
                c.close(new QmpConnectionException("client closed"));
                return false;
            }
            greeting = g;
            connection = c;
            state = ConnectionState.RUNNING;
        }
        LOG.debug("QMP client connected to {} (QEMU {}, reconnect={})", peer, g.version(), reconnect);
        notifyListener(l -> l.onConnected(g, reconnect));
        return true;
    }

    // ---- QmpConnection.Owner (event loop) ----

    @Override
    public long nextId() {
        return ids.incrementAndGet();
    }

    @Override
    public void onEvent(QmpEvent event) {
        for (EventSubscriptionImpl s : subscriptions) {
            s.offer(event);
        }
    }

    @Override
    public void onProtocolError(QmpProtocolException problem) {
        notifyListener(l -> l.onProtocolError(problem));
    }

    @Override
    public void onClosed(QmpConnection c, QmpConnectionException cause) {
        boolean reconnect = false;
        synchronized (lock) {
            if (c != connection) {
                return; // a connection that never became current (failed handshake) or an old one
            }
            ConnectionState s = state;
            if (s == ConnectionState.RUNNING && canReconnect && options.reconnectPolicy().enabled()) {
                state = ConnectionState.RECONNECTING;
                reconnect = true;
            } else if (s != ConnectionState.CLOSED) {
                state = ConnectionState.CLOSED;
            } else {
                return;
            }
        }
        if (reconnect) {
            LOG.info("connection to {} lost ({}); reconnecting", peer, cause.getMessage());
            notifyListener(l -> l.onDisconnected(cause, true));
            scheduleReconnect(1, cause);
        } else {
            finishClose(cause);
        }
    }

    private void scheduleReconnect(int attempt, QmpException lastFailure) {
        ReconnectPolicy policy = options.reconnectPolicy();
        try {
            resources.timer().newTimeout(t -> reconnect(attempt, lastFailure),
                    Math.max(0, policy.delay().toNanos()), TimeUnit.NANOSECONDS);
        } catch (RuntimeException e) {
            giveUp(new QmpConnectionException("cannot schedule a reconnect to " + peer, e));
        }
    }

    private void reconnect(int attempt, QmpException lastFailure) {
        if (state != ConnectionState.RECONNECTING) {
            return;
        }
        notifyListener(l -> l.onReconnecting(attempt));
        openConnection().whenComplete((c, e) -> {
            if (e == null) {
                synchronized (lock) {
                    if (state != ConnectionState.RECONNECTING) {
                        c.close(new QmpConnectionException("client closed"));
                        return;
                    }
                    state = ConnectionState.CONNECTING;
                }
                becomeRunning(c, true);
                return;
            }
            QmpException failure = unwrapQmp(e);
            LOG.debug("reconnect attempt {} to {} failed: {}", attempt, peer, failure.getMessage());
            if (attempt < options.reconnectPolicy().maxAttempts()) {
                scheduleReconnect(attempt + 1, failure);
            } else {
                giveUp(new QmpConnectionException("lost the connection to " + peer + " and could not reconnect after "
                        + attempt + " attempt(s): " + failure.getMessage(), failure));
            }
        });
    }

    private void giveUp(QmpConnectionException cause) {
        synchronized (lock) {
            if (state == ConnectionState.CLOSED) {
                return;
            }
            state = ConnectionState.CLOSED;
        }
        finishClose(cause);
    }

    private void finishClose(QmpException cause) {
        for (CompletableFuture<QmpEvent> f : awaiters) {
            f.completeExceptionally(new QmpConnectionException("connection closed while waiting for an event: "
                    + cause.getMessage(), cause));
        }
        closeFuture.complete(cause);
        notifyListener(l -> l.onDisconnected(cause, false));
    }

    private void notifyListener(java.util.function.Consumer<ConnectionListener> call) {
        listenerExecutor.execute(() -> {
            try {
                call.accept(connectionListener);
            } catch (RuntimeException e) {
                LOG.warn("ConnectionListener threw", e);
            }
        });
    }

    // ---- public API ----

    @Override
    public Greeting greeting() {
        Greeting g = greeting;
        if (g == null) {
            throw new IllegalStateException("not negotiated yet");
        }
        return g;
    }

    @Override
    public boolean oobEnabled() {
        QmpConnection c = connection;
        return c != null && c.oobEnabled();
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
        QmpConnection c = connection;
        if (c != null && !Transports.canPassFds(c.channel())) {
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
        QmpConnection c = connection;
        boolean oob = commandOptions.outOfBand();
        if (oob && c != null && !c.oobEnabled()) {
            throw new IllegalStateException("QMP command '" + command + "' asks for exec-oob, but the oob capability "
                    + "was not negotiated (QEMU " + (greeting == null ? "?" : greeting.version())
                    + (greeting != null && greeting.offers("oob") ? " offers it; QmpOptions.enableOob is off)"
                    : " does not offer it)"));
        }
        long id = nextId();
        ByteBuf message = QmpMessages.encodeCommand(ByteBufAllocator.DEFAULT, command, id, arguments, oob);
        ConnectionState s = state;
        if (s != ConnectionState.RUNNING || c == null) {
            message.release();
            return CompletableFuture.failedFuture(new QmpConnectionException("cannot send QMP command '" + command
                    + "': the client is " + s.name().toLowerCase(Locale.ROOT) + " (" + peer + ")"));
        }
        Duration timeout = commandOptions.timeout() != null ? commandOptions.timeout() : options.commandTimeout();
        PendingCommand p = new PendingCommand(id, command, message, fd, timeout.toNanos());
        c.submit(p);
        return p.future;
    }

    @Override
    public EventSubscription subscribe(String eventName, Predicate<QmpEvent> filter, EventListener listener) {
        Objects.requireNonNull(listener, "listener");
        return register(eventName, filter, listener);
    }

    private EventSubscriptionImpl register(String eventName, Predicate<QmpEvent> filter, EventListener listener) {
        EventSubscriptionImpl[] self = new EventSubscriptionImpl[1];
        EventSubscriptionImpl s = new EventSubscriptionImpl(eventName, filter, listener, eventExecutor,
                options.eventQueueCapacity(), () -> subscriptions.remove(self[0]));
        self[0] = s;
        subscriptions.add(s);
        return s;
    }

    @Override
    public CompletableFuture<QmpEvent> awaitEvent(String eventName, Predicate<QmpEvent> filter, Duration timeout) {
        Objects.requireNonNull(eventName, "eventName");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        CompletableFuture<QmpEvent> f = new CompletableFuture<>();
        if (state == ConnectionState.CLOSED) {
            f.completeExceptionally(new QmpConnectionException("client is closed (" + peer + ")"));
            return f;
        }
        EventSubscriptionImpl s = register(eventName, null, event -> {
            if (f.isDone()) {
                return;
            }
            try {
                if (filter == null || filter.test(event)) {
                    f.complete(event);
                }
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        awaiters.add(f);
        Timeout t = resources.timer().newTimeout(x -> f.completeExceptionally(new QmpTimeoutException(
                "no " + eventName + " event from " + peer + " within " + timeout, timeout)),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
        f.whenComplete((ev, e) -> {
            s.close();
            t.cancel();
            awaiters.remove(f);
        });
        if (state == ConnectionState.CLOSED) {
            f.completeExceptionally(new QmpConnectionException("client is closed (" + peer + ")"));
        }
        return f;
    }

    @Override
    public QmpCommands commands() {
        QmpCommands c = commands;
        if (c == null) {
            synchronized (lock) {
                c = commands;
                if (c == null) {
                    c = new QmpCommands(this);
                    commands = c;
                }
            }
        }
        return c;
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
        QmpConnection c;
        synchronized (lock) {
            ConnectionState s = state;
            if (s == ConnectionState.CLOSED || s == ConnectionState.DISCONNECTING) {
                return;
            }
            state = ConnectionState.DISCONNECTING;
            c = connection;
        }
        QmpConnectionException reason = new QmpConnectionException("the client was closed (QmpClient.close()) "
                + "while the command was pending (" + peer + ")");
        if (c != null && !c.isClosed()) {
            c.close(reason);
            if (!c.channel().eventLoop().inEventLoop()) {
                c.channel().closeFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
        synchronized (lock) {
            if (state == ConnectionState.CLOSED) {
                return; // onClosed finished the job
            }
            state = ConnectionState.CLOSED;
        }
        finishClose(reason);
    }

    @Override
    public String toString() {
        Greeting g = greeting;
        return "QmpClient[" + peer + ", " + state + (g == null ? "" : ", QEMU " + g.version()) + "]";
    }

    private static QmpException unwrapQmp(Throwable e) {
        RuntimeException r = dev.qmpkit.qmp.Futures.unwrap(e);
        return r instanceof QmpException q ? q : new QmpConnectionException(String.valueOf(r.getMessage()), r);
    }
}
