package dev.kvgate.gateway.proxy;

import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;

/**
 * The request-path counters of one event loop: answers by opcode and status, shard latency
 * histograms and timeouts. Written only by that loop, with plain stores: no atomic and no shared
 * cache line on the request path. The admin thread reads them at scrape time and adds up the loops;
 * a value it reads may lag the loop's by a moment, which a scrape every few seconds does not notice.
 */
public final class LoopCounters {
    /** Upper bounds of the shard latency buckets, in seconds; a last bucket takes everything above. */
    public static final double[] LATENCY_BOUNDS_SECONDS = {
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
    private static final long[] LATENCY_BOUNDS_NANOS = new long[LATENCY_BOUNDS_SECONDS.length];
    /** Buckets per shard: one per bound and one above the last. */
    public static final int LATENCY_BUCKETS = LATENCY_BOUNDS_SECONDS.length + 1;

    private static final Status[] STATUSES = Status.values();
    /** A status index per status code below 0x100 (every code kvgate knows); the last index is "other". */
    public static final int STATUS_SLOTS = STATUSES.length + 1;
    private static final byte[] STATUS_INDEX = new byte[256];

    static {
        for (int i = 0; i < LATENCY_BOUNDS_SECONDS.length; i++) {
            LATENCY_BOUNDS_NANOS[i] = Math.round(LATENCY_BOUNDS_SECONDS[i] * 1e9);
        }
        java.util.Arrays.fill(STATUS_INDEX, (byte) STATUSES.length);
        for (Status s : STATUSES) {
            STATUS_INDEX[s.code() & 0xff] = (byte) s.ordinal();
        }
    }

    private final long[] answers = new long[256 * STATUS_SLOTS];
    private final long[][] latencyBuckets;
    private final long[] latencySumNanos;
    private final long[] timeouts;

    public LoopCounters(int shards) {
        latencyBuckets = new long[shards][LATENCY_BUCKETS];
        latencySumNanos = new long[shards];
        timeouts = new long[shards];
    }

    /** A client request answered with {@code response} ({@code null}: a quiet request that succeeded). */
    void answered(byte opcode, ByteBuf response) {
        int status = response == null ? 0 : Mcbp.status(response);
        int index = status < 0x100 ? STATUS_INDEX[status] : STATUSES.length;
        answers[(opcode & 0xff) * STATUS_SLOTS + index]++;
    }

    /** A shard answered a request after {@code nanos}. */
    void latency(int shard, long nanos) {
        long[] buckets = latencyBuckets[shard];
        int i = 0;
        while (i < LATENCY_BOUNDS_NANOS.length && nanos > LATENCY_BOUNDS_NANOS[i]) {
            i++;
        }
        buckets[i]++;
        latencySumNanos[shard] += nanos;
    }

    /** Requests failed because {@code shard} did not answer in time. */
    void timedOut(int shard, int requests) {
        timeouts[shard] += requests;
    }

    /** Answers with this opcode and status index (see {@link #status(int)}). */
    public long answers(int opcode, int statusIndex) {
        return answers[opcode * STATUS_SLOTS + statusIndex];
    }

    /** The status of a status index; {@code null} for the last index (codes kvgate does not know). */
    public static Status status(int statusIndex) {
        return statusIndex < STATUSES.length ? STATUSES[statusIndex] : null;
    }

    public int shards() {
        return timeouts.length;
    }

    /** Latency observations of {@code shard} in bucket {@code bucket} (not cumulative). */
    public long latencyBucket(int shard, int bucket) {
        return latencyBuckets[shard][bucket];
    }

    public long latencySumNanos(int shard) {
        return latencySumNanos[shard];
    }

    public long timeouts(int shard) {
        return timeouts[shard];
    }
}
