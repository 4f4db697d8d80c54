package dev.kvgate.gateway.server;

import dev.kvgate.gateway.log.PeerWarnings;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits on the listening channels and sees each accepted connection before it gets a pipeline:
 * over the global or per-IP limit it is closed at once (no TLS handshake, no buffers), otherwise it
 * is counted until it closes and joined to the group that graceful drain closes. Being the one place
 * that sees every connection of the server, it also hands each one the server's {@link PeerWarnings}.
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimiter.class);

    private volatile int max;
    private volatile int maxPerIp;
    private final ChannelGroup clients;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perIp = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private final PeerWarnings warnings;

    ConnectionLimiter(int max, int maxPerIp, ChannelGroup clients) {
        this(max, maxPerIp, clients, new PeerWarnings());
    }

    ConnectionLimiter(int max, int maxPerIp, ChannelGroup clients, PeerWarnings warnings) {
        this.max = max;
        this.maxPerIp = maxPerIp;
        this.clients = clients;
        this.warnings = warnings;
    }

    /** A reload's limits; connections open beyond them stay, new ones are refused until below. */
    void limits(int max, int maxPerIp) {
        this.max = max;
        this.maxPerIp = maxPerIp;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        InetAddress ip = ((InetSocketAddress) child.remoteAddress()).getAddress();
        int max = this.max;
        int maxPerIp = this.maxPerIp;
        if (total.incrementAndGet() > max) {
            total.decrementAndGet();
            refuse(child, ip, "max-connections " + max);
            return;
        }
        int[] count = new int[1];
        perIp.compute(ip, (k, n) -> {
            count[0] = n == null ? 1 : n + 1;
            return count[0] > maxPerIp ? n : count[0];
        });
        if (count[0] > maxPerIp) {
            total.decrementAndGet();
            refuse(child, ip, "max-connections-per-ip " + maxPerIp);
            return;
        }
        child.closeFuture().addListener(f -> {
            total.decrementAndGet();
            perIp.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
        });
        child.attr(PeerWarnings.KEY).set(warnings);
        clients.add(child);
        ctx.fireChannelRead(child);
    }

    private void refuse(Channel child, InetAddress ip, String limit) {
        long n = refused.incrementAndGet();
        // Per peer, so that one address hammering the limit does not hide the others being refused.
        warnings.warn(log, ip, "refusing connection from {}: {} reached ({} refused so far)", ip.getHostAddress(),
                limit, n);
        // Not registered yet: close the socket directly, as Netty's own acceptor does on failure.
        child.unsafe().closeForcibly();
    }

    int connections() {
        return total.get();
    }
}
