package dev.kvgate.gateway.proxy;

import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;

/**
 * Who is told about the answer to a request in a backend's {@link InFlightTable}: a client's
 * {@link ResponseQueue} for a keyed request ({@code seq} names its entry there), or one of the
 * rare per-request objects (a broadcast's {@link BroadcastMerge} part, kvgate's own NOOP).
 */
interface Waiter {
    /**
     * The answer arrived; ownership of {@code response} passes to the waiter. {@code null} when a quiet
     * request was settled by the silence before a later answer.
     */
    void answer(long seq, ByteBuf response);

    /** No answer will come (shard down, timeout, connection lost). */
    void fail(long seq, Status status);

    /**
     * For requests answered by several frames (STAT): takes a frame that is not the last one and
     * returns true; false for the final frame, which then goes to {@link #answer}.
     */
    default boolean multiPart(long seq, ByteBuf frame) {
        return false;
    }
}
