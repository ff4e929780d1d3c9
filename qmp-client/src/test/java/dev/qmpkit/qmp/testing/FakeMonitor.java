package dev.qmpkit.qmp.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qmpkit.qmp.QmpEndpoint;
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
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A scriptable in-process QMP server on a Unix socket, for faults real QEMU cannot produce
 * and for client-only throughput measurements. It sends a canned greeting (QEMU 10.0's by
 * default, or none), answers {@code qmp_capabilities} and any command registered with
 * {@link #on}/{@link #returns}/{@link #errors}; an unregistered command gets QEMU's
 * {@code CommandNotFound} error. Handlers run on the monitor's own I/O thread; replies
 * written while reading a batch are flushed once per batch, so it keeps up with a pipelining
 * client. Raw bytes, events and split writes can be pushed at any time.
 *
 * <pre>{@code
 * try (FakeMonitor m = FakeMonitor.start()) {
 *     m.returns("query-status", "{\"status\":\"running\",\"running\":true}");
 *     m.withhold("stop");                          // never answered (until released)
 *     QmpClient c = QmpClient.connectBlocking(m.endpoint(), QmpOptions.defaults());
 * }
 * }</pre>
 */
public final class FakeMonitor implements AutoCloseable {

    /** QEMU 10.0's greeting, offering {@code oob}. */
    public static final String GREETING_10_0 = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 2, \"minor\": 0, "
            + "\"major\": 10}, \"package\": \"Debian 1:10.0.2+ds-2+deb13u1~bpo12+1\"}, \"capabilities\": [\"oob\"]}}";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Handles one command; must call exactly one of the request's answer methods, or none to withhold. */
    @FunctionalInterface
    public interface Handler {
        /** @param request the command */
        void handle(Request request);
    }

    /** A command as received, with ways to answer it. */
    public final class Request {
        private final Channel channel;
        private final JsonNode message;

        Request(Channel channel, JsonNode message) {
            this.channel = channel;
            this.message = message;
        }

        /** @return the command name ({@code execute} or {@code exec-oob}) */
        public String name() {
            JsonNode n = message.has("execute") ? message.get("execute") : message.get("exec-oob");
            return n == null ? "" : n.asText();
        }

        /** @return whether it was sent with {@code exec-oob} */
        public boolean outOfBand() {
            return message.has("exec-oob");
        }

        /** @return the id as sent, or null */
        public JsonNode id() {
            return message.get("id");
        }

        /** @return the arguments, or null */
        public JsonNode arguments() {
            return message.get("arguments");
        }

        /** @return the whole message */
        public JsonNode message() {
            return message;
        }

        /** @param returnJson the {@code return} value as JSON text */
        public void reply(String returnJson) {
            StringBuilder sb = new StringBuilder(returnJson.length() + 40).append("{\"return\": ").append(returnJson);
            appendId(sb);
            send(channel, sb.append("}\r\n").toString(), false);
        }

        /**
         * @param errorClass QEMU's error class
         * @param desc the description
         */
        public void error(String errorClass, String desc) {
            StringBuilder sb = new StringBuilder().append("{\"error\": {\"class\": ")
                    .append(quote(errorClass)).append(", \"desc\": ").append(quote(desc)).append("}");
            appendId(sb);
            send(channel, sb.append("}\r\n").toString(), false);
        }

        /** @param reply a recorded reply object ({@code return} or {@code error}); the id is added */
        public void replyRecorded(JsonNode reply) {
            ObjectNode copy = reply.deepCopy();
            if (id() != null) {
                copy.set("id", id());
            }
            send(channel, copy.toString() + "\r\n", false);
        }

        /** Keeps the request for {@link #withheld()} and does not answer it. */
        public void withhold() {
            withheld.add(this);
        }

        private void appendId(StringBuilder sb) {
            JsonNode id = id();
            if (id != null) {
                sb.append(", \"id\": ").append(id.toString());
            }
        }
    }

    private final IoEventLoopGroup group;
    private final Path dir;
    private final Path socket;
    private final Channel server;
    private final Map<String, Handler> handlers = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Channel> connections = new CopyOnWriteArrayList<>();
    private final BlockingQueue<Channel> accepted = new LinkedBlockingQueue<>();
    private final BlockingQueue<Request> withheld = new LinkedBlockingQueue<>();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger commandCount = new AtomicInteger();
    private volatile String greeting = GREETING_10_0;
    private volatile int splitChunk;
    private volatile boolean recordCommands = true;
    private volatile JsonNode lastCapabilitiesArguments;

    private FakeMonitor() {
        try {
            dir = Files.createTempDirectory("qmpkit-fake-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
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
        returns("qmp_capabilities", "{}");
        on("qmp_capabilities", r -> {
            lastCapabilitiesArguments = r.arguments();
            r.reply("{}");
        });
        returns("query-status", "{\"status\": \"running\", \"running\": true}");
        returns("query-version", "{\"qemu\": {\"micro\": 2, \"minor\": 0, \"major\": 10}, "
                + "\"package\": \"Debian 1:10.0.2+ds-2+deb13u1~bpo12+1\"}");
    }

    /** @return a started monitor on a fresh socket in a temp directory */
    public static FakeMonitor start() {
        return new FakeMonitor();
    }

    /**
     * A monitor that answers like a recorded QEMU: the greeting and every
     * {@code qmp-replies/VERSION/NAME.json} transcript whose file name is its command's name
     * (variants such as {@code query-status-after.json} are available through {@link #transcript}).
     *
     * @param version a recorded version folder, e.g. {@code "10.0"} or {@code "7.2"}
     * @return a started monitor
     */
    public static FakeMonitor replaying(String version) {
        FakeMonitor m = start();
        try {
            m.greeting(MAPPER.readTree(resource(version, "greeting")).toString());
            for (String name : TRANSCRIPTS) {
                byte[] bytes = resourceOrNull(version, name);
                if (bytes == null || name.equals("qmp_capabilities")) {
                    continue;
                }
                JsonNode t = MAPPER.readTree(bytes);
                if (name.equals(t.path("execute").asText())) {
                    JsonNode reply = t.get("reply");
                    m.on(name, r -> r.replyRecorded(reply));
                }
            }
        } catch (IOException e) {
            m.close();
            throw new IllegalStateException("cannot read the recorded transcripts of QEMU " + version, e);
        }
        return m;
    }

    /**
     * @param version a recorded version folder, e.g. {@code "10.0"}
     * @param name a transcript file name without {@code .json}, e.g. {@code "query-status-after"}
     * @return the recorded reply object ({@code return} or {@code error})
     */
    public static JsonNode transcript(String version, String name) {
        try {
            return MAPPER.readTree(resource(version, name)).get("reply");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Commands recorded by the transcript set (see src/test/resources/qmp-replies). */
    private static final List<String> TRANSCRIPTS = List.of("qmp_capabilities", "human-monitor-command",
            "migrate-set-capabilities", "migrate", "netdev_add", "qom-get", "qom-list-properties", "qom-list",
            "query-balloon", "query-commands", "query-fdsets", "query-memdev", "query-memory-devices",
            "query-migrate-capabilities", "query-migrate-parameters", "query-migrate", "query-qmp-schema",
            "query-status", "query-version", "query-vm-generation-id", "quit", "stop");

    private static byte[] resource(String version, String name) throws IOException {
        byte[] b = resourceOrNull(version, name);
        if (b == null) {
            throw new IOException("no transcript qmp-replies/" + version + "/" + name + ".json on the classpath");
        }
        return b;
    }

    private static byte[] resourceOrNull(String version, String name) throws IOException {
        try (java.io.InputStream in = FakeMonitor.class.getResourceAsStream("/qmp-replies/" + version + "/" + name
                + ".json")) {
            return in == null ? null : in.readAllBytes();
        }
    }

    /** @return the endpoint to connect to */
    public QmpEndpoint endpoint() {
        return QmpEndpoint.unix(socket);
    }

    /** @return the socket path */
    public Path socketPath() {
        return socket;
    }

    /** @param json the greeting to send on connect, or null to send none @return this */
    public FakeMonitor greeting(String json) {
        this.greeting = json;
        return this;
    }

    /** @param bytes write everything in chunks of this many bytes, flushing each (0: whole messages) @return this */
    public FakeMonitor splitWrites(int bytes) {
        this.splitChunk = bytes;
        return this;
    }

    /** @param record whether to keep the names of received commands (off for benchmarks) @return this */
    public FakeMonitor recordCommands(boolean record) {
        this.recordCommands = record;
        return this;
    }

    /** @param command a command name @param handler how to answer it @return this */
    public FakeMonitor on(String command, Handler handler) {
        handlers.put(command, handler);
        return this;
    }

    /** @param command a command name @param returnJson its {@code return} value as JSON text @return this */
    public FakeMonitor returns(String command, String returnJson) {
        return on(command, r -> r.reply(returnJson));
    }

    /** @param command a command name @param errorClass error class @param desc description @return this */
    public FakeMonitor errors(String command, String errorClass, String desc) {
        return on(command, r -> r.error(errorClass, desc));
    }

    /** @param command a command name whose requests are kept unanswered (see {@link #withheld()}) @return this */
    public FakeMonitor withhold(String command) {
        return on(command, Request::withhold);
    }

    /** @return requests that were withheld, in arrival order; answer them later from any thread */
    public BlockingQueue<Request> withheld() {
        return withheld;
    }

    /** @return names of the commands received so far, in order (qmp_capabilities included) */
    public List<String> received() {
        return new ArrayList<>(received);
    }

    /** @return how many commands were received in total */
    public int commandCount() {
        return commandCount.get();
    }

    /** @return the arguments of the last qmp_capabilities, or null */
    public JsonNode capabilitiesArguments() {
        return lastCapabilitiesArguments;
    }

    /**
     * Waits for the next client connection.
     *
     * @param timeout how long to wait
     * @return whether a client connected
     */
    public boolean awaitConnection(Duration timeout) throws InterruptedException {
        return accepted.poll(timeout.toMillis(), TimeUnit.MILLISECONDS) != null;
    }

    /** @param text raw text to send to the latest connection, exactly as given */
    public void sendRaw(String text) {
        send(latest(), text, true);
    }

    /** @param bytes raw bytes to send to the latest connection */
    public void sendRaw(byte[] bytes) {
        Channel ch = latest();
        ch.eventLoop().execute(() -> write(ch, Unpooled.wrappedBuffer(bytes), true));
    }

    /**
     * @param name the event name
     * @param dataJson its {@code data} as JSON text, or null for none
     */
    public void sendEvent(String name, String dataJson) {
        sendRaw(eventJson(name, dataJson));
    }

    /** @param name event name @param dataJson data or null @return the event's wire text */
    public static String eventJson(String name, String dataJson) {
        long now = System.currentTimeMillis();
        return "{\"timestamp\": {\"seconds\": " + now / 1000 + ", \"microseconds\": " + (now % 1000) * 1000
                + "}, \"event\": " + quote(name) + (dataJson == null ? "" : ", \"data\": " + dataJson) + "}\r\n";
    }

    /** Closes every client connection (the server keeps listening, as QEMU would after a restart). */
    public void dropConnections() {
        for (Channel ch : connections) {
            ch.close().syncUninterruptibly();
        }
    }

    /** @return the number of open client connections */
    public int openConnections() {
        return (int) connections.stream().filter(Channel::isActive).count();
    }

    private Channel latest() {
        if (connections.isEmpty()) {
            throw new IllegalStateException("no client is connected");
        }
        return connections.get(connections.size() - 1);
    }

    private void send(Channel ch, String text, boolean flush) {
        if (ch.eventLoop().inEventLoop()) {
            write(ch, ByteBufUtil.writeUtf8(ch.alloc(), text), flush);
        } else {
            ch.eventLoop().execute(() -> write(ch, ByteBufUtil.writeUtf8(ch.alloc(), text), true));
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

    private static String quote(String s) {
        try {
            return MAPPER.writeValueAsString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private final class ServerHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            connections.add(ctx.channel());
            String g = greeting;
            if (g != null) {
                send(ctx.channel(), g + "\r\n", true);
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
                JsonNode node = MAPPER.readTree((java.io.InputStream) new ByteBufInputStream((ByteBuf) msg));
                Request r = new Request(ctx.channel(), node);
                String name = r.name();
                commandCount.incrementAndGet();
                if (recordCommands) {
                    received.add(name);
                }
                Handler h = handlers.get(name);
                if (h == null) {
                    r.error("CommandNotFound", "The command " + name + " has not been found");
                } else {
                    h.handle(r);
                }
            } catch (IOException e) {
                send(ctx.channel(), "{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error\"}}\r\n",
                        false);
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

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        for (Channel ch : connections) {
            ch.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // temp dir cleanup is best effort
        }
    }

    /** @return the bytes of a string, UTF-8 */
    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
