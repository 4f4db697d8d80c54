package dev.kvgate.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * What the connections of one event loop measured: a latency recorder and counters, all written by that
 * loop's thread only. The recorder hands out interval histograms to the reporting thread without locking
 * the writer (HdrHistogram's single-writer recorder: two {@link Histogram}s swapped under a phaser).
 */
final class LoopStats {
    /** Latencies are recorded in nanoseconds, tracked from 1 µs to 60 s with 3 significant digits. */
    static final long LOWEST_NANOS = 1_000;
    static final long HIGHEST_NANOS = 60_000_000_000L;
    static final int DIGITS = 3;

    private final SingleWriterRecorder latencies = new SingleWriterRecorder(LOWEST_NANOS, HIGHEST_NANOS, DIGITS);
    private Histogram recycled;

    // Volatile for the reporting thread; a single writer makes the increments safe.
    private volatile long errors;
    private volatile long misses;
    private volatile long mismatches;
    private volatile long timeouts;
    private volatile long closed;
    private volatile long preloaded;
    private volatile long preloadErrors;

    static Histogram newHistogram() {
        return new Histogram(LOWEST_NANOS, HIGHEST_NANOS, DIGITS);
    }

    void latency(long nanos) {
        latencies.recordValue(Math.max(0, Math.min(nanos, HIGHEST_NANOS)));
    }

    void error() {
        errors++;
    }

    void miss() {
        misses++;
    }

    /** A response that does not answer the oldest outstanding request; also an error. */
    void mismatch() {
        mismatches++;
        errors++;
    }

    void timeouts(int unanswered) {
        timeouts += unanswered;
    }

    void connectionClosed() {
        closed++;
    }

    void preloaded(boolean ok) {
        preloaded++;
        if (!ok) {
            preloadErrors++;
        }
    }

    /** Adds what was recorded since the last call to {@code total}; returns how many values that was. Reporter only. */
    synchronized long drainInto(Histogram total) {
        recycled = latencies.getIntervalHistogram(recycled);
        total.add(recycled);
        return recycled.getTotalCount();
    }

    long errors() {
        return errors;
    }

    long misses() {
        return misses;
    }

    long mismatches() {
        return mismatches;
    }

    long timeouts() {
        return timeouts;
    }

    long closed() {
        return closed;
    }

    long preloaded() {
        return preloaded;
    }

    long preloadErrors() {
        return preloadErrors;
    }
}
