package dev.kvgate.gateway.topology;

import dev.kvgate.config.ShardSettings;
import dev.kvgate.config.TopologySettings;
import dev.kvgate.gateway.proxy.BackendRegistry;
import dev.kvgate.routing.Placement;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code kvgate.topology}: runs the configured source, and applies each list it hands over
 * to the {@link BackendRegistry}, one change at a time on a thread of its own (a change waits for
 * the connections to new shards). Lists that arrive while a change is applied are not queued: the
 * latest one is applied next. A reload can replace the source, the static list and the placement.
 */
public final class TopologyManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TopologyManager.class);

    /** What a DNS source needs to run its resolver: the transport of the gateway. */
    public record Transport(IoHandlerFactory ioHandler, Class<? extends DatagramChannel> datagramChannel,
                            Class<? extends SocketChannel> socketChannel) {
    }

    private final Transport transport;
    private final ExecutorService applier = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kvgate-topology");
        t.setDaemon(true);
        return t;
    });
    private final Object lock = new Object();
    // Guarded by lock.
    private TopologySettings settings;
    private TopologySource source;
    private EventLoopGroup dnsLoop;
    private CompletableFuture<List<ShardSettings>> first = new CompletableFuture<>();
    private BackendRegistry registry;
    private Placement placement;
    /** The latest list wanted, not yet applied; null when nothing waits. */
    private List<ShardSettings> wanted;
    private boolean applyQueued;
    private String lastRefusal;
    private final java.util.concurrent.atomic.AtomicLong changes = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean closed;

    /**
     * Starts the source of {@code settings} ({@code staticShards} for the static one).
     */
    public TopologyManager(TopologySettings settings, List<ShardSettings> staticShards, Transport transport) {
        this.transport = transport;
        synchronized (lock) {
            this.settings = settings;
            this.source = create(settings, staticShards);
            startSource(source);
        }
    }

    private TopologySource create(TopologySettings s, List<ShardSettings> staticShards) {
        return switch (s.source()) {
            case STATIC -> new StaticSource(staticShards);
            case DNS -> {
                if (dnsLoop == null) {
                    dnsLoop = new MultiThreadIoEventLoopGroup(1, r -> {
                        Thread t = new Thread(r, "kvgate-topology-dns-io");
                        t.setDaemon(true);
                        return t;
                    }, transport.ioHandler());
                }
                yield new DnsSource(s.dns(), (EventLoop) dnsLoop.next(), transport.datagramChannel(),
                        transport.socketChannel());
            }
            case HTTP -> new HttpSource(s.http());
        };
    }

    private void startSource(TopologySource s) {
        s.start(shards -> offer(s, shards));
    }

    /** The source's description, for log lines and the status page. */
    public String describe() {
        synchronized (lock) {
            return source.describe();
        }
    }

    /** Why the source has no list now, or null while its last round succeeded. */
    public String failure() {
        synchronized (lock) {
            return source.failure();
        }
    }

    /** Topology changes applied since start. */
    public long changes() {
        return changes.get();
    }

    /** Shards that left the topology and still finish requests in flight on some event loop. */
    public int draining() {
        BackendRegistry r;
        synchronized (lock) {
            r = registry;
        }
        return r != null ? r.draining() : 0;
    }

    /**
     * The first list of the source: at once for a static one; for dns and http, waits at most
     * {@code topology.start-timeout}.
     *
     * @throws IllegalStateException no list by then (with the source's last reason)
     */
    public List<ShardSettings> first() throws InterruptedException {
        CompletableFuture<List<ShardSettings>> f;
        Duration timeout;
        synchronized (lock) {
            f = first;
            timeout = settings.startTimeout();
        }
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            String why = source.failure();
            throw new IllegalStateException("no shards from topology source " + describe() + " within "
                    + timeout.toMillis() + " ms" + (why != null ? " (" + why + ")" : ""));
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** From now on, lists from the source are applied to {@code registry}, placed by {@code placement}. */
    public void attach(BackendRegistry registry, Placement placement) {
        synchronized (lock) {
            this.registry = registry;
            this.placement = placement;
            if (wanted != null) {
                queueApply();
            }
        }
    }

    private void offer(TopologySource from, List<ShardSettings> shards) {
        synchronized (lock) {
            if (from != source || closed) {
                return; // a source replaced by a reload
            }
            first.complete(shards);
            wanted = shards;
            if (registry != null) {
                queueApply();
            }
        }
    }

    private void queueApply() {
        if (!applyQueued) {
            applyQueued = true;
            applier.execute(this::applyWanted);
        }
    }

    private void applyWanted() {
        List<ShardSettings> shards;
        Placement p;
        BackendRegistry r;
        String from;
        synchronized (lock) {
            applyQueued = false;
            shards = wanted;
            wanted = null;
            p = placement;
            r = registry;
            from = source.describe();
        }
        if (shards == null || closed) {
            return;
        }
        try {
            BackendRegistry.Change c = r.apply(p, shards);
            lastRefusal = null;
            if (!c.none()) {
                changes.incrementAndGet();
                log.info("topology from {}: {} shards{}{}{}; {} of keys move; {} requests in flight at the switch"
                                + " finish where they were sent{}", from, shards.size(),
                        c.added().isEmpty() ? "" : ", added " + String.join(", ", c.added()),
                        c.removed().isEmpty() ? "" : ", removed " + String.join(", ", c.removed()),
                        c.placementChanged() ? ", placement " + p : "",
                        String.format(java.util.Locale.ROOT, "%.1f%%", 100 * c.moved()), c.inFlight(),
                        c.removed().isEmpty() ? "" : " (" + c.inFlightOnRemoved() + " on removed shards, which"
                                + " close once drained)");
            }
            if (!c.notConnected().isEmpty()) {
                log.warn("topology from {}: added shards not connected within backend.request-timeout: {}; they"
                        + " fail fast (0x86) until they are up, or stay off the ring until they answer with"
                        + " on-shard-failure = eject", from, String.join(", ", c.notConnected()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            String why = e.getMessage();
            if (!Objects.equals(why, lastRefusal)) {
                lastRefusal = why;
                log.warn("topology from {} not applied: {}; the current one ({} shards) stays", from, why,
                        r.shardCount());
            }
        }
    }

    /**
     * A reload: the source is replaced when its settings changed; a static list is applied when it
     * changed; a new placement is applied to the current list.
     */
    public void reconfigure(TopologySettings next, List<ShardSettings> staticShards, Placement nextPlacement) {
        TopologySource old = null;
        synchronized (lock) {
            boolean placementChanged = !nextPlacement.spec().equals(placement.spec());
            placement = nextPlacement;
            boolean sourceChanged = next.source() != settings.source()
                    || next.source() == TopologySettings.Source.DNS && !next.dns().equals(settings.dns())
                    || next.source() == TopologySettings.Source.HTTP && !next.http().equals(settings.http());
            settings = next;
            if (sourceChanged || next.source() == TopologySettings.Source.STATIC) {
                old = source;
                first = new CompletableFuture<>();
                source = create(next, staticShards);
                startSource(source);
                if (sourceChanged) {
                    log.info("topology source: {} (was {})", source.describe(), old.describe());
                }
            } else if (placementChanged) {
                wanted = registry.remoteShards();
                queueApply();
            }
        }
        if (old != null) {
            old.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        TopologySource s;
        synchronized (lock) {
            s = source;
        }
        s.close();
        applier.shutdownNow();
        if (dnsLoop != null) {
            dnsLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /**
     * Fails as the start would on the trust bundle of an https source.
     *
     * @throws dev.kvgate.config.SettingsException naming kvgate.topology.http.trust
     */
    public static void checkHttpTrust(TopologySettings.Http http) {
        HttpSource.sslContext(http);
    }
}
