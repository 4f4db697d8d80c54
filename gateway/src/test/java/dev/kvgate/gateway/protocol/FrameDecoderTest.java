package dev.kvgate.gateway.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.mcbp.FrameError;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.testkit.Hex;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FrameDecoderTest {
    /** GET "foo", opaque 0x01020304. */
    static final String GET_FOO = "80 00 0003 00 00 0000 00000003 01020304 0000000000000000 666f6f";
    /** SET "k" = "hello", flags 0xdeadbeef, exptime 0, opaque 7. */
    static final String SET_K = "80 01 0001 08 00 0000 0000000e 00000007 0000000000000000 deadbeef00000000 6b 68656c6c6f";
    /** Flexible-framing GET "ab" with 3 bytes of framing extras. */
    static final String ALT_GET = "08 00 03 02 00 00 0000 00000005 00000009 0000000000000000 010203 6162";

    private EmbeddedChannel channel;

    private EmbeddedChannel channel(int maxFrame, int framesPerRead) {
        channel = new EmbeddedChannel(new FrameDecoder(FrameDecoder.Direction.REQUEST, maxFrame, framesPerRead));
        return channel;
    }

    @AfterEach
    void release() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private static byte[] stream(String... frames) {
        StringBuilder sb = new StringBuilder();
        for (String f : frames) {
            sb.append(f).append(' ');
        }
        return Hex.decode(sb.toString());
    }

    private List<String> drainFrames() {
        List<String> out = new ArrayList<>();
        Object msg;
        while ((msg = channel.readInbound()) != null) {
            ByteBuf frame = assertInstanceOf(ByteBuf.class, msg);
            out.add(ByteBufUtil.hexDump(frame));
            frame.release();
        }
        return out;
    }

    @Test
    void twoFramesInOneBuffer() {
        channel(1 << 20, 64).writeInbound(Unpooled.wrappedBuffer(stream(GET_FOO, SET_K)));
        List<String> frames = drainFrames();
        assertEquals(List.of(Hex.encode(Hex.decode(GET_FOO)), Hex.encode(Hex.decode(SET_K))), frames);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 5, 23, 24, 25})
    void framesSplitAtEveryChunkSize(int chunk) {
        byte[] bytes = stream(GET_FOO, SET_K, ALT_GET, GET_FOO);
        channel(1 << 20, 64);
        for (int i = 0; i < bytes.length; i += chunk) {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, i, Math.min(chunk, bytes.length - i)));
        }
        assertEquals(4, drainFrames().size());
    }

    @Test
    void randomChunkingsGiveTheSameFrames() {
        byte[] bytes = stream(GET_FOO, SET_K, ALT_GET, SET_K, GET_FOO);
        List<String> expected = List.of(GET_FOO, SET_K, ALT_GET, SET_K, GET_FOO).stream()
                .map(h -> Hex.encode(Hex.decode(h))).toList();
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            channel(1 << 20, 64);
            int i = 0;
            while (i < bytes.length) {
                int n = 1 + random.nextInt(40);
                n = Math.min(n, bytes.length - i);
                channel.writeInbound(Unpooled.wrappedBuffer(bytes, i, n));
                i += n;
            }
            assertEquals(expected, drainFrames(), "round " + round);
            channel.finishAndReleaseAll();
        }
        channel = null;
    }

    @Test
    void frameIsARetainedSliceOfTheReadBuffer() {
        ByteBuf in = Unpooled.directBuffer().writeBytes(stream(GET_FOO));
        channel(1 << 20, 64).writeInbound(in);
        ByteBuf frame = channel.readInbound();
        // A slice shares memory with the read buffer: no copy on the way in.
        frame.setByte(Mcbp.OPCODE, 0x55);
        assertEquals(0x55, in.getByte(Mcbp.OPCODE));
        assertEquals(1, frame.refCnt());
        frame.release();
        assertEquals(0, in.refCnt(), "the frame held the read buffer's last reference");
    }

    @Test
    void badMagicIsMalformedAndTheRestIsDiscarded() {
        channel(1 << 20, 64).writeInbound(Unpooled.wrappedBuffer(stream(GET_FOO.replaceFirst("80", "81"), GET_FOO)));
        FrameError error = assertInstanceOf(FrameError.class, channel.readInbound());
        assertEquals(FrameError.Kind.MALFORMED, error.kind());
        assertTrue(error.reason().contains("bad magic 0x81"), error.reason());
        channel.writeInbound(Unpooled.wrappedBuffer(stream(GET_FOO)));
        assertNull(channel.readInbound());
    }

    @Test
    void aTextCommandShorterThanAHeaderIsJudgedOnItsFirstByte() {
        channel(1 << 20, 64).writeInbound(Unpooled.wrappedBuffer("version\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        FrameError error = assertInstanceOf(FrameError.class, channel.readInbound());
        assertEquals(FrameError.Kind.MALFORMED, error.kind());
        assertTrue(error.reason().contains("bad magic 0x76") && error.reason().contains("text protocol"), error.reason());
    }

    @Test
    void keyAndExtrasBeyondBodyIsMalformed() {
        // key length 0x10 but body length 3
        channel(1 << 20, 64).writeInbound(Unpooled.wrappedBuffer(
                Hex.decode("80 00 0010 00 00 0000 00000003 00000001 0000000000000000 666f6f")));
        FrameError error = assertInstanceOf(FrameError.class, channel.readInbound());
        assertEquals(FrameError.Kind.MALFORMED, error.kind());
        assertTrue(error.reason().contains("exceed body length"), error.reason());
    }

    @Test
    void oversizeFrameIsReportedWithOpcodeAndOpaqueBeforeTheBodyArrives() {
        // SET with a 2000-byte body announced; only the header is sent.
        channel(1024, 64).writeInbound(Unpooled.wrappedBuffer(
                Hex.decode("80 01 0001 08 00 0000 000007d0 0000abcd 0000000000000000")));
        FrameError error = assertInstanceOf(FrameError.class, channel.readInbound());
        assertEquals(FrameError.Kind.OVERSIZE, error.kind());
        assertEquals(Opcode.SET.code(), error.opcode());
        assertEquals(0xabcd, error.opaque());
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[3000]));
        assertNull(channel.readInbound());
    }

    @Test
    void responseDirectionRejectsRequests() {
        channel = new EmbeddedChannel(new FrameDecoder(FrameDecoder.Direction.RESPONSE, 1 << 20, 64));
        channel.writeInbound(Unpooled.wrappedBuffer(stream(GET_FOO)));
        assertInstanceOf(FrameError.class, channel.readInbound());
    }

    @Test
    void atMostFramesPerReadThenTheRestInALaterTask() {
        List<String> seen = new ArrayList<>();
        channel = new EmbeddedChannel(new FrameDecoder(FrameDecoder.Direction.REQUEST, 1 << 20, 2),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ((ByteBuf) msg).release();
                        seen.add("F");
                    }

                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        seen.add(evt.toString());
                    }
                });
        channel.writeInbound(Unpooled.wrappedBuffer(stream(GET_FOO, GET_FOO, GET_FOO, GET_FOO, GET_FOO)));
        channel.runPendingTasks();
        // Two frames per turn; the decoder asks to pause reading while it holds a backlog.
        assertEquals(List.of("F", "F", "PAUSE", "F", "F", "PAUSE", "F", "RESUME"), seen);
        assertFalse(channel.finishAndReleaseAll());
        channel = null;
    }

    private EmbeddedChannel stallChannel(long timeoutMillis) {
        channel = EmbeddedChannel.builder()
                .handlers(new FrameDecoder(FrameDecoder.Direction.REQUEST, 1 << 20, 64,
                        java.time.Duration.ofMillis(timeoutMillis)))
                .build();
        channel.freezeTime();
        return channel;
    }

    private void advance(long millis) {
        channel.advanceTimeBy(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void aHalfHeaderLeftAloneLongerThanTheReadTimeoutIsStalled() {
        stallChannel(1000);
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0x80}));
        advance(999);
        assertNull(channel.readInbound(), "not yet");
        advance(1);
        FrameError error = assertInstanceOf(FrameError.class, channel.readInbound());
        assertEquals(FrameError.Kind.STALLED, error.kind());
        assertTrue(error.reason().contains("1 bytes"), error.reason());
        // Whatever comes later is discarded: the stream cannot be trusted to be in step.
        channel.writeInbound(Unpooled.wrappedBuffer(stream(GET_FOO)));
        assertNull(channel.readInbound());
    }

    @Test
    void aBodyThatStopsHalfwayIsStalledCountingFromItsFirstByte() {
        stallChannel(1000);
        byte[] set = stream(SET_K);
        channel.writeInbound(Unpooled.wrappedBuffer(set, 0, 10));
        advance(600);
        // Progress does not restart the clock: a slow dribble is still one frame taking too long.
        channel.writeInbound(Unpooled.wrappedBuffer(set, 10, 20));
        advance(399);
        assertNull(channel.readInbound());
        advance(1);
        assertEquals(FrameError.Kind.STALLED, assertInstanceOf(FrameError.class, channel.readInbound()).kind());
    }

    @Test
    void eachFrameGetsItsOwnTimeAndACompleteStreamIsNeverStalled() {
        stallChannel(1000);
        byte[] get = stream(GET_FOO);
        for (int i = 0; i < 5; i++) {
            // Every frame completes within the timeout, though together they take five times as long.
            channel.writeInbound(Unpooled.wrappedBuffer(get, 0, 5));
            advance(900);
            channel.writeInbound(Unpooled.wrappedBuffer(get, 5, get.length - 5));
            assertEquals(GET_FOO.replace(" ", ""), drainFrames().get(0));
        }
        advance(10_000);
        assertNull(channel.readInbound(), "nothing pending, nothing stalled");
    }

    @Test
    void timeWhileReadingIsPausedDoesNotCount() {
        stallChannel(1000);
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, 0x00}));
        channel.config().setAutoRead(false);
        advance(5000);
        assertNull(channel.readInbound(), "kvgate stopped reading: the peer is not late");
        channel.config().setAutoRead(true);
        advance(999);
        assertNull(channel.readInbound());
        advance(1000);
        assertEquals(FrameError.Kind.STALLED, assertInstanceOf(FrameError.class, channel.readInbound()).kind());
    }

    @Test
    void noTimeoutMeansAHalfFrameWaits() {
        channel = EmbeddedChannel.builder()
                .handlers(new FrameDecoder(FrameDecoder.Direction.REQUEST, 1 << 20, 64)).build();
        channel.freezeTime();
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0x80}));
        advance(3_600_000);
        assertNull(channel.readInbound());
    }
}
