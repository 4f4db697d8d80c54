package dev.kvgate.gateway.proxy;

import dev.kvgate.config.BackendSettings;
import dev.kvgate.gateway.memory.MemoryBudget;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.resolver.AddressResolverGroup;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Every event loop's backend connections. Each loop gets its own connections to every shard, so a
 * client session and the connections it uses run on one thread: no locks, no hand-off between
 * threads on the request path (see docs/architecture.md for the trade-off).
 */
public final class BackendRegistry implements AutoCloseable {
    private final Map<EventExecutor, LoopBackends> byLoop;
    private final int shardCount;
    private final AddressResolverGroup<InetSocketAddress> resolver;

    BackendRegistry(Map<EventExecutor, LoopBackends> byLoop, int shardCount) {
        this(byLoop, shardCount, null);
    }

    private BackendRegistry(Map<EventExecutor, LoopBackends> byLoop, int shardCount,
                            AddressResolverGroup<InetSocketAddress> resolver) {
        this.byLoop = byLoop;
        this.shardCount = shardCount;
        this.resolver = resolver;
    }

    /**
     * Creates the connections on every loop of {@code workers} and waits (at most the connect timeout)
     * for the first connection attempts, so that a gateway that starts listening can serve at once.
     */
    public static BackendRegistry start(EventLoopGroup workers, Class<? extends SocketChannel> socketType,
                                        Class<? extends DatagramChannel> datagramType,
                                        List<ShardTarget> shards, ShardRing ring, BackendSettings settings,
                                        int maxResponseFrame, MemoryBudget budget) throws InterruptedException {
        Map<EventExecutor, LoopBackends> byLoop = new IdentityHashMap<>();
        boolean anyRemote = shards.stream().anyMatch(ShardTarget.Remote.class::isInstance);
        AddressResolverGroup<InetSocketAddress> resolver = anyRemote
                ? ShardResolver.create(workers, datagramType, socketType, settings.connectTimeout()) : null;
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
                                SocketBackend sb = new SocketBackend(loop, s, ring,
                                        InetSocketAddress.createUnresolved(remote.settings().host(),
                                                remote.settings().port()),
                                        remote.ssl(), socketType, resolver, settings, maxResponseFrame, budget);
                                attempts.add(sb.connect());
                                conns[c] = sb;
                            }
                            byShard[s] = conns;
                        } else {
                            ShardTarget.Embedded embedded = (ShardTarget.Embedded) target;
                            byShard[s] = new Backend[] {new EngineBackend(loop, s, ring, embedded.engine(),
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
        return new BackendRegistry(byLoop, shards.size(), resolver);
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

    public int shardCount() {
        return shardCount;
    }

    @Override
    public void close() {
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
        if (resolver != null) {
            resolver.close();
        }
    }
}
