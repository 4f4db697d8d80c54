package dev.kvgate.gateway.proxy;

import dev.kvgate.config.BackendSettings;
import dev.kvgate.routing.HashPreset;
import dev.kvgate.routing.Node;
import dev.kvgate.routing.Placement;
import dev.kvgate.routing.ShardLocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import io.netty.util.concurrent.EventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hash ring over the shards that are in service, shared by every event loop, and the one place
 * where shard failures are judged. With {@code on-shard-failure = eject} a shard leaves the ring when
 * one of its backend connections has failed {@code eject-after} times in a row (see
 * {@link #failure}); its keys go to the others (with ketama, only its keys move); its backend
 * connections keep probing it every {@code retry-after} and the first answer puts it back. With
 * fail-fast the ring never changes.
 *
 * <p>Also counts, per shard, answers that matched no request on their connection ({@link #strayAnswer}).
 *
 * <p>Lookups read one volatile field; changes are rare and rebuild the ring under a lock.
 *
 * <p>It also keeps what the admin listener reports per shard: whether it is reachable (its last
 * event was a connection or an answer, not a failure), its failures, ejections and reconnects (rare
 * events, so atomics), and each event loop's {@link LoopCounters}.
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
    private final AtomicIntegerArray ejected;
    /** Failures since the last connection or answer: not 0 means not reachable (admin /readyz). */
    private final AtomicIntegerArray failures;
    private final AtomicLongArray failuresTotal;
    private final AtomicLongArray ejections;
    private final AtomicLongArray reconnects;
    private final ConcurrentMap<EventExecutor, LoopCounters> loopCounters = new ConcurrentHashMap<>();
    private final AtomicLongArray strayAnswers;
    private final AtomicIntegerArray strayLogged;
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
        this.ejected = new AtomicIntegerArray(names.size());
        this.failures = new AtomicIntegerArray(names.size());
        this.failuresTotal = new AtomicLongArray(names.size());
        this.ejections = new AtomicLongArray(names.size());
        this.reconnects = new AtomicLongArray(names.size());
        this.strayAnswers = new AtomicLongArray(names.size());
        this.strayLogged = new AtomicIntegerArray(names.size());
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

    /** The same, hashing with the calling event loop's own scratch state (no ThreadLocal). */
    public int shardOf(byte[] key, int offset, int length, dev.kvgate.routing.KeyHashState state) {
        Ring r = ring;
        return r.toShard[r.locator.shardOf(key, offset, length, state)];
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

    /** The counters of event loop {@code loop}, made on first use (when its backends are created). */
    LoopCounters counters(EventExecutor loop) {
        return loopCounters.computeIfAbsent(loop, l -> new LoopCounters(names.size()));
    }

    /** Every event loop's counters, for the admin listener to add up. */
    public Collection<LoopCounters> loopCounters() {
        return loopCounters.values();
    }

    /** Whether the last thing heard of {@code shard} was good (a connection or an answer) and it is in service. */
    public boolean reachable(int shard) {
        return failures.get(shard) == 0 && ejected.get(shard) == 0;
    }

    /** Failures seen on connections to {@code shard}: connects failed, connections lost, timeouts. */
    public long failures(int shard) {
        return failuresTotal.get(shard);
    }

    /** Times {@code shard} was taken off the ring. */
    public long ejections(int shard) {
        return ejections.get(shard);
    }

    /** Connections to {@code shard} established again after one was lost or could not be made. */
    public long reconnects(int shard) {
        return reconnects.get(shard);
    }

    /**
     * A connection to {@code shard} is up (after its TLS handshake); {@code again} when it replaces one
     * that failed. An ejected shard stays ejected until it answers.
     */
    void connected(int shard, boolean again) {
        if (again) {
            reconnects.incrementAndGet(shard);
        }
        if (ejected.get(shard) == 0 && failures.get(shard) != 0) {
            failures.set(shard, 0);
        }
    }

    /**
     * A backend connection to {@code shard} failed. The rule: each connection counts its own failures
     * in a row ({@code streak}), one per connection attempt at most (a connect or TLS handshake that
     * fails, a connection lost or aborted: whichever comes first), and starts again from zero at any
     * answer; the shard is ejected when one connection's streak reaches {@code eject-after}. So one
     * incident (a restart seen by the connections of every event loop) is one failure, not one per
     * loop, and the rule does not change with io-threads or connections-per-shard. Called only by
     * {@link Backend#countFailure}.
     */
    void failure(int shard, int streak, String reason) {
        failuresTotal.incrementAndGet(shard);
        failures.incrementAndGet(shard);
        if (!eject) {
            return;
        }
        int n = streak;
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
                ejections.incrementAndGet(shard);
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

    /**
     * An answer from {@code shard} whose opaque matches no request in flight on the connection it
     * came on: counted, logged once per shard (a shard that does it keeps doing it), and dropped by
     * the caller, so it can never complete another request.
     */
    void strayAnswer(int shard, int opaque, String connection) {
        strayAnswers.incrementAndGet(shard);
        if (strayLogged.compareAndSet(shard, 0, 1)) {
            log.warn("shard {} ({}): an answer with opaque {} matches no request on its connection; dropped."
                    + " Further ones are only counted (STAT kvgate_stray_answers)", names.get(shard), connection,
                    opaque);
        }
    }

    /** Answers dropped by {@link #strayAnswer}, all shards. */
    public long strayAnswers() {
        long n = 0;
        for (int i = 0; i < strayAnswers.length(); i++) {
            n += strayAnswers.get(i);
        }
        return n;
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
