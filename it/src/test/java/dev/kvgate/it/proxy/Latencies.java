package dev.kvgate.it.proxy;

import java.util.Arrays;

/** Round-trip times in nanoseconds, summarised as percentiles in milliseconds for test reports. */
final class Latencies {
    private long[] nanos = new long[64];
    private int count;

    synchronized void add(long n) {
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = n;
    }

    synchronized int count() {
        return count;
    }

    /** The {@code p}-th percentile (0..100) in milliseconds; 0 when empty. */
    synchronized double percentileMs(double p) {
        if (count == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * count) - 1;
        return sorted[Math.max(0, Math.min(count - 1, index))] / 1e6;
    }

    synchronized double maxMs() {
        return percentileMs(100);
    }

    @Override
    public String toString() {
        return String.format("n=%d p50=%.2f ms p99=%.2f ms max=%.2f ms", count(), percentileMs(50),
                percentileMs(99), maxMs());
    }
}
