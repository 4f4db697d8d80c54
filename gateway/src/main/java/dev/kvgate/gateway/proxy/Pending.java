package dev.kvgate.gateway.proxy;

import dev.kvgate.gateway.protocol.Status;
import io.netty.buffer.ByteBuf;

/**
 * A request sent on a backend connection and not yet answered: an entry of that connection's FIFO.
 *
 * <p>A backend answers in request order, so the response with opaque N also tells that every earlier
 * quiet request on the connection succeeded silently: those entries are completed with {@code null}.
 */
abstract class Pending {
    /** The opaque kvgate put on the wire for this request (the connection's counter). */
    int backendOpaque;
    /** When this request times out, in {@link System#nanoTime()} terms. */
    long deadlineNanos;
    final boolean quiet;

    Pending(boolean quiet) {
        this.quiet = quiet;
    }

    /**
     * The backend's answer arrived.
     *
     * @param response the response frame, ownership passes to this entry; {@code null} when a quiet
     *                 request was settled by silence
     */
    abstract void complete(ByteBuf response);

    /**
     * For requests answered by several frames (STAT): takes a frame that is not the last one and
     * returns true; returns false for the final frame, which then goes to {@link #complete}.
     */
    boolean multiPart(ByteBuf frame) {
        return false;
    }

    /** No answer will come (shard down, timeout, connection lost): answer the client with {@code status}. */
    abstract void fail(Status status);
}
