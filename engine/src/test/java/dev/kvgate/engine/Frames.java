package dev.kvgate.engine;

import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Requests;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Request frames for engine tests, built on unpooled buffers the caller releases. */
final class Frames {
    static final int OPAQUE = 0xcafef00d;
    static final byte[] NONE = new byte[0];

    private Frames() {
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A classic (magic 0x80) request, from the shared encoder. */
    static ByteBuf request(int opcode, byte[] extras, byte[] key, byte[] value, long cas) {
        return Requests.frame(UnpooledByteBufAllocator.DEFAULT, (byte) opcode, extras, key, value, OPAQUE, cas);
    }

    /** A flexible-framing (magic 0x08) request carrying {@code framing} as framing extras. */
    static ByteBuf flexRequest(int opcode, byte[] framing, byte[] extras, byte[] key, byte[] value, long cas) {
        return Requests.frame(UnpooledByteBufAllocator.DEFAULT, (byte) opcode, framing, extras, key, value, 0,
                OPAQUE, cas);
    }

    static ByteBuf request(Opcode op, byte[] extras, byte[] key, byte[] value, long cas) {
        return request(op.code() & 0xff, extras, key, value, cas);
    }

    static byte[] storeExtras(int flags, long exptime) {
        return ByteBuffer.allocate(8).putInt(flags).putInt((int) exptime).array();
    }

    static byte[] touchExtras(long exptime) {
        return ByteBuffer.allocate(4).putInt((int) exptime).array();
    }

    static byte[] arithmeticExtras(long delta, long initial, long exptime) {
        return ByteBuffer.allocate(20).putLong(delta).putLong(initial).putInt((int) exptime).array();
    }

    static ByteBuf get(Opcode op, String key) {
        return request(op, NONE, bytes(key), NONE, 0);
    }

    static ByteBuf get(String key) {
        return get(Opcode.GET, key);
    }

    static ByteBuf store(Opcode op, String key, String value, int flags, long exptime, long cas) {
        return request(op, storeExtras(flags, exptime), bytes(key), bytes(value), cas);
    }

    static ByteBuf set(String key, String value) {
        return store(Opcode.SET, key, value, 0, 0, 0);
    }

    static ByteBuf set(String key, String value, long exptime) {
        return store(Opcode.SET, key, value, 0, exptime, 0);
    }

    static ByteBuf setBytes(String key, byte[] value) {
        return request(Opcode.SET, storeExtras(0, 0), bytes(key), value, 0);
    }

    static ByteBuf delete(Opcode op, String key, long cas) {
        return request(op, NONE, bytes(key), NONE, cas);
    }

    static ByteBuf arithmetic(Opcode op, String key, long delta, long initial, long exptime) {
        return request(op, arithmeticExtras(delta, initial, exptime), bytes(key), NONE, 0);
    }

    static ByteBuf concat(Opcode op, String key, String data, long cas) {
        return request(op, NONE, bytes(key), bytes(data), cas);
    }

    static ByteBuf touch(Opcode op, String key, long exptime) {
        return request(op, touchExtras(exptime), bytes(key), NONE, 0);
    }

    static ByteBuf flush(Opcode op, long delay) {
        return request(op, touchExtras(delay), NONE, NONE, 0);
    }

    static ByteBuf bare(Opcode op) {
        return request(op, NONE, NONE, NONE, 0);
    }

    static ByteBuf stat(String group) {
        return request(Opcode.STAT, NONE, bytes(group), NONE, 0);
    }
}
