package dev.kvgate.gateway.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Responses;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The text decoder and encoder on an EmbeddedChannel: frames made, dribbled input, answers written back. */
class TextCodecTest {
    private static final String SCRIPT = "get a bb ccc\r\nset k 5 0 3\r\nabc\r\nbogus\r\nincr n 7 noreply\r\n"
            + "set big 0 0 2000\r\n" + "v".repeat(2000) + "\r\nmg a v k\r\nmn\r\n";
    private final ArrayDeque<TextReply> replies = new ArrayDeque<>();
    private EmbeddedChannel channel;

    @AfterEach
    void release() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private EmbeddedChannel channel() {
        channel = new EmbeddedChannel(new TextDecoder(replies, 20 * 1024 * 1024), new TextEncoder(replies));
        return channel;
    }

    /** Each frame as "OPCODE key valueLength opaque". */
    private List<String> frames() {
        List<String> out = new ArrayList<>();
        Object msg;
        while ((msg = channel.readInbound()) != null) {
            ByteBuf f = assertInstanceOf(ByteBuf.class, msg);
            try {
                out.add(Opcode.of(Mcbp.opcode(f)) + " " + f.toString(Mcbp.keyIndex(f), Mcbp.keyLength(f),
                        StandardCharsets.ISO_8859_1) + " " + Mcbp.valueLength(f) + " " + Mcbp.opaque(f));
            } finally {
                f.release();
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 5, 64})
    void theSameFramesHoweverTheInputIsCut(int chunk) {
        channel();
        byte[] in = SCRIPT.getBytes(StandardCharsets.ISO_8859_1);
        Random random = new Random(chunk);
        for (int i = 0; i < in.length; ) {
            int n = chunk == 0 ? 1 + random.nextInt(40) : chunk;
            n = Math.min(n, in.length - i);
            channel.writeInbound(Unpooled.wrappedBuffer(in, i, n));
            i += n;
        }
        assertEquals(List.of("GETKQ a 0 1", "GETKQ bb 0 2", "GETK ccc 0 3", "SET k 3 4", "NOOP  0 5",
                "INCREMENTQ n 0 6", "SET big 2000 7", "GETK a 0 8", "NOOP  0 9"), frames());
    }

    @Test
    void answersBecomeTextInRequestOrderAndSilenceIsNothing() {
        channel();
        channel.writeInbound(Unpooled.copiedBuffer("get a bb ccc\r\nset k 5 0 3\r\nabc\r\nbogus\r\nmg a v k\r\n",
                StandardCharsets.ISO_8859_1));
        assertEquals(6, frames().size());
        ByteBuf out = Unpooled.buffer();
        // GETKQ a: silent miss; GETKQ bb: hit; GETK ccc: miss; SET: stored; NOOP: the ERROR line; GETK a: miss.
        getkHit(out, 2, "bb", 3, "xy");
        Responses.writeHeader(out, Opcode.GETK.code(), 0, 0, 1, 0, 3, 0);
        Responses.writeHeader(out, Opcode.SET.code(), 0, 0, 0, 0, 4, 9);
        Responses.writeHeader(out, Opcode.NOOP.code(), 0, 0, 0, 0, 5, 0);
        Responses.writeHeader(out, Opcode.GETK.code(), 0, 0, 1, 0, 6, 0);
        channel.writeOutbound(out);
        assertEquals("VALUE bb 3 2\r\nxy\r\nEND\r\nSTORED\r\nERROR\r\nEN ka\r\n", outbound());
        assertTrue(replies.isEmpty());
    }

    @Test
    void aLargeValueGoesBackAsASliceOfTheAnswer() {
        channel();
        channel.writeInbound(Unpooled.copiedBuffer("gets big\r\n", StandardCharsets.ISO_8859_1));
        frames();
        ByteBuf out = Unpooled.buffer();
        String value = "w".repeat(5000);
        getkHit(out, 1, "big", 0, value);
        channel.writeOutbound(out);
        assertEquals("VALUE big 0 5000 77\r\n" + value + "\r\nEND\r\n", outbound());
    }

    @Test
    void anOversizedValueIsRefusedAndSkipped() {
        channel = new EmbeddedChannel(new TextDecoder(replies, 1024), new TextEncoder(replies));
        channel.writeInbound(Unpooled.copiedBuffer("set k 0 0 5000\r\n" + "x".repeat(5000) + "\r\nget k\r\n",
                StandardCharsets.ISO_8859_1));
        assertEquals(List.of("NOOP  0 1", "GETK k 0 2"), frames());
        ByteBuf out = Unpooled.buffer();
        Responses.writeHeader(out, Opcode.NOOP.code(), 0, 0, 0, 0, 1, 0);
        channel.writeOutbound(out);
        assertEquals("SERVER_ERROR object too large for cache\r\n", outbound());
    }

    private static void getkHit(ByteBuf out, int opaque, String key, int flags, String value) {
        Responses.writeHeader(out, Opcode.GETK.code(), key.length(), 4, 0, 4 + key.length() + value.length(),
                opaque, 77);
        out.writeInt(flags);
        out.writeCharSequence(key, StandardCharsets.ISO_8859_1);
        out.writeCharSequence(value, StandardCharsets.ISO_8859_1);
    }

    private String outbound() {
        StringBuilder sb = new StringBuilder();
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) msg;
            sb.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return sb.toString();
    }

    @Test
    void aLongRunOfNoreplyCommandsGetsANoopSoTheQueueStaysBounded() {
        channel();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < TextDecoder.MAX_QUIET_RUN; i++) {
            sb.append("set k 0 0 1 noreply\r\nx\r\n");
        }
        channel.writeInbound(Unpooled.copiedBuffer(sb, StandardCharsets.ISO_8859_1));
        List<String> frames = frames();
        assertEquals(TextDecoder.MAX_QUIET_RUN + 1, frames.size());
        assertEquals("NOOP  0 " + (TextDecoder.MAX_QUIET_RUN + 1), frames.get(TextDecoder.MAX_QUIET_RUN));
        ByteBuf out = Unpooled.buffer();
        Responses.writeHeader(out, Opcode.NOOP.code(), 0, 0, 0, 0, TextDecoder.MAX_QUIET_RUN + 1, 0);
        channel.writeOutbound(out);
        assertEquals("", outbound());
        assertTrue(replies.isEmpty(), "the NOOP's answer settled every quiet reply before it");
    }

    @Test
    void anAnswerToANoreplyCommandIsDroppedAndLeavesTheQueueAlone() {
        channel();
        channel.writeInbound(Unpooled.copiedBuffer("add k 0 0 1 noreply\r\nx\r\nget k\r\n",
                StandardCharsets.ISO_8859_1));
        assertEquals(List.of("ADDQ k 1 1", "GETK k 0 2"), frames());
        ByteBuf out = Unpooled.buffer();
        Responses.writeHeader(out, Opcode.ADDQ.code(), 0, 0, 2, 0, 1, 0);
        getkHit(out, 2, "k", 0, "v");
        channel.writeOutbound(out);
        assertEquals("VALUE k 0 1\r\nv\r\nEND\r\n", outbound());
    }
}
