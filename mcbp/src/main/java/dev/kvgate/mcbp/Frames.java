package dev.kvgate.mcbp;

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

    /**
     * kv_engine's encoding of the server duration framing extra: {@code (micros * 2) ^ (1 / 1.74)},
     * saturated at 65535 (about 120 s); the client decodes with {@code encoded ^ 1.74 / 2}.
     */
    public static int encodeServerDuration(long nanos) {
        double micros = nanos / 1000.0;
        return (int) Math.min(Math.pow(micros * 2, 1.0 / 1.74), 65535.0);
    }

    public static double decodeServerDuration(int encoded) {
        return Math.pow(encoded, 1.74) / 2;
    }

    /**
     * The response in {@code frame} as a flexible-framing response (magic 0x18) carrying the server
     * duration framing extra (id 0, length 2). Returns a new buffer the caller owns; does not release
     * {@code frame}. The key must fit the flexible header's 8-bit key length (mcbp keys are at most 250).
     */
    public static ByteBuf withServerDuration(ByteBufAllocator alloc, ByteBuf frame, int encodedDuration) {
        int base = frame.readerIndex();
        int body = (int) Mcbp.bodyLength(frame);
        ByteBuf out = alloc.buffer(Mcbp.HEADER_SIZE + 3 + body);
        try {
            out.writeByte(Magic.ALT_RESPONSE.code());
            out.writeByte(frame.getByte(base + Mcbp.OPCODE));
            out.writeByte(3);
            out.writeByte(Mcbp.keyLength(frame));
            out.writeByte(frame.getByte(base + Mcbp.EXTRAS_LENGTH));
            out.writeByte(frame.getByte(base + Mcbp.DATATYPE));
            out.writeShort(frame.getShort(base + Mcbp.STATUS));
            out.writeInt(body + 3);
            out.writeInt(frame.getInt(base + Mcbp.OPAQUE));
            out.writeLong(frame.getLong(base + Mcbp.CAS));
            out.writeByte(0x02); // id 0 (server recv->send duration), length 2
            out.writeShort(encodedDuration);
            out.writeBytes(frame, base + Mcbp.HEADER_SIZE, body);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }
}
