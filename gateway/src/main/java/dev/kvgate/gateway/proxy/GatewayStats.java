package dev.kvgate.gateway.proxy;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Gateway-wide counters, answered by STAT and read by the metrics and the shutdown drain. Each event
 * loop counts in its own {@link Loop} with plain stores (no atomic, no shared cache line on the
 * request path); readers add the loops up. A sum may lag a loop's latest count by a moment.
 */
public final class GatewayStats {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Index of each counter in a loop's array; the first eight longs keep neighbours off its line. */
    static final int CURRENT_CONNECTIONS = 8;
    static final int TOTAL_CONNECTIONS = 9;
    static final int REQUESTS = 10;
    /** Requests answered 0x04 at the edge because their opcode does not allow their shape. */
    static final int INVALID_REQUESTS = 11;
    /** Requests accepted from clients and not yet answered (or dropped with their connection). */
    static final int IN_FLIGHT = 12;
    private static final int SIZE = 24;

    final long startMillis = System.currentTimeMillis();
    private final ConcurrentMap<Object, Loop> byLoop = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<Loop> loops = new CopyOnWriteArrayList<>();

    /** The counters of one event loop: written by that loop only. */
    public static final class Loop {
        final long[] c = new long[SIZE];

        void add(int counter, long delta) {
            c[counter] += delta;
        }
    }

    /** The counters of {@code loop} (an event loop, or any key standing for one thread). */
    public Loop forLoop(Object loop) {
        Loop l = byLoop.get(loop);
        if (l == null) {
            l = byLoop.computeIfAbsent(loop, k -> {
                Loop made = new Loop();
                loops.add(made);
                return made;
            });
        }
        return l;
    }

    private long sum(int counter) {
        long s = 0;
        for (Loop l : loops) {
            s += (long) LONGS.getOpaque(l.c, counter);
        }
        return s;
    }

    /** When the gateway started, in epoch milliseconds. */
    public long startMillis() {
        return startMillis;
    }

    public long requests() {
        return sum(REQUESTS);
    }

    public long invalidRequests() {
        return sum(INVALID_REQUESTS);
    }

    public long inFlight() {
        return sum(IN_FLIGHT);
    }

    public long currentConnections() {
        return sum(CURRENT_CONNECTIONS);
    }

    public long totalConnections() {
        return sum(TOTAL_CONNECTIONS);
    }
}
