package dev.kvgate.gateway.proxy;

import io.netty.buffer.ByteBuf;

/**
 * A backend connection's requests in flight, oldest first: a ring of parallel arrays, so sending a
 * request stores a few fields and allocates nothing. The ring grows (doubling) while the connection's
 * max-in-flight allows, and never shrinks. Entries are named by their position from the head
 * ({@code 0} is the oldest); only the head is ever removed.
 *
 * <p>Ownership: {@link #request} of an entry is a buffer the entry owns (kept for one retry), released
 * by whoever takes the entry out ({@link Backend}). Not thread-safe: one event loop.
 */
final class InFlightTable {
    private int[] opaque;
    private long[] deadline;
    private boolean[] quiet;
    private Waiter[] waiter;
    private long[] seq;
    private ByteBuf[] request;
    private int[] keptIndex;
    private int mask;
    /** Absolute positions: the head entry is at {@code head & mask}; {@code tail - head} entries. */
    private int head;
    private int tail;

    InFlightTable(int initialCapacity) {
        int cap = Integer.highestOneBit(Math.max(2, initialCapacity - 1)) << 1;
        allocate(cap);
    }

    private void allocate(int cap) {
        opaque = new int[cap];
        deadline = new long[cap];
        quiet = new boolean[cap];
        waiter = new Waiter[cap];
        seq = new long[cap];
        request = new ByteBuf[cap];
        keptIndex = new int[cap];
        mask = cap - 1;
    }

    int size() {
        return tail - head;
    }

    boolean isEmpty() {
        return tail == head;
    }

    int capacity() {
        return mask + 1;
    }

    /**
     * Appends an entry; {@code kept} (may be null) is owned by the entry from now on, and
     * {@code keptReaderIndex} is where its frame starts.
     */
    void add(int backendOpaque, long deadlineNanos, boolean isQuiet, Waiter w, long s, ByteBuf kept,
             int keptReaderIndex) {
        if (tail - head == mask + 1) {
            grow();
        }
        int i = tail & mask;
        opaque[i] = backendOpaque;
        deadline[i] = deadlineNanos;
        quiet[i] = isQuiet;
        waiter[i] = w;
        seq[i] = s;
        request[i] = kept;
        keptIndex[i] = keptReaderIndex;
        tail++;
    }

    private void grow() {
        int[] o = opaque;
        long[] d = deadline;
        boolean[] q = quiet;
        Waiter[] w = waiter;
        long[] s = seq;
        ByteBuf[] r = request;
        int[] ki = keptIndex;
        int oldMask = mask;
        int n = tail - head;
        allocate((oldMask + 1) << 1);
        for (int k = 0; k < n; k++) {
            int from = (head + k) & oldMask;
            int to = (head + k) & mask;
            opaque[to] = o[from];
            deadline[to] = d[from];
            quiet[to] = q[from];
            waiter[to] = w[from];
            seq[to] = s[from];
            request[to] = r[from];
            keptIndex[to] = ki[from];
        }
    }

    private int at(int fromHead) {
        return (head + fromHead) & mask;
    }

    int opaque(int fromHead) {
        return opaque[at(fromHead)];
    }

    long deadline(int fromHead) {
        return deadline[at(fromHead)];
    }

    boolean quiet(int fromHead) {
        return quiet[at(fromHead)];
    }

    Waiter waiter(int fromHead) {
        return waiter[at(fromHead)];
    }

    long seq(int fromHead) {
        return seq[at(fromHead)];
    }

    ByteBuf request(int fromHead) {
        return request[at(fromHead)];
    }

    /** Where the kept request's frame starts (its reader index when it was sent). */
    int keptIndex(int fromHead) {
        return keptIndex[at(fromHead)];
    }

    /** Takes the kept request of an entry (the caller owns it now); null if none was kept. */
    ByteBuf takeRequest(int fromHead) {
        int i = at(fromHead);
        ByteBuf r = request[i];
        request[i] = null;
        return r;
    }

    /** Removes the head entry; its kept request must have been taken. Clears references for the GC. */
    void removeHead() {
        int i = head & mask;
        waiter[i] = null;
        request[i] = null;
        head++;
    }

    /** Whether an entry carries {@code backendOpaque}. */
    boolean contains(int backendOpaque) {
        for (int p = head; p != tail; p++) {
            if (opaque[p & mask] == backendOpaque) {
                return true;
            }
        }
        return false;
    }

    /** Whether any entry keeps its request for a retry. */
    boolean anyKept() {
        for (int p = head; p != tail; p++) {
            if (request[p & mask] != null) {
                return true;
            }
        }
        return false;
    }
}
