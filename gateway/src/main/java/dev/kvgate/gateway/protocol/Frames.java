package dev.kvgate.gateway.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Rewrites of whole frames that cannot be done in place. */
public final class Frames {
    private Frames() {
    }

    /**
     * The classic (magic 0x80) form of a flexible-framing request (magic 0x08): the framing extras are
     * dropped, since memcached does not speak them. Returns a new buffer the caller owns; does not
     * release {@code frame}.
     */
    public static ByteBuf toClassicRequest(ByteBufAllocator alloc, ByteBuf frame) {
        int base = frame.readerIndex();
        int framing = Mcbp.framingExtrasLength(frame);
        int key = Mcbp.keyLength(frame);
        int body = (int) Mcbp.bodyLength(frame) - framing;
        ByteBuf out = alloc.buffer(Mcbp.HEADER_SIZE + body);
        try {
            out.writeByte(Magic.REQUEST.code());
            out.writeByte(frame.getByte(base + Mcbp.OPCODE));
            out.writeShort(key);
            out.writeByte(frame.getByte(base + Mcbp.EXTRAS_LENGTH));
            out.writeByte(frame.getByte(base + Mcbp.DATATYPE));
            out.writeShort(frame.getShort(base + Mcbp.VBUCKET));
            out.writeInt(body);
            out.writeInt(frame.getInt(base + Mcbp.OPAQUE));
            out.writeLong(frame.getLong(base + Mcbp.CAS));
            out.writeBytes(frame, base + Mcbp.HEADER_SIZE + framing, body);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }
}
