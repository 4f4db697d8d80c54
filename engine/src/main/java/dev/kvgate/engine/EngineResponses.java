package dev.kvgate.engine;

import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Responses;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Builders for the engine's response frames. Each allocates one buffer of the exact frame size, writes
 * it once and hands it to the caller, releasing it if writing fails.
 */
final class EngineResponses {
    private static final int FLAGS_LENGTH = 4;
    private static final int COUNTER_LENGTH = 8;

    private EngineResponses() {
    }

    /** Success with an empty body. */
    static ByteBuf success(ByteBufAllocator alloc, byte opcode, int opaque, long cas) {
        ByteBuf out = alloc.buffer(Mcbp.HEADER_SIZE);
        Responses.writeHeader(out, opcode, 0, 0, 0, 0, opaque, cas);
        return out;
    }

    /** Success whose body is {@code body}, no extras or key (VERSION). */
    static ByteBuf body(ByteBufAllocator alloc, byte opcode, int opaque, byte[] body) {
        ByteBuf out = alloc.buffer(Mcbp.HEADER_SIZE + body.length);
        try {
            Responses.writeHeader(out, opcode, 0, 0, 0, body.length, opaque, 0);
            out.writeBytes(body);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /** An error carrying memcached's text for the status. */
    static ByteBuf error(ByteBufAllocator alloc, byte opcode, int opaque, Status status) {
        return error(alloc, opcode, opaque, status, status.message());
    }

    /** An error with an explicit text, for the few places memcached does not use the status' generic one. */
    static ByteBuf error(ByteBufAllocator alloc, byte opcode, int opaque, Status status, String text) {
        byte[] body = text.getBytes(StandardCharsets.US_ASCII);
        ByteBuf out = alloc.buffer(Mcbp.HEADER_SIZE + body.length);
        try {
            Responses.writeHeader(out, opcode, 0, 0, status.code() & 0xffff, body.length, opaque, 0);
            out.writeBytes(body);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /** A GETK/GATK miss: status "not found" and the key as the only body, no text. */
    static ByteBuf missWithKey(ByteBufAllocator alloc, byte opcode, int opaque, byte[] key) {
        ByteBuf out = alloc.buffer(Mcbp.HEADER_SIZE + key.length);
        try {
            Responses.writeHeader(out, opcode, key.length, 0, Status.KEY_NOT_FOUND.code() & 0xffff,
                    key.length, opaque, 0);
            out.writeBytes(key);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /** A hit: 4-byte flags extras, then the key if {@code key != null}, then the value if {@code value != null}. */
    static ByteBuf item(ByteBufAllocator alloc, byte opcode, int opaque, long cas, int flags, byte[] key,
                        byte[] value) {
        int keyLength = key == null ? 0 : key.length;
        int bodyLength = FLAGS_LENGTH + keyLength + (value == null ? 0 : value.length);
        ByteBuf out = alloc.buffer(Mcbp.HEADER_SIZE + bodyLength);
        try {
            Responses.writeHeader(out, opcode, keyLength, FLAGS_LENGTH, 0, bodyLength, opaque, cas);
            out.writeInt(flags);
            if (key != null) {
                out.writeBytes(key);
            }
            if (value != null) {
                out.writeBytes(value);
            }
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /** An INCREMENT/DECREMENT success: the new value as an 8-byte body. */
    static ByteBuf counter(ByteBufAllocator alloc, byte opcode, int opaque, long cas, long value) {
        ByteBuf out = alloc.buffer(Mcbp.HEADER_SIZE + COUNTER_LENGTH);
        Responses.writeHeader(out, opcode, 0, 0, 0, COUNTER_LENGTH, opaque, cas);
        out.writeLong(value);
        return out;
    }

    /** One STAT frame; an empty name and value make the terminator. */
    static ByteBuf stat(ByteBufAllocator alloc, int opaque, String name, String value) {
        byte[] key = name.getBytes(StandardCharsets.US_ASCII);
        byte[] val = value.getBytes(StandardCharsets.US_ASCII);
        ByteBuf out = alloc.buffer(Mcbp.HEADER_SIZE + key.length + val.length);
        try {
            Responses.writeStat(out, opaque, key, val);
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }
}
