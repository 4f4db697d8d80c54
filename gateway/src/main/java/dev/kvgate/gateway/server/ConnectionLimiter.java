package dev.kvgate.gateway.server;

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
 * is counted until it closes and joined to the group that graceful drain closes.
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimiter.class);
    private static final long LOG_EVERY_NANOS = 1_000_000_000L;

    private final int max;
    private final int maxPerIp;
    private final ChannelGroup clients;
    private final AtomicInteger total = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, Integer> perIp = new ConcurrentHashMap<>();
    private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
    private final AtomicLong refused = new AtomicLong();

    ConnectionLimiter(int max, int maxPerIp, ChannelGroup clients) {
        this.max = max;
        this.maxPerIp = maxPerIp;
        this.clients = clients;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Channel child = (Channel) msg;
        InetAddress ip = ((InetSocketAddress) child.remoteAddress()).getAddress();
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
        clients.add(child);
        ctx.fireChannelRead(child);
    }

    private void refuse(Channel child, InetAddress ip, String limit) {
        long n = refused.incrementAndGet();
        long now = System.nanoTime();
        long last = lastLog.get();
        if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
            log.warn("refusing connection from {}: {} reached ({} refused so far)", ip.getHostAddress(), limit, n);
        }
        // Not registered yet: close the socket directly, as Netty's own acceptor does on failure.
        child.unsafe().closeForcibly();
    }

    int connections() {
        return total.get();
    }
}
