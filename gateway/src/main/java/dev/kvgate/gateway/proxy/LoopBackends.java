package dev.kvgate.gateway.proxy;

import dev.kvgate.mcbp.Mcbp;
import io.netty.buffer.ByteBuf;

/**
 * The backend connections of one event loop: for each shard, {@code connections-per-shard}
 * connections shared by every client session on that loop. Used only from that loop.
 */
final class LoopBackends {
    private final ShardRing ring;
    private final Backend[][] byShard;
    private final int[] next;
    /** Key bytes copied out of a (usually direct) frame for hashing; keys are at most 250 bytes. */
    private final byte[] keyScratch = new byte[256];
    /** This loop's MD5/CRC state for key hashing: no ThreadLocal lookup per request. */
    private final dev.kvgate.routing.KeyHashState hashState = new dev.kvgate.routing.KeyHashState();

    /** This loop's request counters. */
    final LoopCounters counters;

    LoopBackends(ShardRing ring, Backend[][] byShard) {
        this(ring, byShard, new LoopCounters(byShard.length));
    }

    LoopBackends(ShardRing ring, Backend[][] byShard, LoopCounters counters) {
        this.ring = ring;
        this.byShard = byShard;
        this.next = new int[byShard.length];
        this.counters = counters;
    }

    int shardCount() {
        return byShard.length;
    }

    /** The shard owning the key of {@code frame}; the key must be 1..250 bytes. */
    int shardOf(ByteBuf frame) {
        int only = ring.onlyShard();
        if (only >= 0) {
            return only;
        }
        int length = Mcbp.keyLength(frame);
        frame.getBytes(Mcbp.keyIndex(frame), keyScratch, 0, length);
        return ring.shardOf(keyScratch, 0, length, hashState);
    }

    /** A connection to {@code shard}: round robin over those accepting work, else any (which fails fast). */
    Backend backend(int shard) {
        Backend[] conns = byShard[shard];
        if (conns.length == 1) {
            return conns[0];
        }
        int start = next[shard];
        next[shard] = (start + 1) % conns.length;
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

    Backend[][] all() {
        return byShard;
    }
}
