package dev.kvgate.gateway.topology;

import dev.kvgate.config.ShardSettings;
import dev.kvgate.config.TopologySettings;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.resolver.HostsFileEntriesResolver;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsErrorCauseException;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import io.netty.resolver.dns.DnsServerAddressStreamProvider;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.resolver.dns.UnixResolverDnsServerAddressStreamProvider;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The shards are what a DNS name resolves to, asked again every {@code dns.interval} with Netty's
 * non-blocking resolver on an event loop of its own (no cache: every round asks the name servers).
 * A/AAAA: each address is a shard on the configured port, named "IP:port". SRV: each target is a
 * shard on its record's port, named "target:port" (resolved again at each connection, like a
 * configured host name). The list is sorted (addresses numerically, IPv4 first; SRV targets by name
 * and port), so an answer that only comes in another order is no change.
 */
final class DnsSource extends PollingSource {
    private final TopologySettings.Dns settings;
    private final EventLoop loop;
    private final DnsNameResolver resolver;

    DnsSource(TopologySettings.Dns settings, EventLoop loop, Class<? extends DatagramChannel> datagramType,
              Class<? extends SocketChannel> socketType) {
        super("DNS " + settings.record() + " " + settings.name()
                + (settings.record() == TopologySettings.RecordType.A ? " port " + settings.port() : ""),
                settings.interval(), "kvgate-topology-dns");
        this.settings = settings;
        this.loop = loop;
        DnsNameResolverBuilder builder = new DnsNameResolverBuilder(loop)
                .datagramChannelType(datagramType)
                .socketChannelType(socketType)
                .resolveCache(NoopDnsCache.INSTANCE)
                .cnameCache(NoopDnsCnameCache.INSTANCE)
                .queryTimeoutMillis(Math.max(1, settings.timeout().toMillis()))
                .resolvedAddressTypes(ResolvedAddressTypes.IPV4_PREFERRED)
                .completeOncePreferredResolved(false);
        if (settings.servers().isEmpty()) {
            builder.nameServerProvider(systemNameServers()).hostsFileEntriesResolver(HostsFileEntriesResolver.DEFAULT);
        } else {
            // Servers of our own: nothing of the system's (search domains, hosts file) in between.
            List<InetSocketAddress> servers = new ArrayList<>();
            for (ShardSettings s : settings.servers()) {
                servers.add(new InetSocketAddress(s.host(), s.port()));
            }
            builder.nameServerProvider(new SequentialDnsServerAddressStreamProvider(servers))
                    .searchDomains(List.of()).ndots(1)
                    .hostsFileEntriesResolver((name, types) -> null);
        }
        this.resolver = builder.build();
    }

    /** /etc/resolv.conf, read now, not on the loop. */
    private static DnsServerAddressStreamProvider systemNameServers() {
        try {
            return new UnixResolverDnsServerAddressStreamProvider("/etc/resolv.conf", "/etc/resolver");
        } catch (IOException | RuntimeException e) {
            return DnsServerAddressStreamProviders.platformDefault();
        }
    }

    @Override
    CompletableFuture<List<ShardSettings>> poll() {
        CompletableFuture<List<ShardSettings>> out = new CompletableFuture<>();
        loop.execute(() -> {
            if (settings.record() == TopologySettings.RecordType.A) {
                resolver.resolveAll(settings.name()).addListener((Future<List<InetAddress>> f) -> {
                    if (!f.isSuccess()) {
                        out.completeExceptionally(failure(f.cause()));
                        return;
                    }
                    List<ShardSettings> shards = new ArrayList<>();
                    for (InetAddress a : f.getNow()) {
                        shards.add(new ShardSettings(io.netty.util.NetUtil.toAddressString(a), settings.port(), settings.tls()));
                    }
                    out.complete(shards);
                });
            } else {
                resolver.resolveAll(new DefaultDnsQuestion(settings.name(), DnsRecordType.SRV))
                        .addListener((Future<List<DnsRecord>> f) -> {
                            if (!f.isSuccess()) {
                                out.completeExceptionally(failure(f.cause()));
                                return;
                            }
                            List<DnsRecord> records = f.getNow();
                            try {
                                out.complete(srv(records));
                            } catch (RuntimeException e) {
                                out.completeExceptionally(new Failure("malformed SRV record: " + e.getMessage()));
                            } finally {
                                records.forEach(ReferenceCountUtil::release);
                            }
                        });
            }
        });
        return out;
    }

    /** priority (2 bytes), weight (2), port (2), target (a possibly compressed name). */
    private List<ShardSettings> srv(List<DnsRecord> records) {
        List<ShardSettings> shards = new ArrayList<>();
        for (DnsRecord r : records) {
            if (r.type() != DnsRecordType.SRV || !(r instanceof DnsRawRecord raw)) {
                continue;
            }
            // The content is a view of the whole message, so a compression pointer in the target resolves.
            ByteBuf content = raw.content().duplicate();
            content.skipBytes(4);
            int port = content.readUnsignedShort();
            String target = DefaultDnsRecordDecoder.decodeName(content);
            if (target.endsWith(".")) {
                target = target.substring(0, target.length() - 1);
            }
            if (port == 0 || target.isEmpty()) {
                continue; // RFC 2782: target "." means the service is not offered there
            }
            shards.add(new ShardSettings(target.toLowerCase(Locale.ROOT), port, settings.tls()));
        }
        return shards;
    }

    /** Why a round failed, in words that stay the same from one round to the next for the same cause. */
    private Failure failure(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (cause instanceof DnsNameResolverTimeoutException || root instanceof DnsNameResolverTimeoutException) {
            return new Failure("resolving " + settings.name() + " timed out (" + settings.timeout().toMillis()
                    + " ms per query)");
        }
        String message = cause.getMessage() != null ? cause.getMessage().trim() : cause.toString();
        if (root instanceof DnsErrorCauseException e) {
            message += " (" + e.getCode() + ")"; // NXDOMAIN, SERVFAIL ...
        }
        return new Failure("resolving " + settings.name() + " failed: " + message);
    }

    /** Addresses numerically, IPv4 before IPv6; host names by name; then by port. */
    @Override
    List<ShardSettings> normalize(List<ShardSettings> shards) {
        List<ShardSettings> sorted = new ArrayList<>(shards);
        sorted.sort(Comparator.comparing((ShardSettings s) -> sortKey(s.host())).thenComparingInt(ShardSettings::port));
        return sorted;
    }

    private static String sortKey(String host) {
        try {
            if (host.matches("[0-9.]+") || host.indexOf(':') >= 0) {
                InetAddress a = InetAddress.getByName(host); // a literal: no lookup
                byte[] b = a.getAddress();
                StringBuilder k = new StringBuilder(a instanceof Inet4Address ? "0" : "1");
                for (byte x : b) {
                    k.append(String.format("%02x", x & 0xff));
                }
                return k.toString();
            }
        } catch (UnknownHostException e) {
            // not a literal after all
        }
        return "2" + host;
    }

    @Override
    public void close() {
        super.close();
        if (!loop.isShuttingDown()) {
            loop.execute(resolver::close);
        }
    }
}
