package dev.kvgate.gateway.proxy;

import dev.kvgate.config.BackendSettings;
import dev.kvgate.config.ShardSettings;
import dev.kvgate.gateway.memory.MemoryBudget;
import dev.kvgate.routing.Node;
import dev.kvgate.routing.Placement;
import dev.kvgate.routing.ShardLocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every event loop's backend connections. Each loop gets its own connections to every shard, so a
 * client session and the connections it uses run on one thread: no locks, no hand-off between
 * threads on the request path (see docs/architecture.md for the trade-off).
 *
 * <p>Also where the topology changes ({@link #apply}): shards that stay keep their connections;
 * connections to new shards are made on every loop and given time to come up before any request is
 * routed to them; then each loop is handed the new topology with {@code execute}, between two of its
 * tasks, so client connections stay open and a request is routed wholly by the old topology or
 * wholly by the new one. Connections of shards that left get no new requests, answer those in flight
 * on them, and are closed when they have none left.
 */
public final class BackendRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BackendRegistry.class);
    /** Keys sampled to tell how many keys a topology change moves (logged). */
    private static final int SAMPLE_KEYS = 20_000;
    private static final long POLL_MILLIS = 5;

    private final Map<EventExecutor, LoopBackends> byLoop;
    private final int fixedShardCount;
    private final ShardRing ring;
    private final ShardResolver.Shared resolvers;
    private final Class<? extends SocketChannel> socketType;
    private final int maxResponseFrame;
    private final MemoryBudget budget;
    private final boolean embedded;
    private volatile BackendSettings settings;
    private volatile Supplier<SslContext> backendTls;
    /** The settings of each shard of the current topology, by shard index: what a new list is matched against. */
    private final Map<Integer, ShardSettings> remoteShards = new ConcurrentHashMap<>();
    /** Loops still draining a shard that left, by shard index. */
    private final Map<Integer, AtomicInteger> draining = new ConcurrentHashMap<>();
    private final Object changing = new Object();
    private volatile boolean closed;

    BackendRegistry(Map<EventExecutor, LoopBackends> byLoop, int shardCount) {
        this.byLoop = byLoop;
        this.fixedShardCount = shardCount;
        this.ring = null;
        this.resolvers = null;
        this.socketType = null;
        this.maxResponseFrame = 0;
        this.budget = null;
        this.embedded = true;
    }

    private BackendRegistry(Map<EventExecutor, LoopBackends> byLoop, ShardRing ring,
                            ShardResolver.Shared resolvers, Class<? extends SocketChannel> socketType,
                            BackendSettings settings, Supplier<SslContext> backendTls, int maxResponseFrame,
                            MemoryBudget budget, boolean embedded) {
        this.byLoop = byLoop;
        this.fixedShardCount = -1;
        this.ring = ring;
        this.resolvers = resolvers;
        this.socketType = socketType;
        this.settings = settings;
        this.backendTls = backendTls;
        this.maxResponseFrame = maxResponseFrame;
        this.budget = budget;
        this.embedded = embedded;
    }

    /**
     * Creates the connections on every loop of {@code workers} and waits (at most the connect timeout)
     * for the first connection attempts, so that a gateway that starts listening can serve at once.
     */
    public static BackendRegistry start(EventLoopGroup workers, Class<? extends SocketChannel> socketType,
                                        Class<? extends DatagramChannel> datagramType,
                                        List<ShardTarget> shards, ShardRing ring, BackendSettings settings,
                                        int maxResponseFrame, MemoryBudget budget) throws InterruptedException {
        SslContext given = shards.stream().filter(ShardTarget.Remote.class::isInstance)
                .map(t -> ((ShardTarget.Remote) t).ssl()).filter(java.util.Objects::nonNull).findFirst().orElse(null);
        return start(workers, socketType, datagramType, shards, ring, settings, maxResponseFrame, budget,
                () -> {
                    if (given == null) {
                        throw new IllegalStateException("no TLS context for shards (kvgate.backend-tls)");
                    }
                    return given;
                });
    }

    /**
     * As above; {@code backendTls} gives the client TLS context of TLS shards that a topology change
     * adds (asked only then).
     */
    public static BackendRegistry start(EventLoopGroup workers, Class<? extends SocketChannel> socketType,
                                        Class<? extends DatagramChannel> datagramType,
                                        List<ShardTarget> shards, ShardRing ring, BackendSettings settings,
                                        int maxResponseFrame, MemoryBudget budget,
                                        Supplier<SslContext> backendTls) throws InterruptedException {
        Map<EventExecutor, LoopBackends> byLoop = new IdentityHashMap<>();
        boolean embedded = shards.stream().anyMatch(ShardTarget.Embedded.class::isInstance);
        ShardResolver.Shared resolvers = new ShardResolver.Shared(workers, datagramType, socketType,
                settings.connectTimeout());
        for (ShardTarget target : shards) {
            if (target instanceof ShardTarget.Remote remote) {
                resolvers.forHost(remote.settings().host());
            }
        }
        List<ChannelFuture> attempts = new ArrayList<>();
        for (EventExecutor executor : workers) {
            EventLoop loop = (EventLoop) executor;
            try {
                LoopBackends lb = loop.submit(() -> {
                    Backend[][] byShard = new Backend[shards.size()][];
                    for (int s = 0; s < shards.size(); s++) {
                        ShardTarget target = shards.get(s);
                        if (target instanceof ShardTarget.Remote remote) {
                            Backend[] conns = new Backend[settings.connectionsPerShard()];
                            for (int c = 0; c < conns.length; c++) {
                                SocketBackend sb = socketBackend(loop, s, ring, remote.settings(), remote.ssl(),
                                        socketType, resolvers, settings, maxResponseFrame, budget);
                                attempts.add(sb.connect());
                                conns[c] = sb;
                            }
                            byShard[s] = conns;
                        } else {
                            ShardTarget.Embedded engine = (ShardTarget.Embedded) target;
                            byShard[s] = new Backend[] {new EngineBackend(loop, s, ring, engine.engine(),
                                    PooledByteBufAllocator.DEFAULT, settings.requestTimeout().toNanos(),
                                    settings.maxInFlight())};
                        }
                    }
                    return new LoopBackends(ring, byShard, ring.counters(loop));
                }).get();
                byLoop.put(executor, lb);
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot create backend connections", e.getCause());
            }
        }
        long deadline = System.nanoTime() + settings.connectTimeout().toNanos() + TimeUnit.MILLISECONDS.toNanos(200);
        for (ChannelFuture f : attempts) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            f.await(left, TimeUnit.NANOSECONDS);
        }
        BackendRegistry registry = new BackendRegistry(byLoop, ring, resolvers, socketType, settings,
                memoize(backendTls), maxResponseFrame, budget, embedded);
        for (int s = 0; s < shards.size(); s++) {
            if (shards.get(s) instanceof ShardTarget.Remote remote) {
                registry.remoteShards.put(s, remote.settings());
            }
        }
        return registry;
    }

    private static SocketBackend socketBackend(EventLoop loop, int shard, ShardRing ring, ShardSettings target,
                                               SslContext ssl, Class<? extends SocketChannel> socketType,
                                               ShardResolver.Shared resolvers,
                                               BackendSettings settings, int maxResponseFrame, MemoryBudget budget) {
        return new SocketBackend(loop, shard, ring, InetSocketAddress.createUnresolved(target.host(), target.port()),
                ssl, socketType, resolvers.forHost(target.host()), settings, maxResponseFrame, budget);
    }

    /** A supplier that builds its value once, when first asked (and again after a failure). */
    public static Supplier<SslContext> memoize(Supplier<SslContext> build) {
        return new Supplier<>() {
            private SslContext built;

            @Override
            public synchronized SslContext get() {
                if (built == null) {
                    built = build.get();
                }
                return built;
            }
        };
    }

    LoopBackends forLoop(EventExecutor loop) {
        LoopBackends lb = byLoop.get(loop);
        if (lb == null) {
            throw new IllegalStateException("no backends for event loop " + loop);
        }
        return lb;
    }

    public int loopCount() {
        return byLoop.size();
    }

    /** Shards in the current topology. */
    public int shardCount() {
        return ring != null ? ring.size() : fixedShardCount;
    }

    /** The remote shards of the current topology, in placement order; empty with embedded shards. */
    public List<ShardSettings> remoteShards() {
        if (ring == null || embedded) {
            return List.of();
        }
        ShardRing.Membership m = ring.current();
        List<ShardSettings> out = new ArrayList<>();
        for (int p = 0; p < m.size(); p++) {
            out.add(remoteShards.get(m.shard(p)));
        }
        return out;
    }

    /** Whether the shards are embedded engines (no topology changes then). */
    public boolean embedded() {
        return embedded;
    }

    /**
     * What a topology change did.
     *
     * @param notConnected added shards that did not connect within backend.request-timeout (with
     *                     on-shard-failure = eject they start off the ring, until they answer)
     * @param moved        the share of a sample of keys that now go to another shard
     * @param inFlight     requests in flight on backend connections when their loop switched (they
     *                     finish where they were sent)
     * @param inFlightOnRemoved those of them on connections to removed shards, which drain
     */
    public record Change(List<String> added, List<String> removed, List<String> notConnected, boolean placementChanged,
                         double moved, int inFlight, int inFlightOnRemoved) {
        public boolean none() {
            return added.isEmpty() && removed.isEmpty() && !placementChanged && moved == 0;
        }
    }

    /**
     * Makes {@code shards}, placed by {@code placement}, the topology of every event loop; returns when
     * every loop routes by it (connections of shards that left may still be draining). One change at
     * a time; not on an event loop (it waits for the new connections).
     *
     * @throws IllegalArgumentException the placement cannot place over these shards (weights), or the
     *                                  list is empty
     * @throws IllegalStateException    the shards are embedded engines, or the registry is closed
     */
    public Change apply(Placement placement, List<ShardSettings> shards) throws InterruptedException {
        if (embedded || ring == null) {
            throw new IllegalStateException("the shards are embedded engines: a remote topology needs a restart");
        }
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("an empty topology is never applied");
        }
        synchronized (changing) {
            if (closed) {
                throw new IllegalStateException("closed");
            }
            ShardRing.Membership current = ring.current();
            Map<ShardSettings, Integer> known = new HashMap<>();
            for (int p = 0; p < current.size(); p++) {
                known.put(remoteShards.get(current.shard(p)), current.shard(p));
            }
            List<Node> nodes = new ArrayList<>();
            int[] indexes = new int[shards.size()];
            Set<ShardSettings> seen = new LinkedHashSet<>();
            for (int i = 0; i < shards.size(); i++) {
                ShardSettings s = shards.get(i);
                if (!seen.add(s)) {
                    throw new IllegalArgumentException("shard " + s.address() + " is listed twice");
                }
                nodes.add(new Node(s.ringName(), s.weight()));
                indexes[i] = known.getOrDefault(s, -1);
            }
            boolean placementChanged = !placement.spec().equals(current.placement().spec());
            boolean sameShards = indexes.length == current.size();
            for (int i = 0; sameShards && i < indexes.length; i++) {
                sameShards = indexes[i] == current.shard(i);
            }
            if (sameShards && !placementChanged) {
                return new Change(List.of(), List.of(), List.of(), false, 0, 0, 0);
            }
            for (ShardSettings s : shards) {
                if (s.tls()) {
                    backendTls.get(); // fails here, before anything changed, if it cannot be built
                }
            }
            ShardRing.Membership next = ring.propose(placement, nodes, indexes);
            List<Integer> fresh = new ArrayList<>();
            for (int i = 0; i < indexes.length; i++) {
                if (indexes[i] < 0) {
                    fresh.add(next.shard(i));
                }
            }
            Map<Integer, ShardSettings> freshSettings = new HashMap<>();
            for (int i = 0; i < indexes.length; i++) {
                if (indexes[i] < 0) {
                    freshSettings.put(next.shard(i), shards.get(i));
                }
            }
            List<String> notConnected;
            try {
                connectOnEveryLoop(fresh, freshSettings);
                notConnected = awaitConnected(fresh);
            } catch (InterruptedException | RuntimeException e) {
                abandon(next, fresh);
                throw e;
            }
            if (settings.onShardFailure() == BackendSettings.OnShardFailure.EJECT) {
                for (int shard : fresh) {
                    if (notConnected.contains(ring.name(shard))) {
                        ring.ejectNew(shard);
                    }
                }
            }
            double moved = moved(current, next);
            remoteShards.putAll(freshSettings);
            ring.commit(next);
            List<String> removed = new ArrayList<>();
            for (int p = 0; p < current.size(); p++) {
                if (!next.contains(current.shard(p))) {
                    removed.add(ring.name(current.shard(p)));
                    draining.put(current.shard(p), new AtomicInteger(byLoop.size()));
                }
            }
            long drainDeadline = System.nanoTime() + 2 * settings.requestTimeout().toNanos()
                    + TimeUnit.SECONDS.toNanos(1);
            // Handed to every loop at once; each switches between two of its tasks.
            AtomicInteger inFlight = new AtomicInteger();
            AtomicInteger inFlightOnRemoved = new AtomicInteger();
            List<io.netty.util.concurrent.Future<?>> installed = new ArrayList<>();
            for (Map.Entry<EventExecutor, LoopBackends> e : byLoop.entrySet()) {
                EventLoop loop = (EventLoop) e.getKey();
                LoopBackends lb = e.getValue();
                installed.add(loop.submit(() -> {
                    ShardRing.Membership before = lb.membership();
                    for (int p = 0; p < before.size(); p++) {
                        inFlight.addAndGet(lb.inFlight(before.shard(p)));
                    }
                    for (int shard : lb.install(next)) {
                        int n = lb.inFlight(shard);
                        if (before.contains(shard)) {
                            inFlightOnRemoved.addAndGet(n);
                        }
                        drain(loop, lb, shard, drainDeadline);
                    }
                }));
            }
            for (io.netty.util.concurrent.Future<?> f : installed) {
                f.await();
                if (!f.isSuccess()) {
                    // Cannot happen (every loop has the connections install asks for); said loudly if it does.
                    log.error("topology change: an event loop failed to take the new topology", f.cause());
                }
            }
            ring.settled(next);
            List<String> added = fresh.stream().map(ring::name).toList();
            return new Change(added, removed, notConnected, placementChanged, moved, inFlight.get(),
                    inFlightOnRemoved.get());
        }
    }

    /** Makes {@code connections-per-shard} connections to each new shard on every loop, and starts them. */
    private void connectOnEveryLoop(List<Integer> fresh, Map<Integer, ShardSettings> freshSettings)
            throws InterruptedException {
        BackendSettings s = settings;
        int capacity = ring.capacity();
        for (int shard : fresh) {
            resolvers.forHost(freshSettings.get(shard).host()); // here, not on a loop
        }
        for (Map.Entry<EventExecutor, LoopBackends> e : byLoop.entrySet()) {
            EventLoop loop = (EventLoop) e.getKey();
            LoopBackends lb = e.getValue();
            call(loop, () -> {
                for (int shard : fresh) {
                    lb.counters.prepare(capacity, shard);
                    ShardSettings target = freshSettings.get(shard);
                    SslContext ssl = target.tls() ? backendTls.get() : null;
                    Backend[] conns = new Backend[s.connectionsPerShard()];
                    for (int c = 0; c < conns.length; c++) {
                        SocketBackend sb = socketBackend(loop, shard, ring, target, ssl, socketType, resolvers, s,
                                maxResponseFrame, budget);
                        conns[c] = sb;
                        sb.connect();
                    }
                    lb.add(shard, conns);
                }
                return null;
            });
        }
    }

    /**
     * Waits until every connection to the new shards is up, at most backend.request-timeout.
     *
     * @return the names of new shards with a connection still not up
     */
    private List<String> awaitConnected(List<Integer> fresh) throws InterruptedException {
        if (fresh.isEmpty()) {
            return List.of();
        }
        long deadline = System.nanoTime() + settings.requestTimeout().toNanos();
        Set<Integer> down = new LinkedHashSet<>(fresh);
        while (true) {
            down.clear();
            for (Map.Entry<EventExecutor, LoopBackends> e : byLoop.entrySet()) {
                LoopBackends lb = e.getValue();
                down.addAll(call((EventLoop) e.getKey(), () -> {
                    List<Integer> notUp = new ArrayList<>();
                    for (int shard : fresh) {
                        for (Backend b : lb.connections(shard)) {
                            if (!((SocketBackend) b).isActive()) {
                                notUp.add(shard);
                                break;
                            }
                        }
                    }
                    return notUp;
                }));
            }
            if (down.isEmpty() || System.nanoTime() > deadline) {
                break;
            }
            Thread.sleep(POLL_MILLIS);
        }
        return down.stream().map(ring::name).toList();
    }

    /** A change given up before it was in force: its new connections are closed, its indexes freed. */
    private void abandon(ShardRing.Membership next, List<Integer> fresh) {
        for (Map.Entry<EventExecutor, LoopBackends> e : byLoop.entrySet()) {
            LoopBackends lb = e.getValue();
            if (e.getKey().isShuttingDown()) {
                continue;
            }
            e.getKey().execute(() -> {
                for (int shard : fresh) {
                    Backend[] conns = lb.connections(shard);
                    if (conns != null) {
                        for (Backend b : conns) {
                            ((SocketBackend) b).close();
                        }
                        lb.forget(shard);
                    }
                }
            });
        }
        ring.abandon(next);
    }

    /**
     * Closes this loop's connections to a shard that left once they have nothing in flight (or at the
     * deadline, past which anything still in flight has already failed its request timeout), checking
     * again every few milliseconds. When every loop has closed them, the shard's index is free again.
     */
    private void drain(EventLoop loop, LoopBackends lb, int shard, long deadline) {
        Backend[] conns = lb.connections(shard);
        if (conns == null) {
            return;
        }
        int inFlight = 0;
        for (Backend b : conns) {
            inFlight += b.inFlight();
        }
        if (inFlight > 0 && System.nanoTime() < deadline && !closed) {
            loop.schedule(() -> drain(loop, lb, shard, deadline), POLL_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        if (inFlight > 0 && !closed) {
            log.warn("shard {}: {} requests still in flight after draining; closing its connection", ring.name(shard),
                    inFlight);
        }
        for (Backend b : conns) {
            if (b instanceof SocketBackend sb) {
                sb.close();
            }
        }
        lb.forget(shard);
        AtomicInteger loopsLeft = draining.get(shard);
        if (loopsLeft != null && loopsLeft.decrementAndGet() == 0) {
            draining.remove(shard);
            log.debug("shard {}: drained and closed on every event loop", ring.name(shard));
            // Not under the change lock: a change waits for the loops (this one too) while holding it.
            // The index is not free until retired() returns, so no change can take it before that.
            remoteShards.remove(shard);
            ring.retired(shard);
        }
    }

    /** Shards that left the topology and still have connections draining on some loop. */
    public int draining() {
        return draining.size();
    }

    /** The share of a fixed sample of keys whose shard (by name) differs between the two topologies. */
    private static double moved(ShardRing.Membership from, ShardRing.Membership to) {
        ShardLocator a = from.placement().locator(from.nodes());
        ShardLocator b = to.placement().locator(to.nodes());
        int moved = 0;
        for (int i = 0; i < SAMPLE_KEYS; i++) {
            byte[] key = ("kvgate-sample-" + i).getBytes(StandardCharsets.US_ASCII);
            String x = from.nodes().get(a.shardOf(key, 0, key.length)).name();
            String y = to.nodes().get(b.shardOf(key, 0, key.length)).name();
            if (!x.equals(y)) {
                moved++;
            }
        }
        return (double) moved / SAMPLE_KEYS;
    }

    /**
     * A reload's backend settings and shard TLS context, for the requests sent and connections made
     * from now on (connections-per-shard needs a restart and is not taken).
     *
     * @param tls the client TLS context for TLS shards, asked now only if a TLS shard is connected
     */
    public void reconfigure(BackendSettings next, Supplier<SslContext> tls) {
        BackendSettings kept = new BackendSettings(settings.connectionsPerShard(), next.connectTimeout(),
                next.handshakeTimeout(), next.requestTimeout(), next.reconnectMin(), next.reconnectMax(),
                next.maxInFlight(), next.onShardFailure(), next.ejectAfter(), next.retryAfter());
        settings = kept;
        Supplier<SslContext> memo = tls != null ? memoize(tls) : backendTls;
        backendTls = memo;
        boolean anyTls = remoteShards.values().stream().anyMatch(ShardSettings::tls);
        SslContext ssl = anyTls && tls != null ? memo.get() : null;
        if (ring != null) {
            ring.reconfigure(kept);
        }
        for (Map.Entry<EventExecutor, LoopBackends> e : byLoop.entrySet()) {
            if (e.getKey().isShuttingDown()) {
                continue;
            }
            LoopBackends lb = e.getValue();
            e.getKey().execute(() -> {
                for (Backend[] conns : lb.all()) {
                    for (Backend b : conns) {
                        if (b instanceof SocketBackend sb) {
                            sb.reconfigure(kept, ssl);
                        } else {
                            b.reconfigure(kept.requestTimeout().toNanos(), kept.maxInFlight());
                        }
                    }
                }
            });
        }
    }

    private static <T> T call(EventLoop loop, Callable<T> task) throws InterruptedException {
        try {
            return loop.submit(task).get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(cause);
        }
    }

    @Override
    public void close() {
        // Not under the change lock: a change waiting for new connections sees this and stops.
        closed = true;
        for (Map.Entry<EventExecutor, LoopBackends> e : byLoop.entrySet()) {
            if (e.getKey().isShuttingDown()) {
                continue;
            }
            e.getKey().execute(() -> {
                for (Backend[] conns : e.getValue().all()) {
                    for (Backend b : conns) {
                        if (b instanceof SocketBackend sb) {
                            sb.close();
                        }
                    }
                }
            });
        }
        if (resolvers != null) {
            resolvers.close();
        }
    }
}
