package dev.kvgate.mcbp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kvgate.testkit.Hex;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestsTest {
    private static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static void assertFrame(String expectedHex, ByteBuf frame) {
        try {
            assertEquals(Hex.encode(Hex.decode(expectedHex)), ByteBufUtil.hexDump(frame));
            assertEquals(frame.readableBytes(), frame.capacity(), "sized once, exactly");
        } finally {
            frame.release();
        }
    }

    @Test
    void classicSetIsHeaderExtrasKeyValueInOneExactBuffer() {
        ByteBuf frame = Requests.frame(ALLOC, Opcode.SET.code(), Hex.decode("deadbeef 00000000"), ascii("k"),
                ascii("hello"), 7, 0x0102030405060708L);
        assertFrame("80 01 0001 08 00 0000 0000000e 00000007 0102030405060708 deadbeef00000000 6b 68656c6c6f", frame);
    }

    @Test
    void nullPartsAreEmpty() {
        assertFrame("80 0a 0000 00 00 0000 00000000 00000009 0000000000000000",
                Requests.frame(ALLOC, Opcode.NOOP.code(), null, null, null, 9, 0));
    }

    @Test
    void framingExtrasMakeAFlexibleFrameWithItsVbucket() {
        ByteBuf frame = Requests.frame(ALLOC, Opcode.GET.code(), Hex.decode("010203"), null, ascii("ab"), null,
                0x0203, 9, 0);
        assertFrame("08 00 03 02 00 00 0203 00000005 00000009 0000000000000000 010203 6162", frame);
    }
}
