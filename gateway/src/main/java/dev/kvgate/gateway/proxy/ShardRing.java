package dev.kvgate.gateway.proxy;

import dev.kvgate.config.BackendSettings;
import dev.kvgate.routing.HashPreset;
import dev.kvgate.routing.Node;
import dev.kvgate.routing.Placement;
import dev.kvgate.routing.ShardLocator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hash ring over the shards that are in service, shared by every event loop. With
 * {@code on-shard-failure = eject} a shard that failed {@code eject-after} times in a row (connect
 * failures, lost connections, timeouts) leaves the ring, so its keys go to the others (with ketama,
 * only its keys move); its backend connections keep probing it every {@code retry-after} and the
 * first answer puts it back. With fail-fast the ring never changes.
 *
 * <p>Lookups read one volatile field; changes are rare and rebuild the ring under a lock.
 */
public final class ShardRing {
    private static final Logger log = LoggerFactory.getLogger(ShardRing.class);

    /** @param only the shard index when exactly one shard is in service, else -1 */
    private record Ring(ShardLocator locator, int[] toShard, int only) {
    }

    private final Placement placement;
    private final List<Node> nodes;
    private final List<String> names;
    private final boolean eject;
    private final int ejectAfter;
    private final AtomicIntegerArray failures;
    private final AtomicIntegerArray ejected;
    private volatile Ring ring;

    public ShardRing(HashPreset preset, List<String> names, BackendSettings settings) {
        this(Placement.of(preset), names.stream().map(Node::of).toList(), settings);
    }

    /** @throws IllegalArgumentException when the placement cannot place over these nodes (e.g. weights it has not) */
    public ShardRing(Placement placement, List<Node> nodes, BackendSettings settings) {
        this.placement = placement;
        this.nodes = List.copyOf(nodes);
        this.names = nodes.stream().map(Node::name).toList();
        this.eject = settings.onShardFailure() == BackendSettings.OnShardFailure.EJECT;
        this.ejectAfter = settings.ejectAfter();
        this.failures = new AtomicIntegerArray(names.size());
        this.ejected = new AtomicIntegerArray(names.size());
        rebuild();
    }

    /**
     * The shard every key goes to when only one is in service, else -1: the caller then needs no
     * key bytes and no hash.
     */
    public int onlyShard() {
        return ring.only;
    }

    /** Index of the in-service shard owning the key. */
    public int shardOf(byte[] key, int offset, int length) {
        Ring r = ring;
        return r.toShard[r.locator.shardOf(key, offset, length)];
    }

    public int size() {
        return names.size();
    }

    public String name(int shard) {
        return names.get(shard);
    }

    public boolean isEjected(int shard) {
        return ejected.get(shard) == 1;
    }

    /** A failure seen on a connection to {@code shard}. */
    void failure(int shard, String reason) {
        if (!eject) {
            return;
        }
        int n = failures.incrementAndGet(shard);
        if (n >= ejectAfter && ejected.get(shard) == 0) {
            synchronized (this) {
                if (ejected.get(shard) == 1) {
                    return;
                }
                int live = 0;
                for (int i = 0; i < names.size(); i++) {
                    live += ejected.get(i) == 0 ? 1 : 0;
                }
                if (live <= 1) {
                    return; // the last shard stays: failing fast beats sending every key nowhere
                }
                ejected.set(shard, 1);
                rebuild();
            }
            log.warn("shard {} ejected after {} consecutive failures (last: {}); its keys go to the other shards",
                    names.get(shard), n, reason);
        }
    }

    /** An answer from {@code shard}: it works. */
    void success(int shard) {
        if (failures.get(shard) != 0) {
            failures.set(shard, 0);
        }
        if (ejected.get(shard) == 1) {
            synchronized (this) {
                if (ejected.get(shard) == 0) {
                    return;
                }
                ejected.set(shard, 0);
                rebuild();
            }
            log.info("shard {} answers again: back on the ring", names.get(shard));
        }
    }

    private synchronized void rebuild() {
        List<Node> live = new ArrayList<>();
        int[] toShard = new int[names.size()];
        for (int i = 0; i < names.size(); i++) {
            if (ejected.get(i) == 0) {
                toShard[live.size()] = i;
                live.add(nodes.get(i));
            }
        }
        ring = new Ring(placement.locator(live), toShard, live.size() == 1 ? toShard[0] : -1);
    }
}
