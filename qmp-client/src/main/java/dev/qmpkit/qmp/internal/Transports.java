package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpEndpoint;
import dev.qmpkit.qmp.QmpOptions;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks channel classes and addresses for an endpoint, and builds the pipeline. */
final class Transports {
    private static final Logger LOG = LoggerFactory.getLogger(Transports.class);

    private Transports() {
    }

    /** The pipeline: JSON value framing (never by lines: QEMU may pretty-print), then the protocol handler. */
    static void initPipeline(Channel ch, QmpConnection connection, int maxMessageSize) {
        ch.pipeline().addLast("framer", new QmpFrameDecoder(maxMessageSize));
        ch.pipeline().addLast("qmp", connection);
    }

    static Bootstrap bootstrap(DefaultQmpResources resources, QmpEndpoint endpoint, QmpOptions options) {
        Bootstrap b = new Bootstrap().group(resources.group())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        options.connectTimeout().toMillis()));
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
    static SocketAddress address(DefaultQmpResources resources, QmpEndpoint endpoint, QmpOptions options) {
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
            if (!options.allowRemoteTcp()) {
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

    static void initializer(Bootstrap b, QmpConnection connection, int maxMessageSize) {
        b.handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                initPipeline(ch, connection, maxMessageSize);
            }
        });
    }
}
