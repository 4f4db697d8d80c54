package dev.kvgate.gateway.proxy;

import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
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
 * <p>Read-only requests on a transport that can lose its connection ({@link #retriesReads}) keep
 * their bytes until answered, so that a lost connection can be survived: {@link #retryReads} sends
 * them once more, with a fresh opaque, on the next connection.
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
    // Loop-confined; changed only by a reload (reconfigure).
    private long timeoutNanos;
    private int maxInFlight;
    /** The loop's clock, the one its timers run on: deadlines and the timer agree. */
    private final Ticker ticker;
    private InFlightTable inFlight = new InFlightTable(16);
    private final Runnable flushTask = this::flushNow;
    private int nextOpaque = 1;
    private boolean tailQuiet;
    private boolean flushScheduled;
    private ScheduledFuture<?> timer;
    private boolean graceGiven;
    /** This connection's failures since its last answer (see {@link ShardRing#failure}). */
    private int failureStreak;
    /** The connection attempt whose failure was last counted: at most one failure per attempt. */
    private long countedAttempt = -1;
    /** Incremented by the transport at each connection attempt. */
    long attempt;
    State state = State.CONNECTING;

    Backend(EventLoop loop, int shardIndex, ShardRing ring, ByteBufAllocator alloc, long timeoutNanos,
            int maxInFlight) {
        this.loop = loop;
        this.ticker = loop.ticker();
        this.shardIndex = shardIndex;
        this.ring = ring;
        this.shard = ring.name(shardIndex);
        this.counters = ring.counters(loop);
        this.alloc = alloc;
        this.timeoutNanos = timeoutNanos;
        this.maxInFlight = maxInFlight;
    }

    /**
     * A reload's request timeout and in-flight cap, for requests sent from now on (those in flight keep
     * their deadline). On {@link #loop}.
     */
    void reconfigure(long timeoutNanos, int maxInFlight) {
        this.timeoutNanos = timeoutNanos;
        this.maxInFlight = maxInFlight;
    }

    /** Puts one complete request frame on the wire (or holds it until connected). Takes ownership. */
    protected abstract void transmit(ByteBuf frame);

    /** Flushes what {@link #transmit} queued. */
    protected abstract void flushTransport();

    /**
     * Whether read-only requests keep their bytes for one retry after a connection loss. Only worth
     * it for a transport whose connection can be lost (a socket); off for the in-process engine.
     */
    protected boolean retriesReads() {
        return false;
    }

    /**
     * Releases the frames {@link #transmit} took but has not put on a connection (held while
     * connecting). Called whenever the in-flight table is emptied: those frames belong to its
     * entries, and a frame whose entry is gone must never reach a connection, or its answer would be
     * matched against a later request's entry.
     */
    protected void discardUnsent() {
    }

    /**
     * Closes the transport because its stream can no longer be trusted (timeout, protocol error);
     * counts as one failure of the shard; it reconnects by itself.
     */
    protected abstract void abort(String reason);

    int inFlight() {
        return inFlight.size();
    }

    /**
     * Counts a failure of the current connection attempt against the shard, once per attempt (a
     * request timeout while connecting and the attempt's own failure later are one failure). The
     * only caller of {@link ShardRing#failure}.
     */
    final void countFailure(String reason) {
        if (countedAttempt == attempt) {
            return;
        }
        countedAttempt = attempt;
        ring.failure(shardIndex, ++failureStreak, reason);
    }

    /** What names this connection in a log line (the shard's address, say). */
    String describe() {
        return shard;
    }

    boolean accepting() {
        return state != State.DOWN && inFlight.size() < maxInFlight;
    }

    /**
     * Sends one request. Ownership of {@code frame} passes to this method: it is written or released,
     * and {@code pending} is completed or failed exactly once, later or right now.
     */
    final void send(ByteBuf frame, Waiter waiter, long seq, boolean quiet) {
        if (!accepting()) {
            frame.release();
            waiter.fail(seq, Status.TEMPORARY_FAILURE);
            return;
        }
        ByteBuf kept = null;
        if (retriesReads() && readOnly(Mcbp.opcode(frame))) {
            // Kept for a retry: the entry holds a second reference to the same buffer (no duplicate
            // object); the transport's write moves its reader index, which a retry puts back.
            kept = frame.retain();
        }
        enqueue(frame, waiter, seq, quiet, kept);
        scheduleFlush();
    }

    /**
     * Requests that only read: sending one twice cannot change what the shard holds. The GAT family
     * is not among them (it touches), nor is anything else.
     */
    static boolean readOnly(byte opcode) {
        Opcode op = Opcode.of(opcode);
        if (op == null) {
            return false;
        }
        return switch (op) {
            case GET, GETQ, GETK, GETKQ, NOOP, VERSION, STAT -> true;
            default -> false;
        };
    }

    private void enqueue(ByteBuf frame, Waiter waiter, long seq, boolean quiet, ByteBuf kept) {
        int opaque = nextOpaque++;
        Mcbp.setOpaque(frame, opaque);
        inFlight.add(opaque, ticker.nanoTime() + timeoutNanos, quiet, waiter, seq, kept,
                kept == null ? 0 : frame.readerIndex());
        tailQuiet = quiet;
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
        enqueue(noop, BARRIER, 0, false, null);
        scheduleFlush();
    }

    private void flushNow() {
        flushScheduled = false;
        if (tailQuiet && state != State.DOWN) {
            // Quiet requests are settled only by a later answer: make sure one comes. Internal, so
            // not subject to max-in-flight.
            ByteBuf noop = alloc.buffer(Mcbp.HEADER_SIZE);
            noop.writeByte(0x80).writeByte(Opcode.NOOP.code()).writeZero(Mcbp.HEADER_SIZE - 2);
            enqueue(noop, BARRIER, 0, false, null);
        }
        flushTransport();
    }

    /** A response frame from the shard. Takes ownership. */
    final void onResponse(ByteBuf frame) {
        // An answer ends the streak, and a later loss of this connection is a new failure even if
        // its attempt had one counted (a timeout while it was still connecting).
        failureStreak = 0;
        countedAttempt = -1;
        ring.success(shardIndex);
        int opaque = Mcbp.opaque(frame);
        InFlightTable table = inFlight;
        if (table.isEmpty() || table.opaque(0) != opaque && !table.contains(opaque)) {
            // Belongs to no request on this connection: delivering it anywhere would hand some
            // request an answer that is not its own. The requests in flight still get theirs.
            frame.release();
            ring.strayAnswer(shardIndex, opaque, describe());
            return;
        }
        for (;;) {
            Waiter waiter = table.waiter(0);
            long seq = table.seq(0);
            if (table.opaque(0) == opaque) {
                if (waiter.multiPart(seq, frame)) {
                    // One of several answer frames (STAT); the entry stays at the head. Part of its
                    // answer is taken, so sending it again would count that part twice.
                    releaseKept(table, 0);
                    return;
                }
                long deadline = table.deadline(0);
                releaseKept(table, 0);
                table.removeHead();
                counters.latency(shardIndex, ticker.nanoTime() - (deadline - timeoutNanos));
                graceGiven = false;
                if (table.isEmpty()) {
                    tailQuiet = false;
                }
                waiter.answer(seq, frame);
                return;
            }
            boolean quiet = table.quiet(0);
            int headOpaque = table.opaque(0);
            releaseKept(table, 0);
            table.removeHead();
            if (!quiet) {
                frame.release();
                waiter.fail(seq, Status.INTERNAL_ERROR);
                abort("response with opaque " + opaque + " arrived before the answer to " + headOpaque);
                return;
            }
            waiter.answer(seq, null);
        }
    }

    private static void releaseKept(InFlightTable table, int fromHead) {
        ByteBuf kept = table.takeRequest(fromHead);
        if (kept != null) {
            kept.release();
        }
    }

    /**
     * Fails every request in flight (transport lost, timeout), and releases with them the frames not
     * yet on a connection, which belong to them.
     */
    final void failAll(Status status) {
        InFlightTable failing = takeInFlight();
        while (!failing.isEmpty()) {
            Waiter w = failing.waiter(0);
            long seq = failing.seq(0);
            releaseKept(failing, 0);
            failing.removeHead();
            w.fail(seq, status);
        }
    }

    /**
     * The connection the requests in flight were sent on was lost (closed by the shard or the
     * network, not by kvgate). Each read-only request still holding its bytes is queued again, with
     * a fresh opaque, and is then retried for the last time: its bytes go to the transport, nothing
     * is kept. Every other request fails with 0x86. The caller has put the transport in
     * {@code CONNECTING}, so what is queued again is held until the next connection is up.
     *
     * @return how many requests were queued again
     */
    final int retryReads() {
        InFlightTable lost = takeInFlight();
        int retried = 0;
        while (!lost.isEmpty()) {
            Waiter w = lost.waiter(0);
            long seq = lost.seq(0);
            boolean quiet = lost.quiet(0);
            int readerIndex = lost.keptIndex(0);
            ByteBuf request = lost.takeRequest(0);
            lost.removeHead();
            if (request == null) {
                w.fail(seq, Status.TEMPORARY_FAILURE);
                continue;
            }
            // The first write consumed it: back to where the frame starts.
            request.readerIndex(readerIndex);
            enqueue(request, w, seq, quiet, null);
            retried++;
        }
        if (retried > 0) {
            scheduleFlush(); // with a NOOP barrier if the last one retried is quiet
        }
        return retried;
    }

    /** Whether {@link #retryReads} would queue anything again. */
    final boolean hasRetryableReads() {
        return inFlight.anyKept();
    }

    /**
     * Empties the in-flight table and, with it, what the transport holds for its entries. The table
     * is replaced before any entry is failed: failing one can make a client send at once, and its
     * request belongs in the new table, not in the one being emptied.
     */
    private InFlightTable takeInFlight() {
        tailQuiet = false;
        graceGiven = false;
        cancelTimer();
        discardUnsent();
        InFlightTable taken = inFlight;
        if (!taken.isEmpty()) {
            inFlight = new InFlightTable(taken.capacity());
        }
        return taken;
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
        if (inFlight.isEmpty()) {
            return;
        }
        long left = inFlight.deadline(0) - ticker.nanoTime();
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
        // Not a lost connection: the shard is hung, so nothing is retried.
        log.warn("shard {}: no answer within {} ms, {} requests in flight fail with 0x86; reconnecting",
                shard, TimeUnit.NANOSECONDS.toMillis(timeoutNanos), inFlight.size());
        counters.timedOut(shardIndex, inFlight.size());
        failAll(Status.TEMPORARY_FAILURE);
        abort("request timeout");
    }

    /** The NOOP kvgate adds behind quiet requests; its answer goes nowhere. */
    private static final Waiter BARRIER = new Waiter() {
        @Override
        public void answer(long seq, ByteBuf response) {
            if (response != null) {
                response.release();
            }
        }

        @Override
        public void fail(long seq, Status status) {
        }
    };
}
