package dev.kvgate.mcbp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Builders for responses that kvgate makes itself. Each response is one buffer allocated at its exact
 * total size and written once; the caller owns the returned buffer.
 */
public final class Responses {
    private Responses() {
    }

    /**
     * Writes a 24-byte response header into {@code out} at its writer index.
     *
     * @param bodyLength extras + key + value length
     */
    public static void writeHeader(ByteBuf out, byte opcode, int keyLength, int extrasLength, int status,
                                   int bodyLength, int opaque, long cas) {
        out.writeByte(Magic.RESPONSE.code());
        out.writeByte(opcode);
        out.writeShort(keyLength);
        out.writeByte(extrasLength);
        out.writeByte(0); // datatype: raw bytes
        out.writeShort(status);
        out.writeInt(bodyLength);
        out.writeInt(opaque);
        out.writeLong(cas);
    }

    /** A response with no extras and no key; {@code value} may be empty. */
    public static ByteBuf simple(ByteBufAllocator alloc, byte opcode, Status status, int opaque, long cas, byte[] value) {
        ByteBuf out = alloc.buffer(Mcbp.HEADER_SIZE + value.length);
        try {
            writeHeader(out, opcode, 0, 0, status.code() & 0xffff, value.length, opaque, cas);
            out.writeBytes(value);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /** A success response with an empty body. */
    public static ByteBuf empty(ByteBufAllocator alloc, byte opcode, int opaque, long cas) {
        ByteBuf out = alloc.buffer(Mcbp.HEADER_SIZE);
        writeHeader(out, opcode, 0, 0, 0, 0, opaque, cas);
        return out;
    }

    /** An error response whose body is the status' text, as memcached sends it. */
    public static ByteBuf error(ByteBufAllocator alloc, byte opcode, Status status, int opaque) {
        return simple(alloc, opcode, status, opaque, 0, status.messageBytes());
    }

    /** An error response with kv_engine's extended (XERROR) body: {"error":{"context":"..."}}. */
    public static ByteBuf xerror(ByteBufAllocator alloc, byte opcode, Status status, int opaque) {
        return simple(alloc, opcode, status, opaque, 0, status.xerrorBytes());
    }

    /** An error response for the request in {@code request}: same opcode and opaque. Does not touch the request. */
    public static ByteBuf errorFor(ByteBufAllocator alloc, ByteBuf request, Status status) {
        return error(alloc, Mcbp.opcode(request), status, Mcbp.opaque(request));
    }

    /** A STAT response frame carrying one statistic; an empty key and value terminate the group. */
    public static void writeStat(ByteBuf out, int opaque, byte[] key, byte[] value) {
        writeHeader(out, Opcode.STAT.code(), key.length, 0, 0, key.length + value.length, opaque, 0);
        out.writeBytes(key);
        out.writeBytes(value);
    }
}
