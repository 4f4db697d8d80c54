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
import dev.kvgate.gateway.log.LogLevel;
import dev.kvgate.gateway.topology.TopologyManager;
import dev.kvgate.config.LogSettings;
import dev.kvgate.config.Settings;
import dev.kvgate.config.TopologySettings;
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
    private volatile java.time.Duration drainTimeout;
    // Set once in start(), before the server is handed out.
    private ReloadingServerTls tls;
    private TlsStats tlsStats;
    private ShardRing ring;
    private volatile java.time.Duration notReadyDelay;
    /** Follows kvgate.topology; null with embedded shards. */
    private TopologyManager topology;
    private List<ClientChannelInitializer> initializers;
    private ConnectionLimiter limiter;
    /** The settings in force (those that need a restart keep their start values) and what they were read from. */
    private KvgateSettings settings;
    private com.typesafe.config.Config config;
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
        return start(settings, null);
    }

    /**
     * Starts kvgate from settings and the configuration they were read from, so that a later
     * {@link #reload} can say which settings changed.
     */
    public static KvgateServer start(Settings.Loaded loaded) throws InterruptedException {
        return start(loaded.settings(), loaded.config());
    }

    private static KvgateServer start(KvgateSettings settings, com.typesafe.config.Config config)
            throws InterruptedException {
        LogFormat.apply(settings.log().format());
        LogLevel.apply(settings.log().level());
        Transport transport = Transport.best();
        Placement preset;
        try {
            preset = Placement.parse(settings.routing().hash());
        } catch (IllegalArgumentException e) {
            throw new SettingsException("kvgate.routing.hash", e.getMessage());
        }
        List<ShardTarget> targets = new ArrayList<>();
        List<EngineShard> engines = new ArrayList<>();
        TopologyManager topology = null;
        java.util.function.Supplier<io.netty.handler.ssl.SslContext> backendTls =
                BackendRegistry.memoize(() -> backendTls(settings));
        if (embedded(settings)) {
            for (int i = 0; i < settings.embedded().shards(); i++) {
                EngineShard engine = new EngineShard("embedded-" + i, settings.embedded().memory(),
                        settings.embedded().maxItemSize(), EngineClock.system());
                engines.add(engine);
                targets.add(new ShardTarget.Embedded(engine));
            }
        } else {
            topology = new TopologyManager(settings.topology(), settings.shards(), new TopologyManager.Transport(
                    transport.ioHandler(), transport.datagramChannel(), transport.socketChannel()));
            List<ShardSettings> initial;
            try {
                initial = topology.first();
            } catch (RuntimeException | InterruptedException e) {
                topology.close();
                throw e;
            }
            // One client context for every TLS shard: built once, it shares its session cache.
            io.netty.handler.ssl.SslContext ssl = initial.stream().anyMatch(ShardSettings::tls) ? backendTls.get() : null;
            for (ShardSettings shard : initial) {
                targets.add(new ShardTarget.Remote(shard, shard.tls() ? ssl : null));
            }
        }
        List<Node> nodes = targets.stream().map(t -> new Node(t.name(), t.weight())).toList();
        ShardRing ring;
        try {
            ring = new ShardRing(preset, nodes, settings.backend());
        } catch (IllegalArgumentException e) {
            if (topology != null) {
                topology.close();
            }
            if (settings.topology().source() == TopologySettings.Source.STATIC) {
                throw new SettingsException("kvgate.shards", e.getMessage());
            }
            throw new IllegalStateException("topology from " + topology.describe() + ": " + e.getMessage());
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
        // The pool's first chunk per arena is part of an idle gateway; what it grows beyond that under
        // load shares the direct-memory limit with large frames.
        long firstChunks = (long) pool.numDirectArenas() * pool.chunkSize();
        budget.alsoCount(() -> pool.usedDirectMemory() - firstChunks);
        log.info("buffer pool: {} direct arenas of {} KiB chunks, {} heap arenas", pool.numDirectArenas(),
                pool.chunkSize() >> 10, pool.numHeapArenas());
        final ReloadingServerTls serverTls = tls;
        TlsStats tlsStats = new TlsStats();
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
        List<ClientChannelInitializer> initializers = new ArrayList<>();
        try {
            int maxResponse = Math.max(settings.limits().maxFrame(), settings.embedded().maxItemSize()) + 4096;
            backends = BackendRegistry.start(workers, transport.socketChannel(), transport.datagramChannel(), targets, ring,
                    settings.backend(), maxResponse, budget, backendTls);
            if (topology != null) {
                topology.attach(backends, preset);
            }
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
                        .childHandler(initializer(initializers, new ClientChannelInitializer(l.tls() ? serverTls : null,
                                settings.tls().handshakeTimeout(), tlsStats, settings.limits(), backends, stats,
                                auth, validator, budget, lstats,
                                settings.log().accessLog() ? settings.log().accessSample() : 0, l.protocol())));
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
                        () -> s.draining, budget, topology), transport);
            }
        } catch (RuntimeException | InterruptedException e) {
            if (topology != null) {
                topology.close();
            }
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
        server.topology = topology;
        server.initializers = List.copyOf(initializers);
        server.limiter = limiter;
        server.settings = settings;
        server.config = config;
        StringBuilder where = new StringBuilder();
        for (Map.Entry<String, Channel> e : bound.entrySet()) {
            where.append(where.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                    .append(e.getValue().localAddress());
        }
        log.info("kvgate listening on {}; transport {}; {} io threads; {} {} shards{}: {}; placement {}{}{}", where,
                transport.name(), settings.ioThreads(), targets.size(), engines.isEmpty() ? "remote" : "embedded",
                topology != null && settings.topology().source() != TopologySettings.Source.STATIC
                        ? " from " + topology.describe() : "",
                nodes.stream().map(n -> n.weight() == 1 ? n.name() : n.name() + " (weight " + n.weight() + ")").toList(),
                preset, tls != null ? "; TLS engine " + tls.current().provider() : "",
                admin != null ? "; admin HTTP on " + admin.address() : "; admin HTTP off");
        return server;
    }

    private static ClientChannelInitializer initializer(List<ClientChannelInitializer> all, ClientChannelInitializer i) {
        all.add(i);
        return i;
    }

    /** Embedded engine shards: no remote shard configured and none to come from a topology source. */
    private static boolean embedded(KvgateSettings settings) {
        return settings.shards().isEmpty() && settings.topology().source() == TopologySettings.Source.STATIC;
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
    /** The topology in force: the remote shards in placement order (empty with embedded shards). */
    public List<ShardSettings> shards() {
        return backends.remoteShards();
    }

    /** Topology changes applied since start (0 with embedded shards). */
    public long topologyChanges() {
        return topology != null ? topology.changes() : 0;
    }

    /** Shards that left the topology and still finish requests in flight on some event loop. */
    public int drainingShards() {
        return backends.draining();
    }

    /** The settings in force: the start values of those that need a restart, the last reload's of the others. */
    public synchronized KvgateSettings settings() {
        return settings;
    }

    /**
     * Applies what can change live from {@code next}, or nothing: an invalid configuration (which
     * includes what only the start would otherwise find wrong: the placement over the shards, TLS
     * files that do not load) throws before anything changed, with the error the start gives. Logs
     * one line per changed setting, and one per changed setting that needs a restart (its running
     * value stays).
     *
     * @param trigger what asked for the reload ("SIGHUP", "file changed"), for the log
     * @return the settings that changed
     * @throws SettingsException the configuration is invalid; the running one stays
     */
    public synchronized List<String> reload(Settings.Loaded next, String trigger) {
        KvgateSettings cur = settings;
        KvgateSettings n = next.settings();
        List<ConfigDiff.Change> changes = config != null ? ConfigDiff.between(config, next.config()) : List.of();

        // Everything that can fail, before anything changes.
        Placement placement;
        try {
            placement = Placement.parse(n.routing().hash());
        } catch (IllegalArgumentException e) {
            throw new SettingsException("kvgate.routing.hash", e.getMessage());
        }
        boolean embeddedNow = !engines.isEmpty();
        boolean topologyLive = embeddedNow == embedded(n);
        if (topologyLive && !embeddedNow && n.topology().source() == TopologySettings.Source.STATIC) {
            try {
                placement.locator(n.shards().stream().map(s -> new Node(s.ringName(), s.weight())).toList());
            } catch (IllegalArgumentException e) {
                throw new SettingsException("kvgate.shards", e.getMessage());
            }
        }
        if (topologyLive && !embeddedNow && n.topology().source() == TopologySettings.Source.HTTP
                && n.topology().http().trust().isPresent()) {
            dev.kvgate.gateway.topology.TopologyManager.checkHttpTrust(n.topology().http());
        }
        RequestValidator validator;
        try {
            validator = new RequestValidator(n.limits().passThroughOpcodes());
        } catch (IllegalArgumentException e) {
            throw new SettingsException("kvgate.limits.pass-through-opcodes", e.getMessage());
        }
        Runnable tlsCommit = null;
        if (tls != null && !n.tls().equals(cur.tls())) {
            try {
                tlsCommit = tls.prepare(n.tls());
            } catch (RuntimeException e) {
                throw new SettingsException("kvgate.tls", e.getMessage());
            }
        }
        java.util.function.Supplier<io.netty.handler.ssl.SslContext> backendTls = null;
        if (!n.backendTls().equals(cur.backendTls()) || !n.tls().provider().equals(cur.tls().provider())
                || !n.tls().protocols().equals(cur.tls().protocols())) {
            backendTls = BackendRegistry.memoize(() -> backendTls(n));
            boolean anyTls = backends.remoteShards().stream().anyMatch(ShardSettings::tls)
                    || n.shards().stream().anyMatch(ShardSettings::tls) || n.topology().dns().tls();
            if (anyTls) {
                backendTls.get(); // throws SettingsException naming kvgate.backend-tls
            }
        }

        // Valid: say what changes, then apply.
        for (ConfigDiff.Change c : changes) {
            if (c.restart()) {
                log.warn("reload ({}): {}: {} needs a restart; the running value stays", trigger, c.path(),
                        c.describe());
            } else if (!topologyLive && (c.path().equals("kvgate.shards") || c.path().startsWith("kvgate.topology"))) {
                log.warn("reload ({}): {}: {} switches between embedded and remote shards, which needs a restart;"
                        + " the running shards stay", trigger, c.path(), c.describe());
            } else {
                log.info("reload ({}): {}: {}", trigger, c.path(), c.describe());
            }
        }
        LogLevel.apply(n.log().level());
        for (ClientChannelInitializer i : initializers) {
            i.update(n.limits(), validator, n.tls().handshakeTimeout(),
                    n.log().accessLog() ? n.log().accessSample() : 0);
        }
        limiter.limits(n.limits().maxConnections(), n.limits().maxConnectionsPerIp());
        if (!n.auth().equals(cur.auth())) {
            auth.update(n.auth());
        }
        if (tlsCommit != null) {
            tlsCommit.run();
        } else if (tls != null) {
            tls.checkNow(); // the same files, perhaps new content: no need to wait for tls.reload-interval
        }
        if (!n.backend().equals(cur.backend()) || backendTls != null) {
            backends.reconfigure(n.backend(), backendTls);
        }
        drainTimeout = n.drainTimeout();
        notReadyDelay = n.notReadyDelay();
        if (topologyLive && topology != null) {
            topology.reconfigure(n.topology(), n.shards(), placement);
        }
        // What is in force now: the new values, but the start values of what needs a restart.
        settings = new KvgateSettings(cur.ioThreads(), cur.listeners(), n.tls(), n.routing(),
                topologyLive ? n.shards() : cur.shards(), cur.embedded(), n.backend(), n.limits(), n.drainTimeout(),
                n.backendTls(), n.auth(), cur.memory(), cur.admin(),
                new LogSettings(cur.log().format(), n.log().accessLog(), n.log().accessSample(), n.log().level()),
                n.notReadyDelay(), topologyLive ? n.topology() : cur.topology(), n.reload());
        if (config != null) {
            config = ConfigDiff.keepRunning(next.config(), changes);
        }
        int restart = (int) changes.stream().filter(ConfigDiff.Change::restart).count();
        log.info("reload ({}): {}", trigger, changes.isEmpty() ? "no setting changed"
                : changes.size() + " setting(s) changed" + (restart > 0 ? ", " + restart + " of them need(s) a restart" : ""));
        return changes.stream().map(ConfigDiff.Change::path).toList();
    }

    @Override
    public void close() {
        draining = true;
        if (topology != null) {
            topology.close();
        }
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
