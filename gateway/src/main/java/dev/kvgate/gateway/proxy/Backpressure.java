package dev.kvgate.gateway.proxy;

import dev.kvgate.gateway.memory.MemoryBudget;
import dev.kvgate.gateway.protocol.FrameDecoder;
import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * When a client connection reads and when its requests run: requests (and framing errors) that
 * arrive while the client is not taking its answers, has max-in-flight unanswered requests or waits
 * for a SASL outcome are held in order and run later; reading stops while anything is held, while
 * the client cannot take answers, while the decoder has a backlog, and under memory-budget pressure.
 *
 * <p>Ownership: a held message is owned here until it is run (handed to the dispatcher) or released
 * ({@link #close}).
 */
final class Backpressure {
    private final Channel channel;
    private final MemoryBudget budget;
    private final int maxInFlight;
    private final ResponseQueue queue;
    /** Whether a SASL outcome is awaited (the frames behind it wait). */
    private final BooleanSupplier authPending;
    private final Consumer<Object> dispatcher;
    /** This connection's decoder, asked whether it is gathering a large frame (null in unit tests without one). */
    private final FrameDecoder decoder;
    /** Frames held, oldest first; made by the first frame that has to wait, null until then. */
    private ArrayDeque<Object> deferred;
    private final Runnable reliefTask = this::relief;
    private boolean dispatchingDeferred;
    private boolean decoderBacklog;
    /** The decoder waits for room in the memory budget for a large request. */
    private boolean memoryWait;
    /** Paused by budget pressure and queued to be told when it ends. */
    private boolean awaitingRelief;
    private boolean lingering;
    private boolean closed;

    Backpressure(Channel channel, MemoryBudget budget, int maxInFlight, ResponseQueue queue,
                 BooleanSupplier authPending, FrameDecoder decoder, Consumer<Object> dispatcher) {
        this.channel = channel;
        this.budget = budget;
        this.maxInFlight = maxInFlight;
        this.queue = queue;
        this.authPending = authPending;
        this.decoder = decoder;
        this.dispatcher = dispatcher;
    }

    /** A frame or framing error from the decoder: run now, or held behind what is held already. */
    void offer(Object msg) {
        if (hasDeferred() || !canDispatch()) {
            // The client is not taking its answers, or has max-in-flight unanswered requests:
            // executing more would only buffer more answers for it.
            if (deferred == null) {
                deferred = new ArrayDeque<>(4);
            }
            deferred.addLast(msg);
        } else {
            dispatcher.accept(msg);
        }
        updateReading();
    }

    boolean hasDeferred() {
        return deferred != null && !deferred.isEmpty();
    }

    private boolean canDispatch() {
        return !authPending.getAsBoolean() && writable() && queue.size() < maxInFlight;
    }

    /**
     * Whether the client takes answers: its channel is writable, and the read buffers its waiting
     * answers keep alive would still fit under its high water mark.
     */
    private boolean writable() {
        return channel.isWritable() && (queue.pinnedBytes() == 0 || queue.pinnedBytes() < channel.bytesBeforeUnwritable());
    }

    /** Runs the held messages that may run now. */
    void dispatchDeferred() {
        if (dispatchingDeferred || closed) {
            // An answer completed during a held frame's dispatch (the embedded engine answers at
            // once): the loop already running goes on; a second, nested loop would add nothing.
            return;
        }
        dispatchingDeferred = true;
        try {
            Object msg;
            while (hasDeferred() && canDispatch() && (msg = deferred.pollFirst()) != null) {
                dispatcher.accept(msg);
            }
        } finally {
            dispatchingDeferred = false;
        }
    }

    void decoderBacklog(boolean on) {
        decoderBacklog = on;
        updateReading();
    }

    void memoryWait(boolean on) {
        memoryWait = on;
        updateReading();
    }

    /** While lingering, read on: the decoder discards, and the client's close ends it sooner. */
    void lingering() {
        lingering = true;
        updateReading();
    }

    private void relief() {
        awaitingRelief = false;
        if (!closed) {
            updateReading();
        }
    }

    /** Reads while the client can take answers, its backlog is bounded and the decoder has caught up. */
    void updateReading() {
        // Budget pressure stops new requests, except on a connection in the middle of a large frame:
        // its reservation comes back only once the frame is complete and forwarded.
        boolean pressured = budget.underPressure() && (decoder == null || !decoder.isGathering());
        if (pressured && !closed && !lingering && !awaitingRelief) {
            awaitingRelief = true;
            budget.countPause();
            budget.await(channel.eventLoop(), 0, reliefTask);
        }
        boolean want = !closed && (lingering || (!decoderBacklog && !memoryWait && !pressured && !hasDeferred()
                && writable()
                && queue.size() < maxInFlight));
        if (channel.config().isAutoRead() != want) {
            channel.config().setAutoRead(want);
        }
    }

    /** The connection is gone: what is held is released. */
    void close() {
        closed = true;
        if (deferred == null) {
            return;
        }
        Object msg;
        while ((msg = deferred.pollFirst()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
