package dev.kvgate.mcbp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.testkit.Hex;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FrameSplitterTest {
    /** GET response, status 0, flags 4 bytes, value "hi", opaque 7. */
    private static final String GET_OK = "81 00 0000 04 00 0000 00000006 00000007 0000000000000001 00000000 6869";
    /** Flexible-framing response with a 3-byte server-duration frame, empty body otherwise, opaque 9. */
    private static final String ALT_OK = "18 0a 03 00 00 00 0000 00000003 00000009 0000000000000000 020001";

    private final EmbeddedChannel channel = new EmbeddedChannel(FrameSplitter.responses(1024));

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void framesSplitAcrossAndWithinReadsComeOutWhole() {
        byte[] both = Hex.decode(GET_OK + ALT_OK);
        channel.writeInbound(Unpooled.wrappedBuffer(both, 0, 5));
        assertNull(channel.readInbound());
        channel.writeInbound(Unpooled.wrappedBuffer(both, 5, both.length - 5));
        ByteBuf first = channel.readInbound();
        ByteBuf second = channel.readInbound();
        try {
            assertEquals(Hex.encode(Hex.decode(GET_OK)), ByteBufUtil.hexDump(first));
            assertEquals(Hex.encode(Hex.decode(ALT_OK)), ByteBufUtil.hexDump(second));
            assertEquals(9, Mcbp.opaque(second));
        } finally {
            first.release();
            second.release();
        }
        assertNull(channel.readInbound());
    }

    @Test
    void aRequestMagicOnTheResponseSideIsMalformedAndTheRestIsDiscarded() {
        channel.writeInbound(Unpooled.wrappedBuffer(Hex.decode("80 00 0000 00 00 0000 00000000 00000001 0000000000000000")));
        FrameError error = assertInstanceOf(FrameError.class, channel.readInbound());
        assertEquals(FrameError.Kind.MALFORMED, error.kind());
        assertTrue(error.reason().contains("bad magic 0x80 for a response"), error.reason());
        channel.writeInbound(Unpooled.wrappedBuffer(Hex.decode(GET_OK)));
        assertNull(channel.readInbound());
    }

    @Test
    void lengthsThatContradictTheBodyAreMalformed() {
        channel.writeInbound(Unpooled.wrappedBuffer(Hex.decode("81 00 0010 04 00 0000 00000006 00000007 0000000000000000 00000000 6869")));
        FrameError error = assertInstanceOf(FrameError.class, channel.readInbound());
        assertEquals(FrameError.Kind.MALFORMED, error.kind());
        assertTrue(error.reason().contains("exceed body length 6"), error.reason());
    }

    @Test
    void aFrameOverTheMaximumIsOversizeWithItsOpcodeAndOpaque() {
        channel.writeInbound(Unpooled.wrappedBuffer(Hex.decode("81 01 0000 00 00 0000 00001000 0000002a 0000000000000000")));
        FrameError error = assertInstanceOf(FrameError.class, channel.readInbound());
        assertEquals(FrameError.Kind.OVERSIZE, error.kind());
        assertEquals(0x01, error.opcode());
        assertEquals(42, error.opaque());
    }

    @Test
    void textAndTlsBytesAreNamedInTheReason() {
        assertTrue(HeaderCheck.badMagic((byte) 'g', true).contains("text protocol"));
        assertTrue(HeaderCheck.badMagic((byte) 0x16, true).contains("TLS handshake"));
        assertNull(HeaderCheck.badMagic((byte) 0x08, true));
        assertNull(HeaderCheck.badMagic((byte) 0x18, false));
    }
}
