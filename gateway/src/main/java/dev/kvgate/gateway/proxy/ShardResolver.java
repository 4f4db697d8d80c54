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
