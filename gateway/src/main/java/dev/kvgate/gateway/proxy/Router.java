package dev.kvgate.gateway.proxy;

import dev.kvgate.mcbp.Frames;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routing of a client's requests to the backend connections of its event loop: a keyed request to
 * its key's shard, a broadcast one (FLUSH, VERBOSITY, STAT) to every shard with its answers merged.
 * Each request gets its entry in the client's {@link ResponseQueue} first; the backend's in-flight
 * table names that entry by its sequence number.
 *
 * <p>Ownership: each frame passed in is handed to a backend ({@link Backend#send}) or released.
 */
final class Router {
    private static final Logger log = LoggerFactory.getLogger(Router.class);

    private final Channel channel;
    private final ByteBufAllocator alloc;
    private final LoopBackends backends;
    private final ResponseQueue queue;
    /** The gateway's own entries of the general STAT group. */
    private final Supplier<Map<String, String>> gatewayStats;

    Router(Channel channel, ByteBufAllocator alloc, LoopBackends backends, ResponseQueue queue,
           Supplier<Map<String, String>> gatewayStats) {
        this.channel = channel;
        this.alloc = alloc;
        this.backends = backends;
        this.queue = queue;
        this.gatewayStats = gatewayStats;
    }

    /** A keyed request to its shard. */
    void forward(ByteBuf frame, Opcode op) {
        long seq = queue.add(op.code(), Mcbp.opaque(frame), false);
        send(frame, seq, op.quiet());
    }

    /**
     * An opcode kvgate does not know, forwarded to its key's shard because the operator listed it.
     * Taken as quiet: whether the shard answers or stays silent, the backend's in-flight table stays
     * in step (a later answer settles a silent one), and the client gets exactly what the shard sent.
     */
    void passThrough(ByteBuf frame) {
        long seq = queue.add(Mcbp.opcode(frame), Mcbp.opaque(frame), false);
        send(frame, seq, true);
    }

    private void send(ByteBuf frame, long seq, boolean quiet) {
        int shard = backends.shardOf(frame);
        ByteBuf classic = classic(frame, seq);
        if (classic != null) {
            backends.backend(shard).send(classic, queue, seq, quiet);
        }
    }

    /** A request for every shard, its answers merged into one. */
    void broadcast(ByteBuf frame, Opcode op) {
        long seq = queue.add(op.code(), Mcbp.opaque(frame), true);
        int shards = backends.shardCount();
        boolean stat = op == Opcode.STAT;
        StatsMerge stats = stat ? new StatsMerge(queue, seq, shards, Mcbp.keyLength(frame) == 0, gatewayStats.get())
                : null;
        BroadcastMerge merge = stat ? null : new BroadcastMerge(queue, seq, op.quiet(), shards);
        ByteBuf classic = classic(frame, seq);
        if (classic == null) {
            return;
        }
        try {
            for (int s = 0; s < shards; s++) {
                // Each shard's copy gets its own backend opaque, so the bytes cannot be shared.
                backends.backend(s).send(classic.copy(), stat ? stats.part() : merge.part(), 0,
                        !stat && op.quiet());
            }
        } finally {
            classic.release();
        }
    }

    /**
     * The frame in the form memcached speaks; releases {@code frame} when it returns a new buffer. If
     * it cannot be made (no memory for the copy), entry {@code seq} is answered 0x84 and null returned:
     * an entry left unanswered would hold every answer behind it forever.
     */
    private ByteBuf classic(ByteBuf frame, long seq) {
        if (!Mcbp.isFlexible(frame)) {
            return frame;
        }
        try {
            return Frames.toClassicRequest(alloc, frame);
        } catch (RuntimeException | OutOfMemoryError e) {
            // OutOfMemoryError: Netty's direct memory limit (OutOfDirectMemoryError), not the heap's.
            log.warn("{}: cannot translate a flexible-framing request; answering 0x84", channel, e);
            queue.fail(seq, Status.INTERNAL_ERROR);
            return null;
        } finally {
            frame.release();
        }
    }
}
