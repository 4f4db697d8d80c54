package dev.kvgate.mcbp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The one request encoder, beside {@link Responses}: used by the text-protocol translation, the
 * client, bench, check, the benchmarks and the tests. A frame is one buffer sized once for header,
 * framing extras, extras, key and value and written once; the caller owns it.
 */
public final class Requests {
    private static final byte[] NONE = new byte[0];

    private Requests() {
    }

    /**
     * Writes a classic (magic 0x80) 24-byte request header at {@code out}'s writer index.
     *
     * @param bodyLength extras + key + value length
     */
    public static void writeHeader(ByteBuf out, byte opcode, int keyLength, int extrasLength, int vbucket,
                                   int bodyLength, int opaque, long cas) {
        out.writeByte(Magic.REQUEST.code());
        out.writeByte(opcode);
        out.writeShort(keyLength);
        out.writeByte(extrasLength);
        out.writeByte(0); // datatype: raw bytes
        out.writeShort(vbucket);
        out.writeInt(bodyLength);
        out.writeInt(opaque);
        out.writeLong(cas);
    }

    /** A classic request frame; null arrays stand for empty parts. */
    public static ByteBuf frame(ByteBufAllocator alloc, byte opcode, byte[] extras, byte[] key, byte[] value,
                                int opaque, long cas) {
        return frame(alloc, opcode, NONE, extras, key, value, 0, opaque, cas);
    }

    /**
     * A request frame; flexible framing (magic 0x08) when {@code framingExtras} is not empty, whose
     * 8-bit key length then limits the key to 255 bytes. Null arrays stand for empty parts.
     */
    public static ByteBuf frame(ByteBufAllocator alloc, byte opcode, byte[] framingExtras, byte[] extras,
                                byte[] key, byte[] value, int vbucket, int opaque, long cas) {
        byte[] fe = orNone(framingExtras);
        byte[] ex = orNone(extras);
        byte[] k = orNone(key);
        byte[] v = orNone(value);
        int body = fe.length + ex.length + k.length + v.length;
        ByteBuf out = alloc.buffer(Mcbp.HEADER_SIZE + body);
        try {
            if (fe.length > 0) {
                out.writeByte(Magic.ALT_REQUEST.code()).writeByte(opcode).writeByte(fe.length).writeByte(k.length)
                        .writeByte(ex.length).writeByte(0).writeShort(vbucket).writeInt(body).writeInt(opaque)
                        .writeLong(cas);
            } else {
                writeHeader(out, opcode, k.length, ex.length, vbucket, body, opaque, cas);
            }
            out.writeBytes(fe).writeBytes(ex).writeBytes(k).writeBytes(v);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    private static byte[] orNone(byte[] part) {
        return part == null ? NONE : part;
    }
}
