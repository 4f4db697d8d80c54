package dev.kvgate.gateway.proxy;

import dev.kvgate.config.BackendSettings;
import dev.kvgate.routing.HashPreset;
import dev.kvgate.routing.Node;
import dev.kvgate.routing.Placement;
import dev.kvgate.routing.ShardLocator;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shards kvgate knows, the hash ring over those in service, and the one place where shard
 * failures are judged. With {@code on-shard-failure = eject} a shard leaves the ring when one of its
 * backend connections has failed {@code eject-after} times in a row (see {@link #failure}); its keys
 * go to the others (with ketama, only its keys move); its backend connections keep probing it every
 * {@code retry-after} and the first answer puts it back. With fail-fast the ring changes only with
 * the topology.
 *
 * <p>A shard has an index that stays the same for as long as it is in the topology or still draining
 * after it left (its backend connections, counters and health are filed under it); an index is used
 * again only once every event loop has closed the connections of the shard that had it. A topology
 * ({@link Membership}) lists the indexes of its shards in placement order and carries the ring over
 * those of them in service; {@link BackendRegistry} hands each event loop the new one with its
 * connections. Lookups read one volatile field of the membership; ring changes are rare and rebuilt
 * under a lock.
 *
 * <p>Also counts, per shard, answers that matched no request on their connection ({@link #strayAnswer}),
 * and keeps what the admin listener reports per shard: whether it is reachable (its last event was a
 * connection or an answer, not a failure), its failures, ejections and reconnects (rare events, so
 * atomics), and each event loop's {@link LoopCounters}.
 */
public final class ShardRing {
    private static final Logger log = LoggerFactory.getLogger(ShardRing.class);

    /** What lasts of one shard across topology changes. */
    private static final class Shard {
        final Node node;
        final AtomicInteger ejected = new AtomicInteger();
        /** Failures since the last connection or answer: not 0 means not reachable (admin /readyz). */
        final AtomicInteger failures = new AtomicInteger();
        final AtomicLong failuresTotal = new AtomicLong();
        final AtomicLong ejections = new AtomicLong();
        final AtomicLong reconnects = new AtomicLong();
        final AtomicLong strayAnswers = new AtomicLong();
        final AtomicInteger strayLogged = new AtomicInteger();

        Shard(Node node) {
            this.node = node;
        }
    }

    /**
     * @param locator   over the members in service
     * @param toMember  locator index -> position in the membership
     * @param only      the position of the one member in service, else -1
     */
    record Ring(ShardLocator locator, int[] toMember, int only) {
    }

    /**
     * One topology: its shards' indexes in placement order, the placement over them, and the ring over
     * those in service (rebuilt when one is ejected or re-admitted).
     */
    public static final class Membership {
        final int[] members;
        final List<Node> nodes;
        final Placement placement;
        volatile Ring ring;

        private Membership(int[] members, List<Node> nodes, Placement placement) {
            this.members = members;
            this.nodes = List.copyOf(nodes);
            this.placement = placement;
        }

        /** The shard index at {@code position}. */
        public int shard(int position) {
            return members[position];
        }

        public int size() {
            return members.length;
        }

        public Placement placement() {
            return placement;
        }

        public List<Node> nodes() {
            return nodes;
        }

        /** The position of the member owning the key, among those in service. */
        int positionOf(byte[] key, int offset, int length) {
            Ring r = ring;
            return r.only >= 0 ? r.only : r.toMember[r.locator.shardOf(key, offset, length)];
        }

        boolean contains(int shard) {
            for (int m : members) {
                if (m == shard) {
                    return true;
                }
            }
            return false;
        }
    }

    private volatile boolean eject;
    private volatile int ejectAfter;
    /** By shard index; null where no shard has the index. Replaced whole when it changes. */
    private volatile Shard[] shards;
    private volatile Membership current;
    /** The memberships some event loop may still route by: the current one, the next and the last. */
    private final List<Membership> inUse = new ArrayList<>();
    private final ConcurrentMap<EventExecutor, LoopCounters> loopCounters = new ConcurrentHashMap<>();
    /** Stray answers of shards whose index was given up, so that the total never goes down. */
    private final AtomicLong retiredStrays = new AtomicLong();

    public ShardRing(HashPreset preset, List<String> names, BackendSettings settings) {
        this(Placement.of(preset), names.stream().map(Node::of).toList(), settings);
    }

    /** @throws IllegalArgumentException when the placement cannot place over these nodes (e.g. weights it has not) */
    public ShardRing(Placement placement, List<Node> nodes, BackendSettings settings) {
        reconfigure(settings);
        Shard[] initial = new Shard[nodes.size()];
        int[] members = new int[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            initial[i] = new Shard(nodes.get(i));
            members[i] = i;
        }
        this.shards = initial;
        Membership m = new Membership(members, nodes, placement);
        rebuild(m);
        current = m;
        inUse.add(m);
    }

    /** Takes {@code on-shard-failure}, {@code eject-after} from a reload; leaving eject puts every ejected shard back. */
    public void reconfigure(BackendSettings settings) {
        boolean wasEjecting = eject;
        ejectAfter = settings.ejectAfter();
        eject = settings.onShardFailure() == BackendSettings.OnShardFailure.EJECT;
        if (wasEjecting && !eject) {
            synchronized (this) {
                boolean any = false;
                for (Shard s : shards) {
                    if (s != null && s.ejected.compareAndSet(1, 0)) {
                        any = true;
                    }
                }
                if (any) {
                    rebuildInUse();
                    log.info("on-shard-failure = fail-fast: ejected shards are back on the ring");
                }
            }
        }
    }

    /** The topology now in force (what the admin listener reports; event loops may lag it by a moment). */
    public Membership current() {
        return current;
    }

    /**
     * The shard every key goes to when only one is in service, else -1: the caller then needs no key
     * bytes and no hash.
     */
    public int onlyShard() {
        Membership m = current;
        int only = m.ring.only;
        return only >= 0 ? m.members[only] : -1;
    }

    /** Index of the in-service shard owning the key, in the current topology. */
    public int shardOf(byte[] key, int offset, int length) {
        Membership m = current;
        return m.members[m.positionOf(key, offset, length)];
    }

    /** The same, hashing with the calling event loop's own scratch state (no ThreadLocal). */
    public int shardOf(byte[] key, int offset, int length, dev.kvgate.routing.KeyHashState state) {
        Membership m = current;
        Ring r = m.ring;
        return m.members[r.only >= 0 ? r.only : r.toMember[r.locator.shardOf(key, offset, length, state)]];
    }

    /** The indexes of the shards of the current topology, in placement order. */
    public int[] shards() {
        return current.members.clone();
    }

    /** Shards in the current topology. */
    public int size() {
        return current.members.length;
    }

    private Shard shard(int index) {
        Shard[] all = shards;
        return index < all.length ? all[index] : null;
    }

    public String name(int shard) {
        Shard s = shard(shard);
        return s != null ? s.node.name() : "#" + shard;
    }

    public boolean isEjected(int shard) {
        Shard s = shard(shard);
        return s != null && s.ejected.get() == 1;
    }

    /** The counters of event loop {@code loop}, made on first use (when its backends are created). */
    LoopCounters counters(EventExecutor loop) {
        return loopCounters.computeIfAbsent(loop, l -> new LoopCounters(shards.length));
    }

    /** Every event loop's counters, for the admin listener to add up. */
    public Collection<LoopCounters> loopCounters() {
        return loopCounters.values();
    }

    /** Whether the last thing heard of {@code shard} was good (a connection or an answer) and it is in service. */
    public boolean reachable(int shard) {
        Shard s = shard(shard);
        return s != null && s.failures.get() == 0 && s.ejected.get() == 0;
    }

    /** Failures seen on connections to {@code shard}: connects failed, connections lost, timeouts. */
    public long failures(int shard) {
        Shard s = shard(shard);
        return s != null ? s.failuresTotal.get() : 0;
    }

    /** Times {@code shard} was taken off the ring. */
    public long ejections(int shard) {
        Shard s = shard(shard);
        return s != null ? s.ejections.get() : 0;
    }

    /** Connections to {@code shard} established again after one was lost or could not be made. */
    public long reconnects(int shard) {
        Shard s = shard(shard);
        return s != null ? s.reconnects.get() : 0;
    }

    /**
     * A connection to {@code shard} is up (after its TLS handshake); {@code again} when it replaces one
     * that failed. An ejected shard stays ejected until it answers.
     */
    void connected(int shard, boolean again) {
        Shard s = shard(shard);
        if (s == null) {
            return;
        }
        if (again) {
            s.reconnects.incrementAndGet();
        }
        if (s.ejected.get() == 0 && s.failures.get() != 0) {
            s.failures.set(0);
        }
    }

    /**
     * A backend connection to {@code shard} failed. The rule: each connection counts its own failures
     * in a row ({@code streak}), one per connection attempt at most (a connect or TLS handshake that
     * fails, a connection lost or aborted: whichever comes first), and starts again from zero at any
     * answer; the shard is ejected when one connection's streak reaches {@code eject-after}. So one
     * incident (a restart seen by the connections of every event loop) is one failure, not one per
     * loop, and the rule does not change with io-threads or connections-per-shard. Called only by
     * {@link Backend#countFailure}. A shard that has left the topology (draining) is counted, never
     * ejected.
     */
    void failure(int shard, int streak, String reason) {
        Shard s = shard(shard);
        if (s == null) {
            return;
        }
        s.failuresTotal.incrementAndGet();
        s.failures.incrementAndGet();
        if (!eject) {
            return;
        }
        if (streak >= ejectAfter && s.ejected.get() == 0) {
            synchronized (this) {
                Membership m = current;
                if (s.ejected.get() == 1 || !m.contains(shard)) {
                    return;
                }
                int live = 0;
                for (int member : m.members) {
                    Shard other = shard(member);
                    live += other != null && other.ejected.get() == 0 ? 1 : 0;
                }
                if (live <= 1) {
                    return; // the last shard stays: failing fast beats sending every key nowhere
                }
                s.ejected.set(1);
                s.ejections.incrementAndGet();
                rebuildInUse();
            }
            log.warn("shard {} ejected after {} consecutive failures (last: {}); its keys go to the other shards",
                    s.node.name(), streak, reason);
        }
    }

    /** An answer from {@code shard}: it works. */
    void success(int shard) {
        Shard s = shard(shard);
        if (s == null) {
            return;
        }
        if (s.failures.get() != 0) {
            s.failures.set(0);
        }
        if (s.ejected.get() == 1) {
            synchronized (this) {
                if (!s.ejected.compareAndSet(1, 0)) {
                    return;
                }
                rebuildInUse();
            }
            log.info("shard {} answers again: back on the ring", s.node.name());
        }
    }

    /**
     * An answer from {@code shard} whose opaque matches no request in flight on the connection it
     * came on: counted, logged once per shard (a shard that does it keeps doing it), and dropped by
     * the caller, so it can never complete another request.
     */
    void strayAnswer(int shard, int opaque, String connection) {
        Shard s = shard(shard);
        if (s == null) {
            retiredStrays.incrementAndGet();
            return;
        }
        s.strayAnswers.incrementAndGet();
        if (s.strayLogged.compareAndSet(0, 1)) {
            log.warn("shard {} ({}): an answer with opaque {} matches no request on its connection; dropped."
                    + " Further ones are only counted (STAT kvgate_stray_answers)", s.node.name(), connection,
                    opaque);
        }
    }

    /** Answers dropped by {@link #strayAnswer}, all shards, including those that have left. */
    public long strayAnswers() {
        long n = retiredStrays.get();
        for (Shard s : shards) {
            if (s != null) {
                n += s.strayAnswers.get();
            }
        }
        return n;
    }

    /**
     * The membership of a new topology: shards already known keep their index (and their connections,
     * health and counters); new ones get a free index. Not in force until {@link #commit}; its ring
     * follows ejections from now on.
     *
     * @param known the index of each node already in the current topology, or -1 for a new one
     * @throws IllegalArgumentException when the placement cannot place over these nodes
     */
    synchronized Membership propose(Placement placement, List<Node> nodes, int[] known) {
        // Fail before anything changes: a locator over every node must be possible.
        placement.locator(nodes);
        Shard[] all = shards;
        int[] members = new int[nodes.size()];
        List<Shard> grown = new ArrayList<>(Arrays.asList(all));
        int searchFrom = 0;
        for (int i = 0; i < nodes.size(); i++) {
            if (known[i] >= 0) {
                members[i] = known[i];
                continue;
            }
            int free = -1;
            for (int j = searchFrom; j < grown.size(); j++) {
                if (grown.get(j) == null) {
                    free = j;
                    break;
                }
            }
            Shard s = new Shard(nodes.get(i));
            if (free < 0) {
                free = grown.size();
                grown.add(s);
            } else {
                grown.set(free, s);
            }
            searchFrom = free + 1;
            members[i] = free;
        }
        shards = grown.toArray(new Shard[0]);
        Membership m = new Membership(members, nodes, placement);
        rebuild(m);
        inUse.add(m);
        return m;
    }

    /** Shard indexes reserved by {@link #propose} that will not be used: the change was given up. */
    synchronized void abandon(Membership proposed) {
        inUse.remove(proposed);
        Shard[] all = shards.clone();
        for (int member : proposed.members) {
            if (!current.contains(member) && member < all.length) {
                all[member] = null;
            }
        }
        shards = all;
    }

    /** Takes a shard of a proposed topology off the ring until it answers (it did not connect in time). */
    synchronized void ejectNew(int shard) {
        Shard s = shard(shard);
        if (s != null && s.ejected.compareAndSet(0, 1)) {
            s.ejections.incrementAndGet();
            rebuildInUse();
        }
    }

    /** {@code next} is now in force; the one it replaces is still used until every loop has switched. */
    synchronized void commit(Membership next) {
        current = next;
    }

    /** Every event loop routes by {@code current()}: the memberships before it are no longer used. */
    synchronized void settled(Membership now) {
        inUse.removeIf(m -> m != now && m != current);
    }

    /** Every event loop has closed its connections to {@code shard}: its index is free again. */
    synchronized void retired(int shard) {
        if (current.contains(shard)) {
            return; // back in the topology meanwhile
        }
        Shard[] all = shards.clone();
        if (shard < all.length && all[shard] != null) {
            retiredStrays.addAndGet(all[shard].strayAnswers.get());
            all[shard] = null;
        }
        shards = all;
    }

    /** Capacity the loops' counter arrays need: every index in use. */
    int capacity() {
        return shards.length;
    }

    private void rebuildInUse() {
        for (Membership m : inUse) {
            rebuild(m);
        }
    }

    /** The ring over the members in service; with none in service (all new and down), over all of them. */
    private void rebuild(Membership m) {
        List<Node> live = new ArrayList<>();
        int[] toMember = new int[m.members.length];
        for (int i = 0; i < m.members.length; i++) {
            Shard s = shard(m.members[i]);
            if (s == null || s.ejected.get() == 0) {
                toMember[live.size()] = i;
                live.add(m.nodes.get(i));
            }
        }
        if (live.isEmpty()) {
            for (int i = 0; i < m.members.length; i++) {
                toMember[i] = i;
            }
            live = m.nodes;
        }
        m.ring = new Ring(m.placement.locator(live), toMember, live.size() == 1 ? toMember[0] : -1);
    }
}
