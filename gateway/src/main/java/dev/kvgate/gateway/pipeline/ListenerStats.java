package dev.kvgate.gateway.pipeline;

import io.netty.channel.EventLoop;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The connection and byte counters of one listener, one {@link PerLoop} per event loop: a connection
 * counts into its own loop's object with plain stores, and the admin listener adds the loops up.
 */
public final class ListenerStats {
    private final String listener;
    private final ConcurrentMap<EventLoop, PerLoop> loops = new ConcurrentHashMap<>();

    public ListenerStats(String listener) {
        this.listener = listener;
    }

    public String listener() {
        return listener;
    }

    /** The counters of {@code loop}; looked up once per connection, never per read. */
    PerLoop forLoop(EventLoop loop) {
        return loops.computeIfAbsent(loop, l -> new PerLoop());
    }

    public long opened() {
        return sum(loops.values(), 0);
    }

    public long closed() {
        return sum(loops.values(), 1);
    }

    public long bytesIn() {
        return sum(loops.values(), 2);
    }

    public long bytesOut() {
        return sum(loops.values(), 3);
    }

    /** Connections open now. */
    public long open() {
        return Math.max(0, opened() - closed());
    }

    private static long sum(Collection<PerLoop> loops, int which) {
        long total = 0;
        for (PerLoop p : loops) {
            total += switch (which) {
                case 0 -> p.opened;
                case 1 -> p.closed;
                case 2 -> p.bytesIn;
                default -> p.bytesOut;
            };
        }
        return total;
    }

    /** Written by one event loop only. */
    static final class PerLoop {
        long opened;
        long closed;
        long bytesIn;
        long bytesOut;
        /** Answers seen by the access log on this loop, for sampling. */
        long accessTick;
    }
}
