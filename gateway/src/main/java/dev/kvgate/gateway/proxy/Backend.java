package dev.kvgate.gateway.proxy;

import dev.kvgate.gateway.protocol.Mcbp;
import dev.kvgate.gateway.protocol.Opcode;
import dev.kvgate.gateway.protocol.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to one shard, owned by one event loop and shared by every client session on it.
 *
 * <p>What every transport shares lives here: the opaque counter that replaces client opaques on the
 * way out, the FIFO of requests in flight that the in-order answers are matched against, the settling
 * of quiet requests, the per-request timeout (one timer for the oldest entry), and the write batching:
 * requests queued in one event-loop turn go out in one flush, preceded by a NOOP when the last one is
 * quiet so that its silence is settled. Subclasses only move bytes ({@link #transmit}, {@link #flushTransport}).
 *
 * <p>Not thread-safe by design: every method runs on {@link #loop}.
 */
abstract class Backend {
    private static final Logger log = LoggerFactory.getLogger(Backend.class);

    enum State { CONNECTING, ACTIVE, DOWN }

    final EventLoop loop;
    final String shard;
    final int shardIndex;
    final ShardRing ring;
    final ByteBufAllocator alloc;
    /** This loop's counters (latency, timeouts), read by the admin listener at scrape time. */
    final LoopCounters counters;
    private final long timeoutNanos;
    private final int maxInFlight;
    private final ArrayDeque<Pending> inFlight = new ArrayDeque<>();
    private final Runnable flushTask = this::flushNow;
    private int nextOpaque = 1;
    private boolean tailQuiet;
    private boolean flushScheduled;
    private ScheduledFuture<?> timer;
    private boolean graceGiven;
    State state = State.CONNECTING;

    Backend(EventLoop loop, int shardIndex, ShardRing ring, ByteBufAllocator alloc, long timeoutNanos,
            int maxInFlight) {
        this.loop = loop;
        this.shardIndex = shardIndex;
        this.ring = ring;
        this.shard = ring.name(shardIndex);
        this.counters = ring.counters(loop);
        this.alloc = alloc;
        this.timeoutNanos = timeoutNanos;
        this.maxInFlight = maxInFlight;
    }

    /** Puts one complete request frame on the wire (or holds it until connected). Takes ownership. */
    protected abstract void transmit(ByteBuf frame);

    /** Flushes what {@link #transmit} queued. */
    protected abstract void flushTransport();

    /**
     * Closes the transport because its stream can no longer be trusted (timeout, protocol error);
     * counts as one failure of the shard; it reconnects by itself.
     */
    protected abstract void abort(String reason);

    int inFlight() {
        return inFlight.size();
    }

    boolean accepting() {
        return state != State.DOWN && inFlight.size() < maxInFlight;
    }

    /**
     * Sends one request. Ownership of {@code frame} passes to this method: it is written or released,
     * and {@code pending} is completed or failed exactly once, later or right now.
     */
    final void send(ByteBuf frame, Pending pending) {
        if (!accepting()) {
            frame.release();
            pending.fail(Status.TEMPORARY_FAILURE);
            return;
        }
        enqueue(frame, pending);
        scheduleFlush();
    }

    private void enqueue(ByteBuf frame, Pending pending) {
        int opaque = nextOpaque++;
        pending.backendOpaque = opaque;
        pending.deadlineNanos = System.nanoTime() + timeoutNanos;
        Mcbp.setOpaque(frame, opaque);
        inFlight.addLast(pending);
        tailQuiet = pending.quiet;
        armTimer();
        transmit(frame);
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            loop.execute(flushTask);
        }
    }

    /** Sends a NOOP whose answer shows the shard works (after a reconnect, or to re-admit it). */
    final void probe() {
        ByteBuf noop = alloc.buffer(Mcbp.HEADER_SIZE);
        noop.writeByte(0x80).writeByte(Opcode.NOOP.code()).writeZero(Mcbp.HEADER_SIZE - 2);
        enqueue(noop, new Barrier());
        scheduleFlush();
    }

    private void flushNow() {
        flushScheduled = false;
        if (tailQuiet && state != State.DOWN) {
            // Quiet requests are settled only by a later answer: make sure one comes. Internal, so
            // not subject to max-in-flight.
            ByteBuf noop = alloc.buffer(Mcbp.HEADER_SIZE);
            noop.writeByte(0x80).writeByte(Opcode.NOOP.code()).writeZero(Mcbp.HEADER_SIZE - 2);
            enqueue(noop, new Barrier());
        }
        flushTransport();
    }

    /** A response frame from the shard. Takes ownership. */
    final void onResponse(ByteBuf frame) {
        ring.success(shardIndex);
        int opaque = Mcbp.opaque(frame);
        for (;;) {
            Pending head = inFlight.peekFirst();
            if (head == null) {
                frame.release();
                abort("response with opaque " + opaque + " matches no request");
                return;
            }
            if (head.backendOpaque == opaque) {
                if (head.multiPart(frame)) {
                    return; // one of several answer frames (STAT); the entry stays at the head
                }
                inFlight.pollFirst();
                counters.latency(shardIndex, System.nanoTime() - (head.deadlineNanos - timeoutNanos));
                graceGiven = false;
                if (inFlight.isEmpty()) {
                    tailQuiet = false;
                }
                head.complete(frame);
                return;
            }
            inFlight.pollFirst();
            if (!head.quiet) {
                frame.release();
                head.fail(Status.INTERNAL_ERROR);
                abort("response with opaque " + opaque + " arrived before the answer to " + head.backendOpaque);
                return;
            }
            head.complete(null);
        }
    }

    /** Fails every request in flight; called when the transport is lost. */
    final void failAll(Status status) {
        tailQuiet = false;
        cancelTimer();
        Pending p;
        while ((p = inFlight.pollFirst()) != null) {
            p.fail(status);
        }
    }

    private void armTimer() {
        if (timer == null) {
            timer = loop.schedule(this::onTimer, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void onTimer() {
        timer = null;
        Pending head = inFlight.peekFirst();
        if (head == null) {
            return;
        }
        long left = head.deadlineNanos - System.nanoTime();
        if (left > 0) {
            timer = loop.schedule(this::onTimer, left, TimeUnit.NANOSECONDS);
            return;
        }
        if (!graceGiven) {
            // The loop may have been too busy to read an answer that is already in the socket: let
            // it do one more round of I/O before declaring the shard hung.
            graceGiven = true;
            timer = loop.schedule(this::onTimer, 1, TimeUnit.MILLISECONDS);
            return;
        }
        graceGiven = false;
        log.warn("shard {}: no answer within {} ms, {} requests in flight fail with 0x86; reconnecting",
                shard, TimeUnit.NANOSECONDS.toMillis(timeoutNanos), inFlight.size());
        counters.timedOut(shardIndex, inFlight.size());
        failAll(Status.TEMPORARY_FAILURE);
        abort("request timeout");
    }

    /** The NOOP kvgate adds behind quiet requests; its answer goes nowhere. */
    private static final class Barrier extends Pending {
        Barrier() {
            super(false);
        }

        @Override
        void complete(ByteBuf response) {
            if (response != null) {
                response.release();
            }
        }

        @Override
        void fail(Status status) {
        }
    }
}
