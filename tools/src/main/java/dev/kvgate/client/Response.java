package dev.kvgate.client;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** One mcbp response, its body split into its parts (copied out of the network buffer). */
public record Response(byte magic, byte opcode, int status, int opaque, long cas, byte datatype,
                       byte[] framingExtras, byte[] extras, byte[] key, byte[] value) {

    public boolean ok() {
        return status == 0;
    }

    public String keyString() {
        return new String(key, StandardCharsets.UTF_8);
    }

    public String valueString() {
        return new String(value, StandardCharsets.UTF_8);
    }

    /** The flags of a GET-family response (4 bytes of extras). */
    public int flags() {
        return extras.length >= 4 ? ByteBuffer.wrap(extras).getInt() : 0;
    }

    /** The 8-byte counter value of an INCREMENT/DECREMENT response. */
    public long counterValue() {
        return ByteBuffer.wrap(value).getLong();
    }

    @Override
    public String toString() {
        return String.format("Response[opcode=0x%02x status=0x%04x opaque=%d cas=%d key=%s value=%d bytes]",
                opcode & 0xff, status, opaque, cas, keyString(), value.length);
    }
}
