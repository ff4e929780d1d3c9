package dev.qmpkit.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.json.JsonObjectDecoder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A scriptable QMP monitor in the test's own process, on a Unix socket: the QEMU side of a
 * conversation, for tests of code that talks QMP, and for the faults real QEMU cannot be made
 * to produce on demand (in the spirit of OkHttp's {@code MockWebServer}).
 *
 * <p>On each connection it sends a greeting (QEMU 10.0's unless told otherwise, or none), then
 * answers every command: first from the replies {@link #enqueue queued} for that command name,
 * one each, in order; then with the command's {@link #on handler}; else with QEMU's
 * {@code CommandNotFound} error. Out of the box it answers {@code qmp_capabilities},
 * {@code query-status} (running) and {@code query-version} (10.0.2). Every command received is
 * kept for inspection ({@link #takeCommand}, {@link #received()}). Events and raw bytes can be
 * pushed at any time, and {@link Reply} scripts the faults: no reply, malformed JSON, a frame
 * split at odd places, a delay, events before the reply, a disconnect.
 *
 * <pre>{@code
 * try (FakeMonitor monitor = FakeMonitor.replaying(RecordedQemu.QEMU_7_2);
 *      QmpClient client = QmpClient.connectBlocking(QmpEndpoint.unix(monitor.socketPath()), QmpOptions.defaults())) {
 *     monitor.enqueue("stop", Reply.none().thenDisconnect());   // QEMU dies mid-command
 *     ...
 * }
 * }</pre>
 *
 * <p>Handlers run on the monitor's own I/O thread, one command at a time; replies written while
 * a batch of commands is read are flushed once per batch, so it keeps up with a pipelining
 * client. It serves any number of connections (the latest one receives {@link #sendRaw} and
 * {@link #sendEvent}). It needs Linux: it uses the native epoll transport when its library is
 * on the class path (qmp-client brings it), and Java's own Unix sockets otherwise.
 * Thread-safe; {@link #close()} stops it and deletes its socket.
 */
public final class FakeMonitor implements AutoCloseable {

    /** QEMU 10.0.2's greeting (Debian's package), offering {@code oob}; the default. */
    public static final String GREETING_10_0 = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 2, \"minor\": 0, "
            + "\"major\": 10}, \"package\": \"Debian 1:10.0.2+ds-2+deb13u1~bpo12+1\"}, \"capabilities\": [\"oob\"]}}";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String PARSE_ERROR = "{\"error\": {\"class\": \"GenericError\", \"desc\": "
            + "\"JSON parse error\"}}\r\n";

    /** Answers one command; see {@link ReceivedCommand} for the ways to answer. */
    @FunctionalInterface
    public interface Handler {
        /**
         * Called on the monitor's I/O thread for each command of the name it was registered for.
         * Answer once (reply, error, respond), or not at all ({@link ReceivedCommand#withhold()}
         * keeps it for later). Keep it quick: other commands wait.
         *
         * @param command the command; never null
         */
        void handle(ReceivedCommand command);
    }

    private final IoEventLoopGroup group;
    private final Path dir;
    private final Path socket;
    private final Channel server;
    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
    private final Map<String, Queue<Reply>> queued = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Channel> connections = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();
    private final BlockingQueue<ReceivedCommand> withheld = new LinkedBlockingQueue<>();
    private final BlockingQueue<ReceivedCommand> unread = new LinkedBlockingQueue<>();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger commandCount = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile String greeting = GREETING_10_0;
    private volatile int splitChunk;
    private volatile boolean recordCommands = true;
    private volatile JsonNode lastCapabilitiesArguments;

    private FakeMonitor() {
        try {
            dir = Files.createTempDirectory("qmpkit-fake-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder for the fake monitor's socket", e);
        }
        socket = dir.resolve("qmp.sock");
        boolean epoll = Epoll.isAvailable();
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("fake-monitor", true),
                epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Class<? extends ServerChannel> cls = epoll ? EpollServerDomainSocketChannel.class
                : NioServerDomainSocketChannel.class;
        SocketAddress addr = epoll ? new DomainSocketAddress(socket.toString()) : UnixDomainSocketAddress.of(socket);
        server = new ServerBootstrap().group(group).channel(cls).childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new JsonObjectDecoder(Integer.MAX_VALUE), new ServerHandler());
            }
        }).bind(addr).syncUninterruptibly().channel();
        on("qmp_capabilities", c -> {
            lastCapabilitiesArguments = c.arguments();
            c.reply("{}");
        });
        returns("query-status", "{\"status\": \"running\", \"running\": true}");
        returns("query-version", "{\"qemu\": {\"micro\": 2, \"minor\": 0, \"major\": 10}, "
                + "\"package\": \"Debian 1:10.0.2+ds-2+deb13u1~bpo12+1\"}");
    }

    /**
     * Starts a monitor on a fresh socket in a new temporary folder, with QEMU 10.0's greeting.
     *
     * @return the listening monitor; close it
     */
    public static FakeMonitor start() {
        return new FakeMonitor();
    }

    /**
     * Starts a monitor that answers like a recorded QEMU: its greeting, and for each command
     * recorded (see {@link RecordedQemu#recordings()}) the recorded reply: the recording named
     * after the command, else its first one (so {@code device_del} answers
     * {@code DeviceNotFound}). Other recordings of a command (such as {@code query-status-after})
     * are a {@link RecordedQemu#reply} away; handlers and queued replies added later take
     * precedence.
     *
     * @param qemu the recorded QEMU; never null
     * @return the listening monitor; close it
     * @throws UncheckedIOException when the recordings cannot be read from the class path
     */
    public static FakeMonitor replaying(RecordedQemu qemu) {
        Objects.requireNonNull(qemu, "qemu");
        FakeMonitor m = start();
        try {
            m.greeting(qemu.greeting());
            Map<String, String> chosen = new HashMap<>();
            for (String name : qemu.recordings()) {
                String command = qemu.command(name);
                if (name.equals(command) || !chosen.containsKey(command)) {
                    chosen.put(command, name);
                }
            }
            chosen.remove("qmp_capabilities"); // answered by the monitor, which records its arguments
            chosen.forEach((command, name) -> m.on(command, Reply.recorded(qemu.reply(name))));
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /** @return the socket the monitor listens on, e.g. for {@code QmpEndpoint.unix(path)}; never null */
    public Path socketPath() {
        return socket;
    }

    /**
     * @param json the greeting sent to each new connection, as JSON text without line end, or
     *             null to send none (a client waiting for it then times out)
     * @return this
     */
    public FakeMonitor greeting(String json) {
        this.greeting = json;
        return this;
    }

    /**
     * Splits everything the monitor writes from now on (greeting, replies, events, raw bytes)
     * into pieces of this many bytes, each flushed on its own.
     *
     * @param bytes the piece size, or 0 to write whole messages (the default)
     * @return this
     * @throws IllegalArgumentException when {@code bytes} is negative
     */
    public FakeMonitor splitWrites(int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be 0 or positive, got " + bytes);
        }
        this.splitChunk = bytes;
        return this;
    }

    /**
     * @param record whether to keep the commands received, for {@link #received()} and
     *               {@link #takeCommand} (default true; turn it off for long benchmarks, whose
     *               millions of commands would fill memory)
     * @return this
     */
    public FakeMonitor recordCommands(boolean record) {
        this.recordCommands = record;
        return this;
    }

    /**
     * Sets how every command of this name is answered (when no queued reply is left for it),
     * replacing any handler it had.
     *
     * @param command a command name; never null
     * @param handler how to answer it; never null
     * @return this
     */
    public FakeMonitor on(String command, Handler handler) {
        handlers.put(Objects.requireNonNull(command, "command"), Objects.requireNonNull(handler, "handler"));
        return this;
    }

    /**
     * Answers every command of this name with the same scripted reply (when no queued reply is
     * left for it).
     *
     * @param command a command name; never null
     * @param reply the reply or fault for each; never null
     * @return this
     */
    public FakeMonitor on(String command, Reply reply) {
        Objects.requireNonNull(reply, "reply");
        return on(command, c -> c.respond(reply));
    }

    /**
     * @param command a command name; never null
     * @param returnJson its {@code return} value as JSON text; never null
     * @return this
     */
    public FakeMonitor returns(String command, String returnJson) {
        Objects.requireNonNull(returnJson, "returnJson");
        return on(command, c -> c.reply(returnJson));
    }

    /**
     * @param command a command name; never null
     * @param errorClass QEMU's error class, e.g. {@code "GenericError"}; never null
     * @param desc the description; never null
     * @return this
     */
    public FakeMonitor errors(String command, String errorClass, String desc) {
        return on(command, Reply.error(errorClass, desc));
    }

    /**
     * @param command a command name whose commands are kept unanswered in {@link #withheld()}
     *                (QEMU stopped, or busy), to be answered later or never; never null
     * @return this
     */
    public FakeMonitor withhold(String command) {
        return on(command, ReceivedCommand::withhold);
    }

    /**
     * Queues one-shot replies for the next commands of this name, in order; each is used once,
     * before the command's handler, which answers the commands after them.
     *
     * @param command a command name; never null
     * @param replies the replies or faults, in order; none null
     * @return this
     */
    public FakeMonitor enqueue(String command, Reply... replies) {
        Objects.requireNonNull(command, "command");
        Queue<Reply> q = queued.computeIfAbsent(command, k -> new ConcurrentLinkedQueue<>());
        for (Reply r : replies) {
            q.add(Objects.requireNonNull(r, "a queued reply is null"));
        }
        return this;
    }

    /** @return the commands withheld so far and not taken yet, in arrival order; take them to answer them */
    public BlockingQueue<ReceivedCommand> withheld() {
        return withheld;
    }

    /**
     * Takes the oldest command received and not taken yet ({@code qmp_capabilities} included),
     * waiting for one.
     *
     * @param timeout how long to wait; never null
     * @return the command, or null when none arrived in time
     * @throws InterruptedException when interrupted while waiting
     */
    public ReceivedCommand takeCommand(Duration timeout) throws InterruptedException {
        return unread.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** @return the names of every command received so far, in order, {@code qmp_capabilities} included; a copy */
    public List<String> received() {
        return new ArrayList<>(received);
    }

    /** @return how many commands were received in total (counted even when not recorded) */
    public int commandCount() {
        return commandCount.get();
    }

    /** @return the arguments of the latest {@code qmp_capabilities}, or null (none received, or without arguments) */
    public JsonNode capabilitiesArguments() {
        return lastCapabilitiesArguments;
    }

    /**
     * Waits for the next client connection (each is counted once).
     *
     * @param timeout how long to wait; never null
     * @return whether a client connected in time
     * @throws InterruptedException when interrupted while waiting
     */
    public boolean awaitConnection(Duration timeout) throws InterruptedException {
        return accepted.poll(timeout.toNanos(), TimeUnit.NANOSECONDS) != null;
    }

    /**
     * Sends text to the latest connection exactly as given: a reply the client did not ask for,
     * malformed JSON, half a message.
     *
     * @param text the text, UTF-8; never null
     * @throws IllegalStateException when no client is connected
     */
    public void sendRaw(String text) {
        send(latest(), text);
    }

    /**
     * Sends bytes to the latest connection exactly as given (invalid UTF-8 included).
     *
     * @param bytes the bytes; never null
     * @throws IllegalStateException when no client is connected
     */
    public void sendRaw(byte[] bytes) {
        Channel ch = latest();
        ByteBuf buf = Unpooled.copiedBuffer(bytes);
        ch.eventLoop().execute(() -> write(ch, buf, true));
    }

    /**
     * Sends an event to the latest connection, with the current time as its timestamp.
     *
     * @param name the event name, e.g. {@code "STOP"}; never null
     * @param dataJson its {@code data} member as JSON text, or null for none
     * @throws IllegalStateException when no client is connected
     */
    public void sendEvent(String name, String dataJson) {
        sendRaw(eventJson(name, dataJson));
    }

    /**
     * @param name the event name; never null
     * @param dataJson its {@code data} member as JSON text, or null for none
     * @return the event's wire text as QEMU writes it (current time, {@code "\r\n"} at the end)
     */
    public static String eventJson(String name, String dataJson) {
        long now = System.currentTimeMillis();
        return "{\"timestamp\": {\"seconds\": " + now / 1000 + ", \"microseconds\": " + (now % 1000) * 1000
                + "}, \"event\": " + quote(name) + (dataJson == null ? "" : ", \"data\": " + dataJson) + "}\r\n";
    }

    /**
     * Closes every client connection, waiting until they are closed; the monitor keeps
     * listening, as QEMU's socket does for the next client.
     */
    public void dropConnections() {
        for (Channel ch : connections) {
            ch.close().syncUninterruptibly();
        }
    }

    /** @return the number of open client connections */
    public int openConnections() {
        return (int) connections.stream().filter(Channel::isActive).count();
    }

    /** Stops listening, closes every connection and deletes the socket and its folder. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.close().syncUninterruptibly();
        for (Channel ch : connections) {
            ch.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // the folder is gone already, or a temp file stays behind: nothing a test can act on
        }
    }

    @Override
    public String toString() {
        return "FakeMonitor[" + socket + ", " + openConnections() + " connection(s), " + commandCount()
                + " command(s)]";
    }

    // ---- sending

    /** Sends a scripted reply on a connection, with its delay, events, splits and disconnect. */
    void respond(Channel ch, JsonNode id, Reply reply) {
        Duration delay = reply.delay();
        if (delay.isZero()) {
            run(ch, () -> sendNow(ch, id, reply));
        } else {
            ch.eventLoop().schedule(() -> sendNow(ch, id, reply), delay.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void sendNow(Channel ch, JsonNode id, Reply reply) {
        for (String event : reply.eventsBefore()) {
            write(ch, ByteBufUtil.writeUtf8(ch.alloc(), event), false);
        }
        String text = reply.wireText(id);
        int[] splits = reply.splits();
        if (text != null && splits.length > 0) {
            ch.flush();
            writePieces(ch, text.getBytes(StandardCharsets.UTF_8), splits, 0, 0, reply.disconnect());
            return;
        }
        if (text != null) {
            write(ch, ByteBufUtil.writeUtf8(ch.alloc(), text), false);
        }
        ch.flush();
        if (reply.disconnect()) {
            ch.close();
        }
    }

    /** Writes the piece that starts at {@code from}, then schedules the next a millisecond later. */
    private void writePieces(Channel ch, byte[] bytes, int[] splits, int next, int from, boolean disconnect) {
        int to = next < splits.length ? Math.min(splits[next], bytes.length) : bytes.length;
        ch.writeAndFlush(Unpooled.wrappedBuffer(bytes, from, to - from), ch.voidPromise());
        if (to >= bytes.length) {
            if (disconnect) {
                ch.close();
            }
            return;
        }
        ch.eventLoop().schedule(() -> writePieces(ch, bytes, splits, next + 1, to, disconnect), 1,
                TimeUnit.MILLISECONDS);
    }

    /** Sends text; on the I/O thread it joins the batch flushed after the read, elsewhere it is flushed at once. */
    void send(Channel ch, String text) {
        if (ch.eventLoop().inEventLoop()) {
            write(ch, ByteBufUtil.writeUtf8(ch.alloc(), text), false);
        } else {
            ch.eventLoop().execute(() -> write(ch, ByteBufUtil.writeUtf8(ch.alloc(), text), true));
        }
    }

    private static void run(Channel ch, Runnable task) {
        if (ch.eventLoop().inEventLoop()) {
            task.run();
        } else {
            ch.eventLoop().execute(task);
        }
    }

    private void write(Channel ch, ByteBuf buf, boolean flush) {
        int chunk = splitChunk;
        if (chunk <= 0) {
            if (flush) {
                ch.writeAndFlush(buf, ch.voidPromise());
            } else {
                ch.write(buf, ch.voidPromise());
            }
            return;
        }
        while (buf.isReadable()) {
            ch.writeAndFlush(buf.readRetainedSlice(Math.min(chunk, buf.readableBytes())), ch.voidPromise());
        }
        buf.release();
    }

    private Channel latest() {
        if (connections.isEmpty()) {
            throw new IllegalStateException("no client is connected to the fake monitor at " + socket);
        }
        return connections.get(connections.size() - 1);
    }

    private static String quote(String s) {
        try {
            return MAPPER.writeValueAsString(Objects.requireNonNull(s, "name"));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    // ---- receiving

    private void dispatch(ReceivedCommand c) {
        String name = c.name();
        commandCount.incrementAndGet();
        if (recordCommands) {
            received.add(name);
            unread.add(c);
        }
        Queue<Reply> q = queued.get(name);
        Reply next = q == null ? null : q.poll();
        if (next != null) {
            c.respond(next);
            return;
        }
        Handler h = handlers.get(name);
        if (h == null) {
            c.error("CommandNotFound", "The command " + name + " has not been found");
        } else {
            h.handle(c);
        }
    }

    private final class ServerHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connections.add(ctx.channel());
            String g = greeting;
            if (g != null) {
                write(ctx.channel(), ByteBufUtil.writeUtf8(ctx.alloc(), g + "\r\n"), true);
            }
            accepted.add(ctx.channel());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            connections.remove(ctx.channel());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                JsonNode node = MAPPER.readTree((InputStream) new ByteBufInputStream((ByteBuf) msg));
                dispatch(new ReceivedCommand(FakeMonitor.this, ctx.channel(), node));
            } catch (IOException e) {
                // QEMU answers a message it cannot parse with an error that has no id.
                send(ctx.channel(), PARSE_ERROR);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
