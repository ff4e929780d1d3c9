package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpResources;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.util.Timer;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The part of the QMP core that the guest agent client ({@code dev.qmpkit.qmp.agent.internal})
 * builds on: the shared event loops, Unix socket channels, and JSON framing in the agent's mode
 * (0xFF sentinels). One door into this package, so the agent needs nothing else of it.
 */
public final class AgentChannels {
    /** What the framer passes on for each 0xFF sentinel byte the agent sends. */
    public static final Object SENTINEL = QmpFrameDecoder.SENTINEL;

    private static final String FRAMER = "framer";

    private AgentChannels() {
    }

    /**
     * @param resources the option value, or null for {@link QmpResources#shared()}
     * @return one event loop of those resources, to own a client's state
     * @throws IllegalArgumentException when the resources are not the SDK's
     * @throws IllegalStateException when they are closed
     */
    public static EventLoop nextLoop(QmpResources resources) {
        return DefaultQmpResources.of(resources).group().next();
    }

    /**
     * @param resources the option value, or null for {@link QmpResources#shared()}
     * @return the resources' timer for timeouts (O(1) to schedule and cancel, off the event loop)
     */
    public static Timer timer(QmpResources resources) {
        return DefaultQmpResources.of(resources).timer();
    }

    /**
     * Connects to a Unix socket on {@code loop}; the pipeline is the sentinel-aware framer, then
     * {@code handler}.
     *
     * @param loop the event loop the channel will use; never null
     * @param resources the resources {@code loop} belongs to, or null for the shared ones
     * @param socket the socket path; never null
     * @param connectTimeout how long the connect may take; never null
     * @param maxMessageSize the limit on one message, in bytes
     * @param handler the protocol handler; never null
     * @return the connect future
     */
    public static ChannelFuture connectUnix(EventLoop loop, QmpResources resources, Path socket,
                                            Duration connectTimeout, int maxMessageSize, ChannelHandler handler) {
        DefaultQmpResources r = DefaultQmpResources.of(resources);
        Bootstrap b = Transports.bootstrap(r, QmpEndpoint.unix(socket), connectTimeout).clone(loop)
                // File chunks arrive as megabytes of base64: read up to 1 MiB at a time, so the agent,
                // which spins while its socket is full, is drained fast.
                .option(ChannelOption.RCVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(64, 2048, 1 << 20));
        b.handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(FRAMER, sentinelFramer(maxMessageSize));
                ch.pipeline().addLast("agent", handler);
            }
        });
        return b.connect(Transports.unixAddress(r, socket));
    }

    /**
     * @param maxMessageSize the limit on one message, in bytes
     * @return a new framer in the agent's mode (for a pipeline built elsewhere, e.g. a test's)
     */
    public static ChannelHandler sentinelFramer(int maxMessageSize) {
        return new QmpFrameDecoder(maxMessageSize, true);
    }

    /**
     * Makes the channel's framer drop everything up to the next 0xFF. Event loop only.
     *
     * @param channel a channel whose pipeline has a {@link #sentinelFramer}; never null
     */
    public static void discardUntilSentinel(Channel channel) {
        QmpFrameDecoder d = channel.pipeline().get(QmpFrameDecoder.class);
        if (d == null) {
            throw new IllegalStateException("no framer in the pipeline of " + channel);
        }
        d.discardUntilSentinel();
    }
}
