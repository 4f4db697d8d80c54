package dev.kvgate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kvgate.testkit.Hex;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestEncoderTest {
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

    @Test
    void getOfKey42() {
        ByteBuf frame = new RequestEncoder(new byte[0]).get(alloc, 42, 0x01020304);
        try {
            // "key:42" = 6b 65 79 3a 34 32
            assertEquals(hex("80 00 0006 00 00 0000 00000006 01020304 0000000000000000 6b65793a3432"),
                    ByteBufUtil.hexDump(frame));
            assertEquals(frame.readableBytes(), frame.capacity());
        } finally {
            frame.release();
        }
    }

    @Test
    void setOfKey0WithValue() {
        byte[] value = "hello".getBytes(StandardCharsets.US_ASCII);
        ByteBuf frame = new RequestEncoder(value).set(alloc, 0, 7);
        try {
            assertEquals(hex("80 01 0005 08 00 0000 00000012 00000007 0000000000000000 0000000000000000"
                    + " 6b65793a30 68656c6c6f"), ByteBufUtil.hexDump(frame));
            assertEquals(frame.readableBytes(), frame.capacity());
        } finally {
            frame.release();
        }
    }

    @Test
    void keyDigitsAtTheBoundaries() {
        RequestEncoder encoder = new RequestEncoder(new byte[0]);
        for (int key : new int[] {0, 9, 10, 99, 100, 999_999, Integer.MAX_VALUE}) {
            ByteBuf frame = encoder.get(alloc, key, key);
            try {
                String expected = "key:" + key;
                assertEquals(expected.length(), RequestEncoder.keyLength(key));
                assertEquals(expected, frame.toString(24, frame.readableBytes() - 24, StandardCharsets.US_ASCII));
                assertEquals(expected.length(), frame.getUnsignedShort(2));
            } finally {
                frame.release();
            }
        }
    }

    private static String hex(String spaced) {
        return Hex.encode(Hex.decode(spaced));
    }
}
