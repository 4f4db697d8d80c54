package dev.kvgate.it.tls;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Raw mcbp frames for tests that write bytes themselves. */
final class Mcbp {
    static final int HEADER = 24;

    private Mcbp() {
    }

    /** A NOOP request with {@code opaque}. */
    static byte[] noop(int opaque) {
        return request(0x0a, new byte[0], new byte[0], new byte[0], opaque);
    }

    /** A SET with flags 0 and expiry 0. */
    static byte[] set(String key, byte[] value, int opaque) {
        return request(0x01, new byte[8], key.getBytes(StandardCharsets.UTF_8), value, opaque);
    }

    static byte[] get(String key, int opaque) {
        return request(0x00, new byte[0], key.getBytes(StandardCharsets.UTF_8), new byte[0], opaque);
    }

    static byte[] request(int opcode, byte[] extras, byte[] key, byte[] value, int opaque) {
        ByteBuffer b = ByteBuffer.allocate(HEADER + extras.length + key.length + value.length);
        b.put((byte) 0x80).put((byte) opcode).putShort((short) key.length).put((byte) extras.length).put((byte) 0)
                .putShort((short) 0).putInt(extras.length + key.length + value.length).putInt(opaque).putLong(0)
                .put(extras).put(key).put(value);
        return b.array();
    }

    static int opcode(byte[] response) {
        return response[1] & 0xff;
    }

    static int status(byte[] response) {
        return ByteBuffer.wrap(response).getShort(6) & 0xffff;
    }

    static int bodyLength(byte[] header) {
        return ByteBuffer.wrap(header).getInt(8);
    }

    static int opaque(byte[] response) {
        return ByteBuffer.wrap(response).getInt(12);
    }
}
