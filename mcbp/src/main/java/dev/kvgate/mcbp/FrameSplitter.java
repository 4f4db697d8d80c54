package dev.kvgate.mcbp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Cuts a byte stream into mcbp frames for the clients (kvgate's client, bench, check): the header
 * checks of {@link HeaderCheck}, no memory budget, no fairness, no stall timer (those are the
 * gateway's, in its own decoder).
 *
 * <p>Each frame is handed on as one retained slice of the cumulation; the receiver owns that one
 * reference. On a violation one {@link FrameError} is handed on and all further input is discarded.
 */
public final class FrameSplitter extends ByteToMessageDecoder {
    private final boolean requests;
    private final int maxFrame;
    private boolean bad;

    /**
     * @param requests whether the stream carries requests (a server side) or responses (a client)
     * @param maxFrame the largest frame accepted, header included
     */
    public FrameSplitter(boolean requests, int maxFrame) {
        this.requests = requests;
        this.maxFrame = maxFrame;
    }

    /** A client's splitter: responses up to {@code maxFrame} bytes. */
    public static FrameSplitter responses(int maxFrame) {
        return new FrameSplitter(false, maxFrame);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (!bad && in.isReadable()) {
            String badMagic = HeaderCheck.badMagic(in.getByte(in.readerIndex()), requests);
            if (badMagic != null) {
                fail(in, out, new FrameError(FrameError.Kind.MALFORMED, (byte) 0, 0, badMagic));
                return;
            }
            if (in.readableBytes() < Mcbp.HEADER_SIZE) {
                return;
            }
            String badLengths = HeaderCheck.badLengths(in);
            if (badLengths != null) {
                fail(in, out, new FrameError(FrameError.Kind.MALFORMED, (byte) 0, 0, badLengths));
                return;
            }
            long frameLength = HeaderCheck.frameLength(in);
            if (frameLength > maxFrame) {
                fail(in, out, HeaderCheck.oversize(in, maxFrame));
                return;
            }
            if (in.readableBytes() < frameLength) {
                return;
            }
            // Ownership: one reference, handed to the next handler.
            out.add(in.readRetainedSlice((int) frameLength));
        }
        if (bad) {
            in.skipBytes(in.readableBytes());
        }
    }

    private void fail(ByteBuf in, List<Object> out, FrameError error) {
        bad = true;
        in.skipBytes(in.readableBytes());
        out.add(error);
    }
}
