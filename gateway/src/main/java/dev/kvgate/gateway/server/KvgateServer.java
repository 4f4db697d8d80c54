package dev.kvgate.gateway.server;

import dev.kvgate.config.KvgateSettings;
import dev.kvgate.config.ListenerSettings;
import dev.kvgate.config.MemorySettings;
import dev.kvgate.config.SettingsException;
import dev.kvgate.config.ShardSettings;
import dev.kvgate.engine.EngineClock;
import dev.kvgate.engine.EngineShard;
import dev.kvgate.gateway.admin.AdminServer;
import dev.kvgate.gateway.admin.AdminSources;
import dev.kvgate.gateway.auth.Authenticator;
import dev.kvgate.gateway.log.LogFormat;
import dev.kvgate.gateway.memory.MemoryBudget;
import dev.kvgate.gateway.pipeline.ClientChannelInitializer;
import dev.kvgate.gateway.pipeline.ListenerStats;
import dev.kvgate.gateway.pipeline.TlsStats;
import dev.kvgate.gateway.proxy.BackendRegistry;
import dev.kvgate.gateway.proxy.ClientSession;
import dev.kvgate.gateway.proxy.GatewayStats;
import dev.kvgate.gateway.proxy.ShardRing;
import dev.kvgate.gateway.proxy.ShardTarget;
import dev.kvgate.mcbp.RequestValidator;
import dev.kvgate.mcbp.Transport;
import dev.kvgate.routing.Node;
import dev.kvgate.routing.Placement;
import dev.kvgate.tls.ClientTls;
import dev.kvgate.tls.ReloadingServerTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.internal.PlatformDependent;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running kvgate: listeners, event loops, backend connections and embedded shards. */
public final class KvgateServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KvgateServer.class);

    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final BackendRegistry backends;
    private final List<EngineShard> engines;
    private final Map<String, Channel> listeners;
    private final GatewayStats stats;
    private final MemoryBudget budget;
    // Set once in start(), before the server is handed out.
    private ChannelGroup clients;
    private Authenticator auth;
    private java.time.Duration drainTimeout;
    // Set once in start(), before the server is handed out.
    private ReloadingServerTls tls;
    private TlsStats tlsStats;
    private ShardRing ring;
    private java.time.Duration notReadyDelay;
    /** The admin listener; {@code null} when kvgate.admin.enabled is false. */
    private AdminServer admin;
    /** Set when close() begins: /readyz answers 503 from then on. */
    private volatile boolean draining;

    private KvgateServer(EventLoopGroup acceptors, EventLoopGroup workers, BackendRegistry backends,
                         List<EngineShard> engines, Map<String, Channel> listeners, GatewayStats stats,
                         MemoryBudget budget) {
        this.acceptors = acceptors;
        this.workers = workers;
        this.backends = backends;
        this.engines = engines;
        this.listeners = listeners;
        this.stats = stats;
        this.budget = budget;
    }

    /**
     * Starts kvgate and returns once every listener is bound.
     *
     * @throws SettingsException for settings only found invalid at start (hash preset, TLS files)
     */
    public static KvgateServer start(KvgateSettings settings) throws InterruptedException {
        LogFormat.apply(settings.log().format());
        Placement preset;
        try {
            preset = Placement.parse(settings.routing().hash());
        } catch (IllegalArgumentException e) {
            throw new SettingsException("kvgate.routing.hash", e.getMessage());
        }
        List<ShardTarget> targets = new ArrayList<>();
        List<EngineShard> engines = new ArrayList<>();
        if (settings.shards().isEmpty()) {
            for (int i = 0; i < settings.embedded().shards(); i++) {
                EngineShard engine = new EngineShard("embedded-" + i, settings.embedded().memory(),
                        settings.embedded().maxItemSize(), EngineClock.system());
                engines.add(engine);
                targets.add(new ShardTarget.Embedded(engine));
            }
        } else {
            // One client context for every TLS shard: built once, it shares its session cache.
            io.netty.handler.ssl.SslContext backendTls = settings.shards().stream().anyMatch(ShardSettings::tls)
                    ? backendTls(settings) : null;
            for (int i = 0; i < settings.shards().size(); i++) {
                ShardSettings shard = settings.shards().get(i);
                targets.add(new ShardTarget.Remote(shard, shard.tls() ? backendTls : null));
            }
        }
        List<Node> nodes = targets.stream().map(t -> new Node(t.name(), t.weight())).toList();
        ShardRing ring;
        try {
            ring = new ShardRing(preset, nodes, settings.backend());
        } catch (IllegalArgumentException e) {
            throw new SettingsException("kvgate.shards", e.getMessage());
        }

        ReloadingServerTls tls = null;
        if (settings.listeners().stream().anyMatch(ListenerSettings::tls)) {
            try {
                tls = ReloadingServerTls.start(settings.tls());
            } catch (RuntimeException e) {
                throw new SettingsException("kvgate.tls", e.getMessage());
            }
        }

        RequestValidator validator;
        try {
            validator = new RequestValidator(settings.limits().passThroughOpcodes());
        } catch (IllegalArgumentException e) {
            throw new SettingsException("kvgate.limits.pass-through-opcodes", e.getMessage());
        }
        MemoryBudget budget = budget(settings.memory());
        PooledByteBufAllocatorMetric pool = PooledByteBufAllocator.DEFAULT.metric();
        log.info("buffer pool: {} direct arenas of {} KiB chunks, {} heap arenas", pool.numDirectArenas(),
                pool.chunkSize() >> 10, pool.numHeapArenas());
        final ReloadingServerTls serverTls = tls;
        TlsStats tlsStats = new TlsStats();
        Transport transport = Transport.best();
        EventLoopGroup acceptors = new MultiThreadIoEventLoopGroup(1, transport.ioHandler());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(settings.ioThreads(), transport.ioHandler());
        GatewayStats stats = new GatewayStats();
        BackendRegistry backends = null;
        Map<String, Channel> bound = new LinkedHashMap<>();
        List<ListenerStats> listenerStats = new ArrayList<>();
        KvgateServer server = null;
        AdminServer admin = null;
        ChannelGroup clients = new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE);
        Authenticator auth = new Authenticator(settings.auth());
        ConnectionLimiter limiter = new ConnectionLimiter(settings.limits().maxConnections(),
                settings.limits().maxConnectionsPerIp(), clients);
        try {
            int maxResponse = Math.max(settings.limits().maxFrame(), settings.embedded().maxItemSize()) + 4096;
            backends = BackendRegistry.start(workers, transport.socketChannel(), transport.datagramChannel(), targets, ring,
                    settings.backend(), maxResponse, budget);
            for (ListenerSettings l : settings.listeners()) {
                ListenerStats lstats = new ListenerStats(l.name());
                listenerStats.add(lstats);
                ServerBootstrap b = new ServerBootstrap()
                        .group(acceptors, workers)
                        .channel(transport.serverChannel())
                        .option(ChannelOption.SO_BACKLOG, 1024)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .handler(limiter)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        // Pooled, not 4.2's adaptive default: its retained slices are recycled, so
                        // framing a request allocates nothing (benchmarks/ FrameDecoderBenchmark).
                        .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                                new WriteBufferWaterMark(256 * 1024, 1024 * 1024))
                        .childHandler(new ClientChannelInitializer(l.tls() ? serverTls : null,
                                settings.tls().handshakeTimeout(), tlsStats, settings.limits(), backends, stats,
                                auth, validator, budget, lstats,
                                settings.log().accessLog() ? settings.log().accessSample() : 0, l.protocol()));
                Channel ch;
                try {
                    ch = b.bind(l.host(), l.port()).sync().channel();
                } catch (Exception e) {
                    throw new IllegalStateException("listener " + l.name() + ": cannot bind " + l.host() + ":"
                            + l.port() + ": " + e.getMessage(), e);
                }
                bound.put(l.name(), ch);
            }
            server = new KvgateServer(acceptors, workers, backends, engines, bound, stats, budget);
            if (settings.admin().enabled()) {
                KvgateServer s = server;
                admin = AdminServer.start(settings.admin(), new AdminSources(ClientSession.VERSION,
                        stats.startMillis(), settings, java.util.Collections.unmodifiableMap(bound),
                        List.copyOf(listenerStats), ring, !engines.isEmpty(), tlsStats, serverTls, stats,
                        () -> s.draining, budget), transport);
            }
        } catch (RuntimeException | InterruptedException e) {
            bound.values().forEach(Channel::close);
            if (backends != null) {
                backends.close();
            }
            acceptors.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            engines.forEach(EngineShard::close);
            if (serverTls != null) {
                serverTls.close();
            }
            auth.close();
            throw e;
        }
        server.clients = clients;
        server.auth = auth;
        server.drainTimeout = settings.drainTimeout();
        server.tls = serverTls;
        server.tlsStats = tlsStats;
        server.ring = ring;
        server.notReadyDelay = settings.notReadyDelay();
        server.admin = admin;
        StringBuilder where = new StringBuilder();
        for (Map.Entry<String, Channel> e : bound.entrySet()) {
            where.append(where.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                    .append(e.getValue().localAddress());
        }
        log.info("kvgate listening on {}; transport {}; {} io threads; {} {} shards: {}; placement {}{}{}", where,
                transport.name(), settings.ioThreads(), targets.size(), engines.isEmpty() ? "remote" : "embedded",
                nodes.stream().map(n -> n.weight() == 1 ? n.name() : n.name() + " (weight " + n.weight() + ")").toList(),
                preset, tls != null ? "; TLS engine " + tls.current().provider() : "",
                admin != null ? "; admin HTTP on " + admin.address() : "; admin HTTP off");
        return server;
    }

    private static io.netty.handler.ssl.SslContext backendTls(KvgateSettings settings) {
        try {
            return ClientTls.forBackend(settings.backendTls(), settings.tls().provider(), settings.tls().protocols());
        } catch (RuntimeException e) {
            throw new SettingsException("kvgate.backend-tls", e.getMessage());
        }
    }

    /** The server TLS of the TLS listeners (reloading its files); {@code null} without a TLS listener. */
    public ReloadingServerTls tls() {
        return tls;
    }

    /** Handshake counters of the TLS listeners. */
    public TlsStats tlsStats() {
        return tlsStats;
    }

    /** The bound address of a listener, by its configured name. */
    public InetSocketAddress address(String listener) {
        Channel ch = listeners.get(listener);
        if (ch == null) {
            throw new IllegalArgumentException("no listener named " + listener);
        }
        return (InetSocketAddress) ch.localAddress();
    }

    public int port(String listener) {
        return address(listener).getPort();
    }

    /**
     * The budget for large frames: configured bytes, or a share of the direct-memory limit as Netty
     * reads it (-XX:MaxDirectMemorySize, else the heap's maximum).
     */
    static MemoryBudget budget(MemorySettings m) {
        long limit = m.budget().orElse((long) (PlatformDependent.maxDirectMemory() * m.share()));
        limit = Math.max(limit, 1024 * 1024);
        MemoryBudget budget = new MemoryBudget(limit, (long) (limit * m.highWater()), (long) (limit * m.lowWater()),
                m.largeFrame());
        log.info("memory budget for large frames: {} MiB (direct-memory limit {} MiB); frames of {} KiB and more are"
                + " gathered against it", limit >> 20, PlatformDependent.maxDirectMemory() >> 20, m.largeFrame() >> 10);
        return budget;
    }

    /** What large frames in flight hold, against what they may. */
    public MemoryBudget budget() {
        return budget;
    }

    public GatewayStats stats() {
        return stats;
    }

    /** The admin listener's bound address; empty when kvgate.admin.enabled is false. */
    public java.util.Optional<InetSocketAddress> adminAddress() {
        return java.util.Optional.ofNullable(admin).map(AdminServer::address);
    }

    /** The hash ring and its shards' health. */
    public ShardRing ring() {
        return ring;
    }

    /**
     * Graceful drain: /readyz turns 503 and stays so for {@code shutdown.not-ready-delay} while the
     * listeners still accept (load balancers take kvgate out first), then stops accepting, lets the
     * requests in flight be answered for at most {@code shutdown.drain-timeout}, then closes the
     * client and backend connections, the event loops, the engines and last the admin listener.
     */
    @Override
    public void close() {
        draining = true;
        if (admin != null && !notReadyDelay.isZero()) {
            log.info("shutting down: /readyz says 503; listeners close in {}", notReadyDelay);
            try {
                Thread.sleep(notReadyDelay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        listeners.values().forEach(ch -> ch.close().awaitUninterruptibly());
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        if (stats.inFlight() > 0) {
            log.info("draining {} connections with {} requests in flight (at most {})", clients.size(),
                    stats.inFlight(), drainTimeout);
        }
        while (stats.inFlight() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (stats.inFlight() > 0) {
            log.warn("drain timeout: closing with {} requests unanswered", stats.inFlight());
        }
        // Queued on each connection's loop behind its last writes: answers go out before the close.
        clients.flush();
        clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        backends.close();
        acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        engines.forEach(EngineShard::close);
        if (tls != null) {
            tls.close();
        }
        auth.close();
        if (admin != null) {
            admin.close();
        }
        log.info("kvgate stopped");
    }
}
