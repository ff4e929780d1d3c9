package dev.qmpkit.qmp.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * Finds the process that serves a Unix socket from the kernel's record of it
 * ({@code SO_PEERCRED}: the credentials of whoever called {@code listen}). A QMP monitor
 * serves one client at a time, so this connection waits in its backlog and is never read: it
 * disturbs neither the client already connected nor QEMU.
 */
public final class PeerPid {

    private PeerPid() {
    }

    /**
     * @param socket a listening Unix socket; never null
     * @param timeout how long the connect may take; never null
     * @return the PID of the process that listens on it, or empty when the native transport
     *         (needed for {@code SO_PEERCRED}) is unavailable
     * @throws IOException when the socket cannot be connected to
     */
    public static OptionalLong of(Path socket, Duration timeout) throws IOException {
        DefaultQmpResources resources = (DefaultQmpResources) dev.qmpkit.qmp.QmpResources.shared();
        if (!resources.nativeTransport()) {
            return OptionalLong.empty();
        }
        ChannelFuture f = new Bootstrap().group(resources.group()).channel(EpollDomainSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .handler(new ChannelInboundHandlerAdapter())
                .connect(new DomainSocketAddress(socket.toString()));
        if (!f.awaitUninterruptibly(timeout.toMillis() + 1000) || !f.isSuccess()) {
            f.channel().close();
            Throwable cause = f.cause();
            throw new IOException("cannot connect to " + socket + (cause == null ? ": timed out" : ": " + cause),
                    cause);
        }
        Channel ch = f.channel();
        try {
            return OptionalLong.of(((EpollDomainSocketChannel) ch).peerCredentials().pid());
        } finally {
            ch.close().awaitUninterruptibly();
        }
    }
}
