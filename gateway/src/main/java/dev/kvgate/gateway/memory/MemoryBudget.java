package dev.kvgate.gateway.memory;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The bytes kvgate may hold in large frames at once: request and response frames of at least
 * {@link #largeFrame()} bytes are each gathered into one buffer of their exact size, allocated only
 * against this budget and given back when the buffer is freed (after its write, or on release).
 *
 * <p>Two kinds of reservation, because of who may wait. A client connection that wants to gather a
 * large request {@link #tryReserve tries}; when it cannot, it stops reading and {@link #await waits}
 * for relief. A backend connection's large response is {@link #forceReserve forced}: it answers a
 * request already admitted, and pausing a shared backend connection would stall every client on it,
 * and memcached with it (it stops reading requests when its answers are not read). Instead, above the
 * high-water mark the client sessions stop reading new requests ({@link #underPressure}) until the
 * budget falls below the low-water mark, so responses are bounded by what was admitted before.
 *
 * <p>Thread-safe; one atomic update per large frame, nothing per small one.
 */
public final class MemoryBudget {
    /**
     * What a TLS connection's engine holds besides the frame while a large frame crosses it: BoringSSL
     * keeps a read and a write buffer of one record each (16 KiB of data plus header, tag and padding)
     * for as long as records keep coming or going, and frees them when the connection is quiet. Counted
     * with each large frame of a TLS client connection, so that the budget bounds what large frames
     * really cost there (40 TLS connections moving large values held 1.3 MB of them outside it).
     */
    public static final int TLS_RECORD_BUFFERS = 2 * (16 * 1024 + 512);

    private final long limit;
    private final long highWater;
    private final long lowWater;
    private final int largeFrame;
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong pauses = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();
    private volatile boolean pressure;
    /** Other direct memory that shares the limit (the pooled allocator's growth); 0 when not set. */
    private volatile LongSupplier alsoInUse = () -> 0;
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();

    private record Waiter(EventExecutor loop, Runnable task) {
    }

    /**
     * @param limit      the most bytes of large frames held at once
     * @param highWater  at or above this, client connections stop reading
     * @param lowWater   they read again once use is at or below this
     * @param largeFrame frames of at least this size are gathered into one exact buffer and accounted
     */
    public MemoryBudget(long limit, long highWater, long lowWater, int largeFrame) {
        if (!(0 < lowWater && lowWater < highWater && highWater <= limit)) {
            throw new IllegalArgumentException("need 0 < low-water < high-water <= budget, got " + lowWater + ", "
                    + highWater + ", " + limit);
        }
        this.limit = limit;
        this.highWater = highWater;
        this.lowWater = lowWater;
        this.largeFrame = largeFrame;
    }

    /** No budget to speak of (tools and tests): every reservation succeeds. */
    public static MemoryBudget unlimited(int largeFrame) {
        return new MemoryBudget(Long.MAX_VALUE, Long.MAX_VALUE - 1, Long.MAX_VALUE - 2, largeFrame);
    }

    public long limit() {
        return limit;
    }

    public int largeFrame() {
        return largeFrame;
    }

    public long used() {
        return used.get();
    }

    public long peak() {
        return peak.get();
    }

    /** Times a client connection stopped reading to wait for the budget (large frame or pressure). */
    public long pauses() {
        return pauses.get();
    }

    /** Frames larger than the whole budget, refused with an error. */
    public long refusals() {
        return refusals.get();
    }

    /** Whether use went over the high-water mark and has not yet fallen to the low-water mark. */
    public boolean underPressure() {
        return pressure;
    }

    /** Whether a frame of this many bytes can ever be held. */
    public boolean fits(long bytes) {
        return bytes <= limit;
    }

    public void countRefusal() {
        refusals.incrementAndGet();
    }

    /** A client connection stopped reading for the budget. */
    public void countPause() {
        pauses.incrementAndGet();
    }

    /**
     * Makes {@link #tryReserve} count {@code other} bytes against the limit too: the direct memory that
     * small frames, socket reads and TLS records take from the pooled allocator, whose chunks grow under
     * load. Only admission looks at it: the pressure that stops reading follows large frames alone, and
     * a request is admitted whatever the pool holds when no large frame is held, so a pool that stays
     * grown slows large frames down to one at a time but never stops them.
     */
    public void alsoCount(LongSupplier other) {
        this.alsoInUse = other;
    }

    private boolean room(long now, long bytes) {
        return now == 0 || now + bytes + Math.max(0, alsoInUse.getAsLong()) <= limit;
    }

    /** Reserves {@code bytes} for a client's request if that keeps use within the budget and no pressure is on. */
    public boolean tryReserve(long bytes) {
        for (;;) {
            if (pressure) {
                return false;
            }
            long now = used.get();
            if (now + bytes > limit || !room(now, bytes)) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                added(now + bytes);
                return true;
            }
        }
    }

    /** Reserves {@code bytes} for a response to a request already admitted: never refused. */
    public void forceReserve(long bytes) {
        added(used.addAndGet(bytes));
    }

    private void added(long now) {
        peak.accumulateAndGet(now, Math::max);
        if (now >= highWater && !pressure) {
            pressure = true;
        }
    }

    /** Gives back {@code bytes}; at the low-water mark the pressure ends and the waiters are woken. */
    public void release(long bytes) {
        long now = used.addAndGet(-bytes);
        if (pressure && now <= lowWater) {
            pressure = false;
        }
        if (!pressure && !waiters.isEmpty()) {
            wake();
        }
    }

    /**
     * Runs {@code task} on {@code loop} once the pressure is off and {@code bytes} more would fit (at
     * once if that is so now). The task must try again: another connection may take the room first.
     */
    public void await(EventExecutor loop, long bytes, Runnable task) {
        waiters.add(new Waiter(loop, task));
        // A release between the caller's failed attempt and this add would have found no waiter.
        long now = used.get();
        if (!pressure && now + bytes <= limit && room(now, bytes)) {
            wake();
        }
    }

    private void wake() {
        Waiter w;
        while ((w = waiters.poll()) != null) {
            w.loop.execute(w.task);
        }
    }

    /**
     * One direct buffer of exactly {@code capacity} bytes, already reserved by the caller, that gives
     * its reservation back when it is freed. Ownership: the caller's, one reference.
     */
    public ByteBuf allocate(ByteBufAllocator alloc, int capacity) {
        return new Accounted(alloc, capacity, capacity, this);
    }

    /**
     * As {@link #allocate(ByteBufAllocator, int)}, for a reservation of {@code reserved} bytes (at least
     * the capacity: the frame and what else it holds while it lives, see {@link #TLS_RECORD_BUFFERS}).
     */
    public ByteBuf allocate(ByteBufAllocator alloc, int capacity, int reserved) {
        return new Accounted(alloc, capacity, Math.max(capacity, reserved), this);
    }

    /** An unpooled direct buffer of exact size whose deallocation returns its bytes to the budget. */
    private static final class Accounted extends UnpooledDirectByteBuf {
        private final MemoryBudget budget;
        private final int reserved;

        Accounted(ByteBufAllocator alloc, int capacity, int reserved, MemoryBudget budget) {
            super(alloc, capacity, capacity);
            this.budget = budget;
            this.reserved = reserved;
        }

        @Override
        protected void deallocate() {
            try {
                super.deallocate();
            } finally {
                budget.release(reserved);
            }
        }
    }
}
