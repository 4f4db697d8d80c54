package dev.kvgate.gateway.proxy;

import dev.kvgate.mcbp.Status;
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
    /** When this request times out, in terms of the event loop's {@link io.netty.util.concurrent.Ticker}. */
    long deadlineNanos;
    final boolean quiet;
    /**
     * The request's own bytes, kept while a read-only request may still be sent once more on a new
     * connection (see {@link Backend#retryReads}); {@code null} for every other request, and once the
     * request was answered, retried or failed. Owned by this entry: the transport was handed a
     * retained duplicate. Released by {@link #dropRequest}, or handed to the transport for the retry.
     */
    ByteBuf request;

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

    /** Releases the kept request bytes, if any: this request will not be sent again. */
    final void dropRequest() {
        ByteBuf kept = request;
        if (kept != null) {
            request = null;
            kept.release();
        }
    }

    /** No answer will come (shard down, timeout, connection lost): answer the client with {@code status}. */
    abstract void fail(Status status);
}
