package dev.kvgate.gateway.log;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/**
 * Rate-limits the log lines a client can cause, per remote IP address and in all, so that a hostile
 * or broken peer (or many of them) cannot flood the log; the next line written after a suppression
 * says how many were left out.
 *
 * <p>Each IP address gets a token bucket of {@code perPeer} lines refilled over {@code interval}; a line
 * that passes it must also pass a global bucket of {@code global} lines per {@code interval}. A line
 * suppressed by its peer's bucket is counted there and reported by that peer's next line
 * ({@code (N similar lines suppressed)}); one suppressed by the global bucket is reported by the next
 * line of any peer ({@code (N lines suppressed across all peers)}).
 *
 * <p>Safe from any thread and never blocks: each bucket is one compare-and-set on a long, and no lock is
 * held while the logger writes. At most {@code maxPeers} addresses are tracked; when the table is full,
 * idle entries are swept out (at most once per refill period, so a flood of new addresses does not turn
 * into a flood of sweeps) and addresses that still find no room share one bucket, so memory stays
 * bounded whatever the number of addresses.
 *
 * <p>A server keeps one instance and puts it on every client channel under {@link #KEY}; code that has
 * a channel gets it with {@link #of(Channel)}.
 */
public final class PeerWarnings {
    /** The server's instance, set on each accepted client channel. */
    public static final AttributeKey<PeerWarnings> KEY = AttributeKey.valueOf("kvgate.peer-warnings");

    /** Lines per peer per {@link #DEFAULT_INTERVAL}. */
    public static final int DEFAULT_PER_PEER = 10;
    /** Lines from all peers together per {@link #DEFAULT_INTERVAL}. */
    public static final int DEFAULT_GLOBAL = 200;
    public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);
    /** About 200 bytes an entry (address, bucket, map node): under a MiB at most. */
    public static final int DEFAULT_MAX_PEERS = 4096;

    private static final PeerWarnings SHARED = new PeerWarnings();

    private final Bucket.Shape peerShape;
    private final Bucket.Shape globalShape;
    private final int maxPeers;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<Object, Bucket> peers = new ConcurrentHashMap<>();
    private final Bucket global;
    /** For peers without an entry: the table is full, or the address is unknown. */
    private final Bucket untracked;
    private final AtomicLong lastSweep;

    /** The defaults, on {@link System#nanoTime()}. */
    public PeerWarnings() {
        this(DEFAULT_PER_PEER, DEFAULT_GLOBAL, DEFAULT_INTERVAL, DEFAULT_MAX_PEERS, System::nanoTime);
    }

    /**
     * @param perPeer lines one IP address may cause per {@code interval} (also its burst)
     * @param global lines all peers together may cause per {@code interval}
     * @param maxPeers addresses tracked at most
     * @param nanoClock monotonic nanoseconds, as {@link System#nanoTime()}
     */
    public PeerWarnings(int perPeer, int global, Duration interval, int maxPeers, LongSupplier nanoClock) {
        if (perPeer < 1 || global < 1 || maxPeers < 1 || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("perPeer, global, maxPeers and interval must be positive");
        }
        this.peerShape = Bucket.Shape.of(perPeer, interval.toNanos());
        this.globalShape = Bucket.Shape.of(global, interval.toNanos());
        this.maxPeers = maxPeers;
        this.nanoClock = nanoClock;
        long now = nanoClock.getAsLong();
        this.global = new Bucket(globalShape, now);
        this.untracked = new Bucket(peerShape, now);
        this.lastSweep = new AtomicLong(now - peerShape.emission());
    }

    /** One instance for code that runs outside a server (tools, tests): the defaults. */
    public static PeerWarnings shared() {
        return SHARED;
    }

    /** The instance of the server that accepted {@code channel}; {@link #shared()} when it has none. */
    public static PeerWarnings of(Channel channel) {
        PeerWarnings w = channel.attr(KEY).get();
        return w != null ? w : SHARED;
    }

    /** WARN about the channel's remote peer, if its budget allows; true when the line was written. */
    public boolean warn(Logger log, Channel peer, String format, Object... args) {
        return log(log, Level.WARN, key(peer.remoteAddress()), format, args);
    }

    /** WARN about {@code peer} (an {@link InetSocketAddress}: its IP is the key), if its budget allows. */
    public boolean warn(Logger log, SocketAddress peer, String format, Object... args) {
        return log(log, Level.WARN, key(peer), format, args);
    }

    /** WARN about {@code peer}, if its budget allows; true when the line was written. */
    public boolean warn(Logger log, InetAddress peer, String format, Object... args) {
        return log(log, Level.WARN, peer, format, args);
    }

    /** INFO about the channel's remote peer, if its budget allows; true when the line was written. */
    public boolean info(Logger log, Channel peer, String format, Object... args) {
        return log(log, Level.INFO, key(peer.remoteAddress()), format, args);
    }

    /** INFO about {@code peer} (an {@link InetSocketAddress}: its IP is the key), if its budget allows. */
    public boolean info(Logger log, SocketAddress peer, String format, Object... args) {
        return log(log, Level.INFO, key(peer), format, args);
    }

    /** INFO about {@code peer}, if its budget allows; true when the line was written. */
    public boolean info(Logger log, InetAddress peer, String format, Object... args) {
        return log(log, Level.INFO, peer, format, args);
    }

    /** Addresses tracked now (for tests and stats). */
    public int trackedPeers() {
        return peers.size();
    }

    private boolean log(Logger log, Level level, Object key, String format, Object... args) {
        // A line the logger would drop must not spend the budget of the lines it would write.
        if (!(level == Level.WARN ? log.isWarnEnabled() : log.isInfoEnabled())) {
            return false;
        }
        String suffix = acquire(key);
        if (suffix == null) {
            return false;
        }
        // The counts go into the format as literal text: no placeholder to shift the arguments, so a
        // trailing Throwable stays the throwable.
        String line = suffix.isEmpty() ? format : format + suffix;
        if (level == Level.WARN) {
            log.warn(line, args);
        } else {
            log.info(line, args);
        }
        return true;
    }

    /**
     * Spends a line of {@code key}'s budget and of the global one: null when either is exhausted (the line
     * is counted as suppressed), else the suffix reporting earlier suppressions ("" when there were none).
     */
    String acquire(Object key) {
        long now = nanoClock.getAsLong();
        Bucket peer = bucket(key, now);
        if (!peer.tryAcquire(now)) {
            peer.suppressed.incrementAndGet();
            return null;
        }
        if (!global.tryAcquire(now)) {
            // Not the peer's doing: give its line back.
            peer.refund();
            global.suppressed.incrementAndGet();
            return null;
        }
        long similar = peer.suppressed.getAndSet(0);
        long all = global.suppressed.getAndSet(0);
        if (similar == 0 && all == 0) {
            return "";
        }
        if (all == 0) {
            return " (" + lines(similar, "similar line") + " suppressed)";
        }
        if (similar == 0) {
            return " (" + lines(all, "line") + " suppressed across all peers)";
        }
        return " (" + lines(similar, "similar line") + " suppressed, " + all + " more across all peers)";
    }

    private static String lines(long n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    private Bucket bucket(Object key, long now) {
        if (key == null) {
            return untracked;
        }
        Bucket b = peers.get(key);
        if (b != null) {
            return b;
        }
        if (peers.size() >= maxPeers) {
            sweep(now);
            if (peers.size() >= maxPeers) {
                return untracked;
            }
        }
        // Racing inserts may pass maxPeers by the number of threads at most.
        return peers.computeIfAbsent(key, k -> new Bucket(peerShape, now));
    }

    /**
     * Drops entries that hold nothing: a full bucket and no count to report. A peer that went quiet
     * with a count pending hands it to the global count, so it is reported by the next line.
     */
    private void sweep(long now) {
        long last = lastSweep.get();
        if (now - last < peerShape.emission() || !lastSweep.compareAndSet(last, now)) {
            return;
        }
        // A thread that took an entry just before it goes may still count on it; that count is lost.
        peers.values().removeIf(b -> {
            if (!b.full(now)) {
                return false;
            }
            long pending = b.suppressed.getAndSet(0);
            if (pending > 0) {
                global.suppressed.addAndGet(pending);
            }
            return true;
        });
    }

    private static Object key(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            // Unresolved: no IP to key by, and the host name is the peer's word, not a fact.
            return inet.getAddress();
        }
        // Local, domain socket and embedded test channels: the address itself.
        return address;
    }

    /**
     * A token bucket as one long (GCRA): {@code tat} is when the bucket would be full again; a line may
     * pass if that, plus one line's worth, is at most one interval ahead of now.
     */
    private static final class Bucket {
        record Shape(long emission, long window) {
            /** Rounded so that the burst is exactly {@code lines}; the refill takes about the interval. */
            static Shape of(int lines, long intervalNanos) {
                long emission = Math.max(1, -Math.floorDiv(-intervalNanos, lines));
                return new Shape(emission, emission * lines);
            }
        }

        private final Shape shape;
        private final AtomicLong tat;
        final AtomicLong suppressed = new AtomicLong();

        Bucket(Shape shape, long now) {
            this.shape = shape;
            this.tat = new AtomicLong(now);
        }

        boolean tryAcquire(long now) {
            while (true) {
                long t = tat.get();
                long next = (t - now > 0 ? t : now) + shape.emission;
                if (next - now > shape.window) {
                    return false;
                }
                if (tat.compareAndSet(t, next)) {
                    return true;
                }
            }
        }

        void refund() {
            tat.addAndGet(-shape.emission);
        }

        boolean full(long now) {
            return tat.get() - now <= 0;
        }
    }
}
