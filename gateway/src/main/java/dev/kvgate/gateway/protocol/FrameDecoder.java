package dev.kvgate.gateway.protocol;

import dev.kvgate.gateway.memory.MemoryBudget;
import dev.kvgate.mcbp.FrameError;
import dev.kvgate.mcbp.HeaderCheck;
import dev.kvgate.mcbp.Mcbp;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Cuts the byte stream into mcbp frames: 24-byte header plus the body length in bytes 8..11.
 *
 * <p>Each frame is handed on as one retained slice of the read buffer ({@code readRetainedSlice}): no
 * copy, and the receiver owns exactly one reference. The header is validated before anything else
 * looks at the frame: a magic of the expected direction, framing extras + extras + key within the
 * body, the frame within {@code maxFrame}. On a violation one {@link FrameError} is handed on and all
 * further input is discarded (the BAD state of Netty's memcache decoder, without throwing).
 *
 * <p>At most {@code framesPerRead} frames are handed on per read event ({@link ReadShare} decides);
 * the rest stays in the cumulation and is decoded in a task queued behind the other channels'
 * events, so one flooding connection cannot hold the event loop (fair sharing).
 *
 * <p>With a frame read timeout, a frame whose first byte arrived longer ago than the timeout and that
 * is still incomplete ends the stream with a {@link FrameError.Kind#STALLED} error: a peer that sends
 * half a header (or half a body) and waits cannot hold its connection slot for the idle timeout. Time
 * while reading is paused (auto-read off: backpressure, backlog) does not count against the peer.
 *
 * <p>Large frames (at least {@link MemoryBudget#largeFrame()} bytes) that do not arrive in one read
 * are gathered once: their header gives the size, so their bytes go into one buffer of exactly that
 * size, allocated against the {@link MemoryBudget}, instead of a cumulation grown by doubling and
 * copying. The frame is handed on as that buffer. A request decoder whose reservation fails stops
 * the connection's reading ({@link Memory#PAUSE}) until the budget has room ({@link Memory#RESUME});
 * a response decoder forces its reservation (its frame answers a request already admitted). A request
 * larger than the whole budget is refused with {@link FrameError.Kind#OVER_BUDGET} and its body
 * skipped as it arrives; the connection goes on.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    /** Which side's frames this decoder accepts. */
    public enum Direction { REQUEST, RESPONSE }

    private final Direction direction;
    private final int maxFrame;
    private final ReadShare share;
    private boolean bad;
    /** 0: no frame read timeout. */
    private final long readTimeoutNanos;
    /** When the incomplete frame now in the cumulation started arriving; -1 when there is none. */
    private long partialSinceNanos = -1;
    /** Frames handed on so far; tells whether a read completed a frame (and so began a new one). */
    private long framesOut;
    private ScheduledFuture<?> stallTimer;
    private final MemoryBudget budget;
    /** Bytes counted with each large frame besides the frame itself ({@link #countTlsRecordBuffers}). */
    private int alsoHeld;
    /** The large frame being gathered: exactly its size, owned here until complete or released. */
    private ByteBuf gathering;
    /** Bytes of a refused (over-budget) request body still to be skipped. */
    private long swallowRemaining;
    /** Reading is paused until the budget can hold the large frame at the head of the cumulation. */
    private boolean waitingForMemory;
    private boolean memoryWaiterQueued;

    public FrameDecoder(Direction direction, int maxFrame, int framesPerRead) {
        this(direction, maxFrame, framesPerRead, Duration.ZERO, MemoryBudget.unlimited(64 * 1024));
    }

    /** @param readTimeout how long a frame may stay incomplete; zero for no limit */
    public FrameDecoder(Direction direction, int maxFrame, int framesPerRead, Duration readTimeout) {
        this(direction, maxFrame, framesPerRead, readTimeout, MemoryBudget.unlimited(64 * 1024));
    }

    /**
     * @param readTimeout how long a frame may stay incomplete; zero for no limit
     * @param budget      what large frames are gathered against
     */
    public FrameDecoder(Direction direction, int maxFrame, int framesPerRead, Duration readTimeout,
                        MemoryBudget budget) {
        this.direction = direction;
        this.maxFrame = maxFrame;
        this.share = new ReadShare(framesPerRead);
        this.readTimeoutNanos = readTimeout.toNanos();
        this.budget = budget;
    }

    /** Whether a large frame is being gathered: reading must go on for its reservation to come back. */
    public boolean isGathering() {
        return gathering != null;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (bad) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (!in.isReadable()) {
            return;
        }
        String badMagic = HeaderCheck.badMagic(in.getByte(in.readerIndex()), direction == Direction.REQUEST);
        if (badMagic != null) {
            fail(in, out, FrameError.Kind.MALFORMED, badMagic);
            return;
        }
        if (in.readableBytes() < Mcbp.HEADER_SIZE) {
            return;
        }
        if (!share.mayTake()) {
            share.yieldRead(ctx, () -> decodeRest(ctx));
            return;
        }
        String badLengths = HeaderCheck.badLengths(in);
        if (badLengths != null) {
            fail(in, out, FrameError.Kind.MALFORMED, badLengths);
            return;
        }
        if (HeaderCheck.frameLength(in) > maxFrame) {
            FrameError error = HeaderCheck.oversize(in, maxFrame);
            bad = true;
            in.skipBytes(in.readableBytes());
            out.add(error);
            return;
        }
        int frameLength = (int) HeaderCheck.frameLength(in);
        if (direction == Direction.REQUEST
                && !budget.fits(frameLength >= budget.largeFrame() ? (long) frameLength + alsoHeld : frameLength)) {
            refuse(in, out, frameLength);
            return;
        }
        if (in.readableBytes() < frameLength) {
            if (frameLength >= budget.largeFrame()) {
                startGathering(ctx, in, frameLength);
            }
            return;
        }
        share.took();
        framesOut++;
        // Ownership: one reference, handed to the next handler.
        out.add(in.readRetainedSlice(frameLength));
    }

    /**
     * A large frame's first bytes are here: reserve its size, move what arrived into a buffer of
     * exactly that size, and route the rest of it there as it comes ({@link #channelRead}).
     */
    private void startGathering(ChannelHandlerContext ctx, ByteBuf in, int frameLength) {
        int reserved = frameLength + alsoHeld;
        if (direction == Direction.REQUEST) {
            if (!budget.tryReserve(reserved)) {
                waitForMemory(ctx, reserved);
                return;
            }
        } else {
            budget.forceReserve(reserved);
        }
        if (waitingForMemory) {
            waitingForMemory = false;
            ctx.fireUserEventTriggered(Memory.RESUME);
        }
        // Ownership: this decoder's until the frame is complete, then the next handler's.
        gathering = budget.allocate(ctx.alloc(), frameLength, reserved);
        gathering.writeBytes(in, in.readableBytes());
    }

    /**
     * On a TLS connection: count the engine's record buffers with each large frame
     * ({@link MemoryBudget#TLS_RECORD_BUFFERS}).
     */
    public void countTlsRecordBuffers() {
        alsoHeld = MemoryBudget.TLS_RECORD_BUFFERS;
    }

    private void waitForMemory(ChannelHandlerContext ctx, int bytes) {
        if (!waitingForMemory) {
            waitingForMemory = true;
            budget.countPause();
            ctx.fireUserEventTriggered(Memory.PAUSE);
        }
        if (memoryWaiterQueued) {
            return;
        }
        memoryWaiterQueued = true;
        budget.await(ctx.executor(), bytes, () -> {
            memoryWaiterQueued = false;
            if (ctx.isRemoved() || !ctx.channel().isActive()) {
                return;
            }
            try {
                // An empty read makes ByteToMessageDecoder decode its cumulation: the reservation is tried again.
                channelRead(ctx, Unpooled.EMPTY_BUFFER);
                channelReadComplete(ctx);
            } catch (Exception e) {
                ctx.fireExceptionCaught(e);
            }
        });
    }

    /** A request larger than the whole budget: refused, and its body skipped as it comes. */
    private void refuse(ByteBuf in, List<Object> out, int frameLength) {
        int base = in.readerIndex();
        budget.countRefusal();
        out.add(new FrameError(FrameError.Kind.OVER_BUDGET, in.getByte(base + Mcbp.OPCODE), in.getInt(base + Mcbp.OPAQUE),
                "frame of " + frameLength + " bytes exceeds the memory budget of " + budget.limit() + " bytes"));
        int skip = Math.min(frameLength, in.readableBytes());
        in.skipBytes(skip);
        swallowRemaining = frameLength - skip;
    }

    /** The next bytes of the large frame being gathered; the frame is handed on when complete. */
    private void gather(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        int take = Math.min(gathering.writableBytes(), in.readableBytes());
        gathering.writeBytes(in, take);
        if (gathering.isWritable()) {
            in.release();
            return;
        }
        ByteBuf frame = gathering;
        gathering = null;
        share.took();
        framesOut++;
        // Ownership: one reference, handed to the next handler.
        ctx.fireChannelRead(frame);
        if (in.isReadable()) {
            super.channelRead(ctx, in);
        } else {
            in.release();
        }
    }

    /** Skips the next bytes of a refused frame's body. */
    private void swallow(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        int skip = (int) Math.min(swallowRemaining, in.readableBytes());
        in.skipBytes(skip);
        swallowRemaining -= skip;
        if (in.isReadable()) {
            super.channelRead(ctx, in);
        } else {
            in.release();
        }
    }

    private void releaseGathering() {
        if (gathering != null) {
            gathering.release();
            gathering = null;
        }
    }

    private void fail(ByteBuf in, List<Object> out, FrameError.Kind kind, String reason) {
        bad = true;
        in.skipBytes(in.readableBytes());
        out.add(new FrameError(kind, (byte) 0, 0, reason));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        long framesBefore = framesOut;
        if (bad && msg instanceof ByteBuf in) {
            in.release();
        } else if (gathering != null && msg instanceof ByteBuf in) {
            gather(ctx, in);
        } else if (swallowRemaining > 0 && msg instanceof ByteBuf in) {
            swallow(ctx, in);
        } else {
            super.channelRead(ctx, msg);
        }
        if (readTimeoutNanos > 0) {
            trackPartial(ctx, framesOut != framesBefore);
        }
    }

    /** After a read: starts the clock of a frame that began arriving, stops it when none is pending. */
    private void trackPartial(ChannelHandlerContext ctx, boolean completedOne) {
        if (bad || !holdsPartial()) {
            partialSinceNanos = -1;
            return;
        }
        if (partialSinceNanos < 0 || completedOne) {
            partialSinceNanos = ctx.executor().ticker().nanoTime();
        }
        if (stallTimer == null) {
            stallTimer = ctx.executor().schedule(() -> checkStalled(ctx), readTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void checkStalled(ChannelHandlerContext ctx) {
        stallTimer = null;
        if (bad || partialSinceNanos < 0 || ctx.isRemoved() || !ctx.channel().isActive()) {
            return;
        }
        long now = ctx.executor().ticker().nanoTime();
        ByteBuf in = internalBuffer();
        if (!holdsPartial()) {
            partialSinceNanos = -1;
            return;
        }
        if (!ctx.channel().config().isAutoRead() || (gathering == null && swallowRemaining == 0 && holdsWholeFrame(in))) {
            // kvgate stopped reading, or the bytes are a backlog of whole frames: not the peer's delay.
            partialSinceNanos = now;
        } else if (now - partialSinceNanos >= readTimeoutNanos) {
            bad = true;
            int held = in.readableBytes() + (gathering != null ? gathering.readableBytes() : 0);
            in.skipBytes(in.readableBytes());
            releaseGathering();
            swallowRemaining = 0;
            partialSinceNanos = -1;
            ctx.fireChannelRead(new FrameError(FrameError.Kind.STALLED, (byte) 0, 0, "a frame stayed incomplete for "
                    + TimeUnit.NANOSECONDS.toMillis(readTimeoutNanos) + " ms (" + held + " bytes of it received)"));
            ctx.fireChannelReadComplete();
            return;
        }
        stallTimer = ctx.executor().schedule(() -> checkStalled(ctx),
                partialSinceNanos + readTimeoutNanos - now, TimeUnit.NANOSECONDS);
    }

    private boolean holdsPartial() {
        return gathering != null || swallowRemaining > 0 || internalBuffer().isReadable();
    }

    private static boolean holdsWholeFrame(ByteBuf in) {
        return in.readableBytes() >= Mcbp.HEADER_SIZE
                && in.readableBytes() - Mcbp.HEADER_SIZE >= in.getUnsignedInt(in.readerIndex() + Mcbp.BODY_LENGTH);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelStallTimer();
        releaseGathering();
        super.channelInactive(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelStallTimer();
        releaseGathering();
    }

    private void cancelStallTimer() {
        if (stallTimer != null) {
            stallTimer.cancel(false);
            stallTimer = null;
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        share.readComplete();
        super.channelReadComplete(ctx);
    }

    /** Decodes what the cumulation still holds, in the task {@link ReadShare} queued. */
    private void decodeRest(ChannelHandlerContext ctx) {
        try {
            // An empty read makes ByteToMessageDecoder decode what its cumulation still holds.
            channelRead(ctx, ctx.alloc().buffer(0));
            channelReadComplete(ctx);
        } catch (Exception e) {
            ctx.fireExceptionCaught(e);
        }
    }

    /**
     * Told to the next handlers when the decoder holds undecoded frames beyond its per-read share
     * (PAUSE: stop reading the socket) and when that backlog is drained (RESUME).
     */
    public enum Backlog { PAUSE, RESUME }

    /**
     * Told to the next handlers when a large request waits for room in the memory budget (PAUSE:
     * stop reading) and when it got it (RESUME).
     */
    public enum Memory { PAUSE, RESUME }
}
