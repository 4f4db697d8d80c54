package dev.kvgate.gateway.proxy;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.HostsFileEntriesResolver;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.UnixResolverDnsServerAddressStreamProvider;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Resolves shard names without blocking an event loop: Netty's asynchronous DNS resolver, one per
 * event loop, asked afresh on every connection attempt (no cache), so a shard that moved to another
 * address is found on the next reconnect. The JDK's resolver, Netty's default, blocks the loop that
 * connects for as long as a lookup takes.
 *
 * <p>The files the resolver reads (/etc/hosts, /etc/resolv.conf) are read here, once, on the thread
 * that starts the gateway; nothing on a loop reads a file.
 */
final class ShardResolver {
    private ShardResolver() {
    }

    /**
     * The resolver group of a gateway's shards, made when the first shard named by a host name needs
     * it, on the thread that asks first: a gateway whose shards are all IP addresses never starts a
     * DNS resolver (about 100 classes and a tenth of a cold start's main-thread time). Callers ask
     * with {@link #forHost} on the thread that starts the gateway or applies a topology change before
     * they hand the shard to an event loop, so the resolver and the files it reads are never made on a
     * loop.
     */
    static final class Shared implements AutoCloseable {
        private final EventLoopGroup workers;
        private final Class<? extends DatagramChannel> datagramType;
        private final Class<? extends SocketChannel> socketType;
        private final Duration queryTimeout;
        private AddressResolverGroup<InetSocketAddress> group;
        private boolean closed;

        Shared(EventLoopGroup workers, Class<? extends DatagramChannel> datagramType,
               Class<? extends SocketChannel> socketType, Duration queryTimeout) {
            this.workers = workers;
            this.datagramType = datagramType;
            this.socketType = socketType;
            this.queryTimeout = queryTimeout;
        }

        /**
         * The group that resolves {@code host}, or null for an IP address, which a {@code Bootstrap}
         * without a resolver group connects to as it is.
         */
        synchronized AddressResolverGroup<InetSocketAddress> forHost(String host) {
            if (isAddress(host)) {
                return null;
            }
            if (group == null && !closed) {
                group = create(workers, datagramType, socketType, queryTimeout);
            }
            return group;
        }

        /** Whether the DNS resolver was made (a shard was named by a host name). */
        synchronized boolean started() {
            return group != null;
        }

        @Override
        public synchronized void close() {
            closed = true;
            if (group != null) {
                group.close();
            }
        }
    }

    static boolean isAddress(String host) {
        return NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host);
    }

    /**
     * A resolver group whose resolvers exist before the first connection: created here, not lazily
     * on an event loop by the first {@code connect}.
     *
     * @param queryTimeout how long one DNS query may take (kvgate.backend.connect-timeout)
     */
    static AddressResolverGroup<InetSocketAddress> create(EventLoopGroup workers,
                                                          Class<? extends DatagramChannel> datagramType,
                                                          Class<? extends SocketChannel> socketType,
                                                          Duration queryTimeout) {
        DnsNameResolverBuilder builder = new DnsNameResolverBuilder()
                .datagramChannelType(datagramType)
                .socketChannelType(socketType)
                .resolveCache(NoopDnsCache.INSTANCE)
                .cnameCache(io.netty.resolver.dns.NoopDnsCnameCache.INSTANCE)
                .queryTimeoutMillis(Math.max(1, queryTimeout.toMillis()))
                .hostsFileEntriesResolver(HostsFileEntriesResolver.DEFAULT)
                .nameServerProvider(nameServers());
        AddressResolverGroup<InetSocketAddress> group = new DnsAddressResolverGroup(builder);
        for (EventExecutor executor : workers) {
            group.getResolver((EventLoop) executor);
        }
        return group;
    }

    /**
     * The name servers of /etc/resolv.conf, read now. Netty's platform default would re-read the file
     * every few minutes on whichever event loop resolves next.
     */
    private static DnsServerAddressStreamProvider nameServers() {
        try {
            return new UnixResolverDnsServerAddressStreamProvider("/etc/resolv.conf", "/etc/resolver");
        } catch (IOException | RuntimeException e) {
            return DnsServerAddressStreamProviders.platformDefault();
        }
    }
}
