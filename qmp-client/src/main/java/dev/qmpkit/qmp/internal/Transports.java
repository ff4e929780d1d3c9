package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpEndpoint;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Transports: picks channel classes and addresses for an endpoint, opens client connections
 * and builds the pipeline. Nothing here is specific to QMP's handshake, so a protocol that
 * shares QMP's framing without its greeting (the guest agent's) uses it too.
 */
final class Transports {
    private static final Logger LOG = LoggerFactory.getLogger(Transports.class);

    private Transports() {
    }

    /**
     * The pipeline: JSON value framing (never by lines: QEMU may pretty-print), the handshake
     * when the protocol has one (it removes itself once done), then the protocol handler.
     *
     * @param ch the new channel
     * @param maxMessageSize the limit on one message
     * @param handshake the handshake handler, or null for a protocol without a greeting
     * @param connection the protocol handler
     */
    static void initPipeline(Channel ch, int maxMessageSize, QmpHandshakeHandler handshake, QmpConnection connection) {
        ch.pipeline().addLast("framer", new QmpFrameDecoder(maxMessageSize));
        if (handshake != null) {
            ch.pipeline().addLast("handshake", handshake);
        }
        ch.pipeline().addLast("qmp", connection);
    }

    /**
     * Opens a client connection.
     *
     * @param resources the event loop to use
     * @param endpoint where to connect
     * @param connectTimeout the limit for the transport connection
     * @param allowRemoteTcp whether TCP to a non-loopback address is allowed (then with a warning)
     * @param target what failure messages call the server, e.g. "the QMP monitor at unix:/run/vm1.sock"
     * @param hint added to a failure's message: how the server side should be started
     * @param pipeline sets up the new channel's handlers, on its event loop
     * @return completed with the connected channel, or failed with a {@link QmpConnectionException}
     *         naming the target
     */
    static CompletableFuture<Channel> connect(DefaultQmpResources resources, QmpEndpoint endpoint,
                                              Duration connectTimeout, boolean allowRemoteTcp, String target,
                                              String hint,
                                              Consumer<Channel> pipeline) {
        CompletableFuture<Channel> done = new CompletableFuture<>();
        SocketAddress address;
        try {
            address = address(resources, endpoint, allowRemoteTcp);
        } catch (QmpConnectionException e) {
            done.completeExceptionally(e);
            return done;
        }
        Bootstrap b = bootstrap(resources, endpoint, connectTimeout).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                pipeline.accept(ch);
            }
        });
        ChannelFuture cf;
        try {
            cf = b.connect(address);
        } catch (RuntimeException e) {
            done.completeExceptionally(new QmpConnectionException("cannot connect to " + target + ": "
                    + e.getMessage(), e));
            return done;
        }
        cf.addListener(f -> {
            if (f.isSuccess()) {
                done.complete(cf.channel());
            } else {
                Throwable cause = f.cause();
                done.completeExceptionally(new QmpConnectionException("cannot connect to " + target + ": "
                        + cause.getMessage() + hint, cause));
            }
        });
        return done;
    }

    static Bootstrap bootstrap(DefaultQmpResources resources, QmpEndpoint endpoint, Duration connectTimeout) {
        Bootstrap b = new Bootstrap().group(resources.group())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        connectTimeout.toMillis()));
        if (endpoint instanceof QmpEndpoint.Unix) {
            b.channel(resources.nativeTransport() ? EpollDomainSocketChannel.class : NioDomainSocketChannel.class);
        } else {
            b.channel(resources.nativeTransport() ? EpollSocketChannel.class : NioSocketChannel.class);
            b.option(ChannelOption.TCP_NODELAY, true);
        }
        return b;
    }

    /**
     * @return the socket address to connect to
     * @throws QmpConnectionException when a TCP host does not resolve or is remote without permission
     */
    private static SocketAddress address(DefaultQmpResources resources, QmpEndpoint endpoint, boolean allowRemoteTcp) {
        if (endpoint instanceof QmpEndpoint.Unix u) {
            return unixAddress(resources, u.path());
        }
        QmpEndpoint.Tcp t = (QmpEndpoint.Tcp) endpoint;
        InetAddress addr;
        try {
            addr = InetAddress.getByName(t.host());
        } catch (UnknownHostException e) {
            throw new QmpConnectionException("cannot resolve QMP host '" + t.host() + "'", e);
        }
        if (!addr.isLoopbackAddress()) {
            if (!allowRemoteTcp) {
                throw new QmpConnectionException("refusing QMP over TCP to non-loopback address " + addr.getHostAddress()
                        + " (" + endpoint + "): QMP has no authentication or encryption. Use a Unix socket, or set "
                        + "QmpOptions.builder().allowRemoteTcp(true) if the network is trusted");
            }
            LOG.warn("QMP over TCP to non-loopback address {}: the monitor is unauthenticated and unencrypted",
                    addr.getHostAddress());
        }
        return new InetSocketAddress(addr, t.port());
    }

    static SocketAddress unixAddress(DefaultQmpResources resources, Path path) {
        return resources.nativeTransport() ? new DomainSocketAddress(path.toString()) : UnixDomainSocketAddress.of(path);
    }

    static Class<? extends ServerChannel> serverChannel(DefaultQmpResources resources) {
        return resources.nativeTransport() ? EpollServerDomainSocketChannel.class : NioServerDomainSocketChannel.class;
    }

    static boolean canPassFds(Channel ch) {
        return ch instanceof EpollDomainSocketChannel;
    }
}
