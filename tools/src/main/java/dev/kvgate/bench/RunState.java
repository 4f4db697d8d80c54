package dev.kvgate.bench;

import io.netty.util.concurrent.EventExecutor;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * What the connections of one run share: the workload, the phase the driver thread moves on, the latches
 * it waits on, and one {@link LoopStats} per event loop (looked up once per connection, never per request).
 */
final class RunState {
    enum Phase { WARMUP, MEASURE, STOP }

    final int pipeline;
    final double getRatio;
    final int keys;
    /** The SET value at its largest; a SET sends its first {@code valueSizeMin..value.length} bytes. */
    final byte[] value;
    final int valueSizeMin;
    final int preloadDepth;
    /** Counted down by each connection once its share of the keys is SET (or it closed). */
    final CountDownLatch preloaded;
    /** Counted down by each connection once it has nothing outstanding after STOP (or it closed). */
    final CountDownLatch drained;

    private final Map<EventExecutor, LoopStats> stats = new IdentityHashMap<>();
    private final AtomicReference<String> firstError = new AtomicReference<>();
    /** Every latency recorded so far, merged from the loops' recorders; guarded by {@code this}. */
    private final Histogram latencies = LoopStats.newHistogram();
    private volatile Phase phase = Phase.WARMUP;
    private volatile boolean closing;

    RunState(int pipeline, double getRatio, int keys, byte[] value, int valueSizeMin, int connections,
             Iterable<? extends EventExecutor> loops) {
        this.pipeline = pipeline;
        this.getRatio = getRatio;
        this.keys = keys;
        this.value = value;
        this.valueSizeMin = valueSizeMin;
        this.preloadDepth = Math.max(pipeline, 16);
        this.preloaded = new CountDownLatch(connections);
        this.drained = new CountDownLatch(connections);
        for (EventExecutor loop : loops) {
            stats.put(loop, new LoopStats());
        }
    }

    LoopStats statsFor(EventExecutor loop) {
        LoopStats s = stats.get(loop);
        if (s == null) {
            throw new IllegalStateException("no stats for event loop " + loop);
        }
        return s;
    }

    Collection<LoopStats> allStats() {
        return stats.values();
    }

    /**
     * Merges what the loops recorded since the last call into the run's histogram; returns how many values
     * were new and leaves the histogram readable through {@link #latencies()}. Driver thread only.
     */
    synchronized long collectLatencies() {
        long added = 0;
        for (LoopStats s : stats.values()) {
            added += s.drainInto(latencies);
        }
        return added;
    }

    /** The merged histogram: every latency up to the last {@link #collectLatencies()}. Driver thread only. */
    synchronized Histogram latencies() {
        return latencies;
    }

    Phase phase() {
        return phase;
    }

    void phase(Phase next) {
        phase = next;
    }

    /** Set before the driver closes the connections, so their closing is not counted as a failure. */
    boolean closing() {
        return closing;
    }

    void closing(boolean value) {
        closing = value;
    }

    /** Keeps the first error's description for the summary; later ones are only counted. */
    void firstError(String description) {
        firstError.compareAndSet(null, description);
    }

    boolean hasFirstError() {
        return firstError.get() != null;
    }

    String firstError() {
        return firstError.get();
    }
}
