package dev.kvgate.gateway.proxy;

import java.util.concurrent.atomic.LongAdder;

/** Gateway-wide counters, answered by STAT and (later) exported as metrics. */
public final class GatewayStats {
    final long startMillis = System.currentTimeMillis();
    final LongAdder currentConnections = new LongAdder();
    final LongAdder totalConnections = new LongAdder();
    final LongAdder requests = new LongAdder();
    final LongAdder temporaryFailures = new LongAdder();
    /** Requests answered 0x04 at the edge because their opcode does not allow their shape. */
    final LongAdder invalidRequests = new LongAdder();
    /** Requests accepted from clients and not yet answered (or dropped with their connection). */
    final LongAdder inFlight = new LongAdder();

    /** When the gateway started, in epoch milliseconds. */
    public long startMillis() {
        return startMillis;
    }

    public long invalidRequests() {
        return invalidRequests.sum();
    }

    public long inFlight() {
        return inFlight.sum();
    }

    public long currentConnections() {
        return currentConnections.sum();
    }

    public long totalConnections() {
        return totalConnections.sum();
    }
}
