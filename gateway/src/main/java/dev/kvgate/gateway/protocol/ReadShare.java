package dev.kvgate.gateway.protocol;

import io.netty.channel.ChannelHandlerContext;

/**
 * Fair sharing of an event loop between its connections: one connection hands on at most
 * {@code framesPerRead} frames per read event; past that it yields: the next handlers are told
 * {@link FrameDecoder.Backlog#PAUSE} (stop reading the socket), and the rest of what was read is
 * decoded in a task queued behind the other channels' events, after which they are told
 * {@link FrameDecoder.Backlog#RESUME} unless that task had to yield again.
 *
 * <p>Kept apart from the decoder, which only cuts frames: this class decides when it may go on.
 * Not thread-safe: the channel's event loop.
 */
final class ReadShare {
    private final int framesPerRead;
    private int framesThisRead;
    private boolean resumeScheduled;

    ReadShare(int framesPerRead) {
        this.framesPerRead = framesPerRead;
    }

    /** Whether one more frame may be handed on in this read event. */
    boolean mayTake() {
        return framesThisRead < framesPerRead;
    }

    /** A frame was handed on. */
    void took() {
        framesThisRead++;
    }

    /** The read event ended: the next one gets a full share. */
    void readComplete() {
        framesThisRead = 0;
    }

    /**
     * The share is used up with frames still buffered: pause reading and run {@code decodeRest} in a
     * task of its own (once, however often this is called before it runs).
     */
    void yieldRead(ChannelHandlerContext ctx, Runnable decodeRest) {
        if (resumeScheduled) {
            return;
        }
        resumeScheduled = true;
        // The session stops taking more bytes from the socket until the backlog already read is decoded.
        ctx.fireUserEventTriggered(FrameDecoder.Backlog.PAUSE);
        ctx.executor().execute(() -> {
            resumeScheduled = false;
            framesThisRead = 0;
            if (!ctx.channel().isActive() || ctx.isRemoved()) {
                return;
            }
            decodeRest.run();
            if (!resumeScheduled) {
                ctx.fireUserEventTriggered(FrameDecoder.Backlog.RESUME);
            }
        });
    }
}
