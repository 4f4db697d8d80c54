package dev.kvgate.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.util.ResourceLeakDetector;

/**
 * Frames about to be written to one channel, gathered while they lie back to back in one read
 * buffer (the decoder's slices of one read), so that a run leaves as ONE write: a slice of that
 * buffer covering the run. A frame that is not contiguous with the run (another read buffer, a
 * buffer kvgate made) ends it: the caller writes what {@link #take} returns and starts a new run.
 *
 * <p>A run is only made where the leak detector cannot be fooled by it: the slice of the whole run
 * is released straight to the read buffer, past the leak detector's wrapper of that buffer, whose
 * record would then never be closed. So frames are joined when leak detection is off (kvgate's
 * default, see {@code Main}), or when it is paranoid and the frame is a plain slice (every tracked
 * buffer's slices are wrapped then); with sampled detection each frame is written on its own.
 *
 * <p>Ownership: each appended frame is owned here (one reference) until {@link #take} hands the run
 * on as one buffer (the frames' references are then released, the slice holds its own) or
 * {@link #release} drops it. Not thread-safe: one event loop.
 */
final class SliceRun {
    private final ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
    /**
     * The frames of the run, in order: the first in its own field, the others in {@link #more}, made
     * by the first run of two or more. A connection whose answers all leave one at a time (an idle
     * one, or one request at a time) never allocates it.
     */
    private ByteBuf first;
    private ByteBuf[] more;
    private int count;
    /** The read buffer the run lies in, null for a single frame that is not a slice. */
    private ByteBuf parent;
    /** Where the run starts in {@link #parent}, and its length. */
    private int start;
    private int length;
    /** Memory address (direct) or array offset (heap) just past the run. */
    private long end;

    boolean isEmpty() {
        return count == 0;
    }

    int size() {
        return count;
    }

    /** Bytes in the run. */
    int bytes() {
        return count == 0 ? 0 : count == 1 ? first.readableBytes() : length;
    }

    /**
     * Appends {@code frame} if the run is empty or it continues the run in the same read buffer;
     * returns false (and takes nothing) otherwise.
     */
    boolean append(ByteBuf frame) {
        if (count == 0) {
            first = frame;
            count = 1;
            parent = joinable(frame) ? root(frame) : null;
            if (parent != null) {
                long at = position(frame);
                long base = position(parent, parent.readerIndex()) - parent.readerIndex();
                if (at < 0 || base < 0) {
                    parent = null;
                } else if (at - base < 0 || at - base + frame.readableBytes() > parent.capacity()) {
                    parent = null;
                } else {
                    start = (int) (at - base);
                    length = frame.readableBytes();
                    end = at + length;
                }
            } else {
                parent = null;
            }
            return true;
        }
        if (parent == null || !joinable(frame) || root(frame) != parent) {
            return false;
        }
        long at = position(frame);
        if (at != end) {
            return false;
        }
        if (more == null) {
            more = new ByteBuf[4];
        } else if (count - 1 == more.length) {
            more = java.util.Arrays.copyOf(more, more.length * 2);
        }
        more[count - 1] = frame;
        count++;
        length += frame.readableBytes();
        end += frame.readableBytes();
        return true;
    }

    /** The run as one buffer the caller owns (null when empty); the run is empty afterwards. */
    ByteBuf take() {
        if (count == 0) {
            return null;
        }
        ByteBuf out;
        if (count == 1) {
            out = first;
            first = null;
        } else {
            // One reference for the slice, then the frames' own are given back.
            out = parent.retainedSlice(start, length);
            releaseAll();
        }
        count = 0;
        parent = null;
        return out;
    }

    /** Drops the run (the connection is gone, or its frames' requests were failed). */
    void release() {
        if (count > 0) {
            releaseAll();
        }
        count = 0;
        parent = null;
    }

    /** Gives back the reference of every frame of a non-empty run and forgets them. */
    private void releaseAll() {
        first.release();
        first = null;
        for (int i = 0; i < count - 1; i++) {
            more[i].release();
            more[i] = null;
        }
    }

    /** Whether {@code frame} is a slice that may be joined with its neighbours (see the class comment). */
    private boolean joinable(ByteBuf frame) {
        ByteBuf u = frame.unwrap();
        if (u == null) {
            return false;
        }
        return level == ResourceLeakDetector.Level.DISABLED
                || level == ResourceLeakDetector.Level.PARANOID && u.unwrap() == null;
    }

    /**
     * The buffer whose memory {@code b} shares: the end of its {@code unwrap()} chain (a slice's
     * parent, also through a leak detector's wrapper); {@code b} itself for a buffer of its own.
     */
    static ByteBuf root(ByteBuf b) {
        ByteBuf r = b;
        for (int i = 0; i < 8; i++) {
            ByteBuf u = r.unwrap();
            if (u == null) {
                return r;
            }
            r = u;
        }
        return r;
    }

    /** Whether {@code b} keeps a larger buffer alive than its own bytes (a slice of a read buffer). */
    static boolean pinsMore(ByteBuf b) {
        return b.unwrap() != null && root(b).capacity() > b.readableBytes();
    }

    /** Where the readable bytes of {@code b} start in memory, comparable within one parent; -1 if unknown. */
    private static long position(ByteBuf b) {
        return position(b, b.readerIndex());
    }

    private static long position(ByteBuf b, int index) {
        if (b.hasMemoryAddress()) {
            return b.memoryAddress() + index;
        }
        if (b.hasArray()) {
            return b.arrayOffset() + index;
        }
        return -1;
    }
}
