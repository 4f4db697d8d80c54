package dev.kvgate.gateway.proxy;

import dev.kvgate.mcbp.Mcbp;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The backend connections of one event loop: for each shard of the topology, {@code
 * connections-per-shard} connections shared by every client session on that loop. Used only from
 * that loop.
 *
 * <p>A session routes by the loop's {@link View}: the topology in force on this loop and its
 * connections by position. A topology change hands the loop a new view ({@link #install}, run on the
 * loop by {@link BackendRegistry}), so a session that looks a shard up and then takes its connection
 * (in one event-loop task) always sees the two agree, and the request path reads a plain field: no
 * lock, no hand-off. Connections of shards that left stay here, out of every view, until their
 * requests in flight are answered.
 */
final class LoopBackends {
    /** The topology this loop routes by, with this loop's connections for each of its positions. */
    static final class View {
        final ShardRing.Membership membership;
        final Backend[][] byPosition;
        final int[] next;

        View(ShardRing.Membership membership, Backend[][] byPosition) {
            this.membership = membership;
            this.byPosition = byPosition;
            this.next = new int[byPosition.length];
        }
    }

    private final ShardRing ring;
    private View view;
    /** Every connection of this loop, by shard index: those of the view, those still draining. */
    private final Map<Integer, Backend[]> byShard = new HashMap<>();
    /** Key bytes copied out of a (usually direct) frame for hashing; keys are at most 250 bytes. */
    private final byte[] keyScratch = new byte[256];
    /** This loop's MD5/CRC state for key hashing: no ThreadLocal lookup per request. */
    private final dev.kvgate.routing.KeyHashState hashState = new dev.kvgate.routing.KeyHashState();

    /** This loop's request counters. */
    final LoopCounters counters;

    LoopBackends(ShardRing ring, Backend[][] byShard) {
        this(ring, byShard, new LoopCounters(byShard.length));
    }

    /** @param byShard the connections of each shard of the ring's current topology, in its order */
    LoopBackends(ShardRing ring, Backend[][] byShard, LoopCounters counters) {
        this.ring = ring;
        this.counters = counters;
        ShardRing.Membership m = ring.current();
        for (int p = 0; p < byShard.length; p++) {
            this.byShard.put(m.shard(p), byShard[p]);
        }
        this.view = new View(m, byShard);
    }

    int shardCount() {
        return view.byPosition.length;
    }

    /**
     * The position, in this loop's view, of the shard owning the key of {@code frame}; the key must be
     * 1..250 bytes. Give it to {@link #backend} in the same event-loop task.
     */
    int shardOf(ByteBuf frame) {
        ShardRing.Ring r = view.membership.ring;
        if (r.only() >= 0) {
            return r.only();
        }
        int length = Mcbp.keyLength(frame);
        frame.getBytes(Mcbp.keyIndex(frame), keyScratch, 0, length);
        return r.toMember()[r.locator().shardOf(keyScratch, 0, length, hashState)];
    }

    /** A connection to the shard at {@code position}: round robin over those accepting work, else any (which fails fast). */
    Backend backend(int position) {
        View v = view;
        Backend[] conns = v.byPosition[position];
        if (conns.length == 1) {
            return conns[0];
        }
        int start = v.next[position];
        v.next[position] = (start + 1) % conns.length;
        for (int i = 0; i < conns.length; i++) {
            Backend b = conns[(start + i) % conns.length];
            if (b.accepting()) {
                return b;
            }
        }
        return conns[start];
    }

    /** Answers dropped because they matched no request on their connection, all shards and loops. */
    long strayAnswers() {
        return ring.strayAnswers();
    }

    /** Every connection of this loop: in the view and draining. */
    List<Backend[]> all() {
        return new ArrayList<>(byShard.values());
    }

    /** The connections of shard index {@code shard} on this loop; null when it has none. */
    Backend[] connections(int shard) {
        return byShard.get(shard);
    }

    /** Connections made for a shard of a proposed topology, before it is in force. */
    void add(int shard, Backend[] connections) {
        byShard.put(shard, connections);
    }

    /** Forgets the connections of {@code shard}: closed after draining, or made for a change given up. */
    void forget(int shard) {
        byShard.remove(shard);
    }

    /** Requests in flight on this loop's connections to {@code shard}. */
    int inFlight(int shard) {
        Backend[] conns = byShard.get(shard);
        int n = 0;
        if (conns != null) {
            for (Backend b : conns) {
                n += b.inFlight();
            }
        }
        return n;
    }

    /** The topology this loop routes by. */
    ShardRing.Membership membership() {
        return view.membership;
    }

    /**
     * Routes by {@code next} from now on (on this loop). Every shard of it has its connections here
     * ({@link #add}).
     *
     * @return the shard indexes this loop still has connections for that {@code next} does not list
     */
    List<Integer> install(ShardRing.Membership next) {
        Backend[][] byPosition = new Backend[next.size()][];
        for (int p = 0; p < next.size(); p++) {
            byPosition[p] = byShard.get(next.shard(p));
            if (byPosition[p] == null) {
                throw new IllegalStateException("no connections to shard " + ring.name(next.shard(p)));
            }
        }
        view = new View(next, byPosition);
        List<Integer> left = new ArrayList<>();
        for (Integer shard : byShard.keySet()) {
            if (!next.contains(shard)) {
                left.add(shard);
            }
        }
        return left;
    }
}
