package dev.kvgate.gateway.proxy;

import dev.kvgate.gateway.memory.MemoryBudget;
import dev.kvgate.mcbp.Frames;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Responses;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;

/**
 * A client connection's answers in request order, and their writing: one entry per request, named by
 * a sequence number, in a ring of parallel arrays (no object per request). An entry is settled once,
 * with the answer to send or none; answers leave from the head in order, one flush per event-loop
 * turn. With unordered execution (HELLO) a keyed answer leaves at once unless a barrier (a non-keyed
 * command) waits in the queue.
 *
 * <p>Ownership: an answer given to {@link #settle} or {@link #answer} belongs to its entry until it is
 * written (then the transport's) or released (client gone, entry already settled).
 *
 * <p>Memory: the ring is allocated by the first request, not with the connection, and starts at the
 * capacity the session gives (a few entries; it doubles while more wait), so a connection that was
 * opened and left idle holds no ring at all, one that sent a few requests a small one.
 *
 * <p>Not thread-safe: the client channel's event loop only.
 */
final class ResponseQueue implements Waiter {
    private static final byte DONE = 1;
    private static final byte BARRIER = 2;
    private static final byte CLOSE_AFTER = 4;
    /** Already written ahead of its turn (unordered execution). */
    private static final byte WRITTEN = 8;
    /** A waiting answer that is a slice of a backend's read buffer, counted in {@link #pinnedBytes}. */
    private static final byte PINNED = 16;
    /**
     * A waiting answer smaller than this that is a slice of a backend's read buffer is copied out of
     * it: holding the slice would keep that whole buffer (tens of KiB) alive for a few bytes.
     */
    static final int COPY_BELOW = 1024;

    /** What the session does when answers left the queue. */
    interface Owner {
        /** An answer that ends the connection (QUIT, framing error) was written. */
        void closeAfterWrite();

        /** Entries left the head: room for held requests, perhaps for reading. */
        void answersLeft();
    }

    private final Channel channel;
    private final ByteBufAllocator alloc;
    private final GatewayStats.Loop counts;
    private final LoopCounters counters;
    private final Owner owner;
    private final Runnable flushTask = this::flushNow;
    /** Answers of this turn not written yet: back-to-back ones leave as one write at the flush. */
    private final SliceRun run = new SliceRun();
    /** Bytes of read buffers held by waiting answers (see {@link #PINNED}). */
    private long pinnedBytes;
    /** On a TLS connection, what the encrypted copies of large answers are counted against; else null. */
    private MemoryBudget encrypted;

    /** The ring's capacity when the first request allocates it (a power of two). */
    private final int initialCapacity;
    /** The ring, null until the first request; {@link #mask} is -1 (capacity 0) until then. */
    private byte[] opcode;
    private int[] opaque;
    private byte[] flags;
    private ByteBuf[] response;
    /** When each request arrived, for the Tracing server duration; 0 when tracing is off. */
    private long[] startNanos;
    private int mask = -1;
    /** Sequence number of the oldest entry, and the next one to be given out. */
    private long head;
    private long tail;

    private boolean closed;
    private boolean flushScheduled;
    /** Features negotiated with HELLO. */
    private boolean xerror;
    private boolean unordered;
    private boolean tracing;
    /** Unordered execution: barrier entries still in the queue. */
    private int pendingBarriers;

    ResponseQueue(Channel channel, ByteBufAllocator alloc, GatewayStats.Loop counts, LoopCounters counters,
                  Owner owner, int initialCapacity) {
        this.channel = channel;
        this.alloc = alloc;
        this.counts = counts;
        this.counters = counters;
        this.owner = owner;
        this.initialCapacity = Integer.highestOneBit(Math.max(2, initialCapacity - 1)) << 1;
    }

    private void allocate(int cap) {
        opcode = new byte[cap];
        opaque = new int[cap];
        flags = new byte[cap];
        response = new ByteBuf[cap];
        startNanos = new long[cap];
        mask = cap - 1;
    }

    /** Room for one more entry: the first request allocates the ring, a full ring doubles. */
    private void grow() {
        if (opcode == null) {
            allocate(initialCapacity);
            return;
        }
        byte[] oc = opcode;
        int[] op = opaque;
        byte[] fl = flags;
        ByteBuf[] rs = response;
        long[] st = startNanos;
        int oldMask = mask;
        allocate((oldMask + 1) << 1);
        for (long s = head; s < tail; s++) {
            int from = (int) s & oldMask;
            int to = (int) s & mask;
            opcode[to] = oc[from];
            opaque[to] = op[from];
            flags[to] = fl[from];
            response[to] = rs[from];
            startNanos[to] = st[from];
        }
    }

    int size() {
        return (int) (tail - head);
    }

    boolean isEmpty() {
        return tail == head;
    }

    /** Entries the ring holds before it grows; 0 before the first request. */
    int capacity() {
        return mask + 1;
    }

    /**
     * A new entry at the tail for a request; returns its sequence number.
     *
     * @param barrier a non-keyed command: with unordered execution answered only after everything before it
     */
    long add(byte requestOpcode, int clientOpaque, boolean barrier) {
        if (tail - head == mask + 1) {
            grow();
        }
        long seq = tail++;
        int i = (int) seq & mask;
        opcode[i] = requestOpcode;
        opaque[i] = clientOpaque;
        flags[i] = barrier ? BARRIER : 0;
        response[i] = null;
        startNanos[i] = tracing ? System.nanoTime() : 0;
        if (unordered && barrier) {
            pendingBarriers++;
        }
        counts.add(GatewayStats.IN_FLIGHT, 1);
        return seq;
    }

    /** Whether {@code seq} names an entry still waiting for its answer. */
    boolean waiting(long seq) {
        return !closed && seq >= head && seq < tail && (flags[(int) seq & mask] & DONE) == 0;
    }

    /** The connection is closed once the answer of {@code seq} is written. */
    void closeAfter(long seq) {
        if (seq >= head && seq < tail) {
            flags[(int) seq & mask] |= CLOSE_AFTER;
        }
    }

    byte opcode(long seq) {
        return opcode[(int) seq & mask];
    }

    int clientOpaque(long seq) {
        return opaque[(int) seq & mask];
    }

    /** The backend's own bytes go back to the client: only the opaque is patched, in place. */
    @Override
    public void answer(long seq, ByteBuf frame) {
        if (frame != null && waiting(seq)) {
            Mcbp.setOpaque(frame, opaque[(int) seq & mask]);
        }
        settle(seq, frame);
    }

    @Override
    public void fail(long seq, Status status) {
        if (!waiting(seq)) {
            return;
        }
        int i = (int) seq & mask;
        settle(seq, error(opcode[i], status, opaque[i]));
    }

    /** An error response as negotiated: plain text, or kv_engine's JSON with XERROR. */
    ByteBuf error(byte requestOpcode, Status status, int clientOpaque) {
        return xerror ? Responses.xerror(alloc, requestOpcode, status, clientOpaque)
                : Responses.error(alloc, requestOpcode, status, clientOpaque);
    }

    /** Settles {@code seq} with an answer built by kvgate (ownership passes to the entry) or none. */
    void settle(long seq, ByteBuf frame) {
        if (!waiting(seq)) {
            if (frame != null) {
                frame.release();
            }
            return;
        }
        int i = (int) seq & mask;
        counters.answered(opcode[i], frame);
        if (frame != null && seq != head && !writesEarly(flags[i]) && SliceRun.pinsMore(frame)) {
            // It waits for the answers before it, as a slice of a backend's read buffer.
            if (frame.readableBytes() < COPY_BELOW) {
                frame = copyOut(frame);
            } else {
                flags[i] |= PINNED;
                pinnedBytes += frame.readableBytes();
            }
        }
        response[i] = frame;
        flags[i] |= DONE;
        completed(seq);
    }

    /** Whether an answer with these flags leaves as soon as it settles (unordered execution). */
    private boolean writesEarly(byte f) {
        return unordered && (f & BARRIER) == 0 && pendingBarriers == 0;
    }

    /** A copy of exactly its size; the slice (and with it the read buffer) is released. */
    private ByteBuf copyOut(ByteBuf slice) {
        ByteBuf copy;
        try {
            copy = alloc.buffer(slice.readableBytes());
        } catch (RuntimeException | OutOfMemoryError e) {
            // No memory for the copy: keep the slice, it is what was there.
            return slice;
        }
        try {
            copy.writeBytes(slice, slice.readerIndex(), slice.readableBytes());
        } finally {
            slice.release();
        }
        return copy;
    }

    /** Bytes of backend read buffers the waiting answers keep; they count against the client's water marks. */
    long pinnedBytes() {
        return pinnedBytes;
    }

    private void unpin(int i, ByteBuf r) {
        if ((flags[i] & PINNED) != 0) {
            flags[i] &= ~PINNED;
            pinnedBytes -= r.readableBytes();
        }
    }

    private void completed(long seq) {
        int i = (int) seq & mask;
        if (seq != head && writesEarly(flags[i])) {
            flags[i] |= WRITTEN;
            ByteBuf r = response[i];
            response[i] = null;
            write(r, startNanos[i]);
        }
        while (head < tail && (flags[(int) head & mask] & DONE) != 0) {
            // Taken out before it is written: a write can run a nested round of this loop.
            int h = (int) head & mask;
            ByteBuf r = response[h];
            if (r != null) {
                unpin(h, r);
            }
            byte f = flags[h];
            long started = startNanos[h];
            response[h] = null;
            head++;
            counts.add(GatewayStats.IN_FLIGHT, -1);
            if (unordered && (f & BARRIER) != 0) {
                pendingBarriers--;
            }
            if ((f & WRITTEN) == 0) {
                write(r, started);
            }
            if ((f & CLOSE_AFTER) != 0 && !closed) {
                writeRun();
                owner.closeAfterWrite();
            }
        }
        owner.answersLeft();
    }

    private void write(ByteBuf r, long started) {
        if (r == null) {
            return;
        }
        if (closed) {
            r.release();
            return;
        }
        if (tracing && started != 0 && r.readableBytes() == Mcbp.frameLength(r)) {
            ByteBuf traced;
            try {
                traced = Frames.withServerDuration(alloc, r, Frames.encodeServerDuration(System.nanoTime() - started));
            } finally {
                r.release();
            }
            r = traced;
        }
        if (!run.append(r)) {
            writeRun();
            run.append(r);
        }
        scheduleFlush();
    }

    /**
     * Counts a TLS connection's large writes against {@code budget} until they are written. The
     * SslHandler frees an answer, and with it the answer's own reservation, as soon as it has encrypted
     * it; the encrypted copy then waits in the channel's outbound buffer for as long as the client
     * takes to read it. Without this, 40 slow TLS readers of 900 KB values held 36 MB the budget did
     * not see.
     */
    void countEncryptedWrites(MemoryBudget budget) {
        this.encrypted = budget;
    }

    private void writeRun() {
        ByteBuf out = run.take();
        if (out == null) {
            return;
        }
        MemoryBudget budget = encrypted;
        int size = out.readableBytes();
        if (budget != null && size >= budget.largeFrame()) {
            int bytes = size + MemoryBudget.TLS_RECORD_BUFFERS;
            // Reserved before the write: the encrypted copy exists from the wrap (in this call or at the
            // flush) until the socket took it, or the write failed; the engine's record buffers with it.
            budget.forceReserve(bytes);
            channel.write(out).addListener(written -> budget.release(bytes));
            return;
        }
        // Ownership: the transport's from here on, also on failure.
        channel.write(out, channel.voidPromise());
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            channel.eventLoop().execute(flushTask);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        writeRun();
        channel.flush();
    }

    void xerror(boolean on) {
        xerror = on;
    }

    void tracing(boolean on) {
        tracing = on;
    }

    /** Switches unordered execution; barriers already queued are counted again under the new mode. */
    void unordered(boolean on) {
        if (unordered == on) {
            return;
        }
        unordered = on;
        pendingBarriers = 0;
        if (on) {
            for (long s = head; s < tail; s++) {
                if ((flags[(int) s & mask] & BARRIER) != 0) {
                    pendingBarriers++;
                }
            }
        }
    }

    /** The client is gone: every answer held is released, answers still to come will be. */
    void close() {
        closed = true;
        run.release();
        pinnedBytes = 0;
        for (long s = head; s < tail; s++) {
            int i = (int) s & mask;
            ByteBuf r = response[i];
            response[i] = null;
            if (r != null) {
                r.release();
            }
            counts.add(GatewayStats.IN_FLIGHT, -1);
        }
        head = tail;
    }

    ByteBufAllocator alloc() {
        return alloc;
    }

    boolean isClosed() {
        return closed;
    }
}
