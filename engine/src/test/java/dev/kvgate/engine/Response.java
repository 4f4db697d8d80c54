package dev.kvgate.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A response frame copied out of the engine's buffer, so the buffer can be released at once. */
record Response(int magic, int opcode, int status, int opaque, long cas, byte[] extras, byte[] key, byte[] value) {

    /** Parses {@code frame}, checking that it is exactly one frame in a buffer of exactly its size. */
    static Response parse(ByteBuf frame) {
        int base = frame.readerIndex();
        int keyLength = frame.getUnsignedShort(base + 2);
        int extrasLength = frame.getUnsignedByte(base + 4);
        int bodyLength = frame.getInt(base + 8);
        assertEquals(24 + bodyLength, frame.readableBytes(), "frame length");
        assertEquals(frame.readableBytes(), frame.capacity(), "buffer allocated at the exact frame size");
        assertEquals(0, frame.getByte(base + 5), "datatype");
        byte[] extras = new byte[extrasLength];
        byte[] key = new byte[keyLength];
        byte[] value = new byte[bodyLength - extrasLength - keyLength];
        frame.getBytes(base + 24, extras);
        frame.getBytes(base + 24 + extrasLength, key);
        frame.getBytes(base + 24 + extrasLength + keyLength, value);
        return new Response(frame.getUnsignedByte(base), frame.getUnsignedByte(base + 1),
                frame.getUnsignedShort(base + 6), frame.getInt(base + 12), frame.getLong(base + 16),
                extras, key, value);
    }

    String valueString() {
        return new String(value, StandardCharsets.US_ASCII);
    }

    String keyString() {
        return new String(key, StandardCharsets.US_ASCII);
    }

    int flags() {
        assertEquals(4, extras.length, "flags extras");
        return ByteBuffer.wrap(extras).getInt();
    }

    long counter() {
        assertEquals(8, value.length, "counter body");
        return ByteBuffer.wrap(value).getLong();
    }
}
