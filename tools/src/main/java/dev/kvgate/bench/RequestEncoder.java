package dev.kvgate.bench;

import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Requests;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Encodes the bench's GET and SET requests for key {@code "key:" + n} into one pooled buffer of exactly
 * the frame's size, writing the key digits straight into it, so a request costs no garbage beyond the
 * buffer itself. One instance per connection: the digit scratch is not shared.
 */
final class RequestEncoder {
    /** "key:" as one big-endian int. */
    private static final int KEY_PREFIX = ('k' << 24) | ('e' << 16) | ('y' << 8) | ':';
    private static final int KEY_PREFIX_LENGTH = 4;
    private static final int SET_EXTRAS = 8;

    private final byte[] value;
    private final byte[] digits = new byte[10];

    /** @param value the SET value, shared read-only by every connection */
    RequestEncoder(byte[] value) {
        this.value = value;
    }

    static int keyLength(int key) {
        return KEY_PREFIX_LENGTH + digitCount(key);
    }

    ByteBuf get(ByteBufAllocator alloc, int key, int opaque) {
        int keyLength = keyLength(key);
        int size = Mcbp.HEADER_SIZE + keyLength;
        ByteBuf buf = alloc.ioBuffer(size, size);
        try {
            header(buf, Opcode.GET.code(), keyLength, 0, keyLength, opaque);
            key(buf, key);
            return buf;
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    ByteBuf set(ByteBufAllocator alloc, int key, int opaque) {
        return set(alloc, key, opaque, value.length);
    }

    /** A SET of the first {@code valueLength} bytes of the value. */
    ByteBuf set(ByteBufAllocator alloc, int key, int opaque, int valueLength) {
        int keyLength = keyLength(key);
        int body = SET_EXTRAS + keyLength + valueLength;
        int size = Mcbp.HEADER_SIZE + body;
        ByteBuf buf = alloc.ioBuffer(size, size);
        try {
            header(buf, Opcode.SET.code(), keyLength, SET_EXTRAS, body, opaque);
            buf.writeInt(0); // flags
            buf.writeInt(0); // expiry: never
            key(buf, key);
            buf.writeBytes(value, 0, valueLength);
            return buf;
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    private static void header(ByteBuf buf, byte opcode, int keyLength, int extras, int body, int opaque) {
        Requests.writeHeader(buf, opcode, keyLength, extras, 0, body, opaque, 0);
    }

    private void key(ByteBuf buf, int key) {
        buf.writeInt(KEY_PREFIX);
        int n = key;
        int i = digits.length;
        do {
            digits[--i] = (byte) ('0' + n % 10);
            n /= 10;
        } while (n != 0);
        buf.writeBytes(digits, i, digits.length - i);
    }

    private static int digitCount(int n) {
        int count = 1;
        while (n >= 10) {
            n /= 10;
            count++;
        }
        return count;
    }
}
