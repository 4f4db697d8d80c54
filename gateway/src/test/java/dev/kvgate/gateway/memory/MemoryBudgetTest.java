package dev.kvgate.gateway.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.gateway.protocol.FrameDecoder;
import dev.kvgate.mcbp.FrameError;
import dev.kvgate.mcbp.Mcbp;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The budget and the decoder's gathering of large frames, on EmbeddedChannel. */
class MemoryBudgetTest {
    private static final int LARGE = 4096;
    private final List<Object> events = new ArrayList<>();
    private EmbeddedChannel channel;

    @AfterEach
    void tearDown() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    /** A SET of {@code value} bytes (key "k"), opaque {@code opaque}. */
    private static byte[] set(int value, int opaque) {
        int body = 8 + 1 + value;
        ByteBuf b = Unpooled.buffer(Mcbp.HEADER_SIZE + body);
        b.writeByte(0x80).writeByte(0x01).writeShort(1).writeByte(8).writeByte(0).writeShort(0).writeInt(body)
                .writeInt(opaque).writeLong(0).writeLong(0).writeByte('k');
        for (int i = 0; i < value; i++) {
            b.writeByte(i);
        }
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }

    private EmbeddedChannel decoder(FrameDecoder.Direction direction, MemoryBudget budget) {
        channel = new EmbeddedChannel(new FrameDecoder(direction, 1 << 24, 64, Duration.ZERO, budget),
                new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        events.add(evt);
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ctx.fireChannelRead(msg);
                    }
                });
        return channel;
    }

    private void feed(byte[] bytes, int from, int to) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes, from, to - from));
    }

    @Test
    void aLargeFrameIsGatheredIntoOneBufferOfItsExactSize() {
        MemoryBudget budget = new MemoryBudget(1 << 20, 800_000, 600_000, LARGE);
        decoder(FrameDecoder.Direction.REQUEST, budget);
        byte[] frame = set(100_000, 7);
        for (int at = 0; at < frame.length; at += 1000) {
            feed(frame, at, Math.min(frame.length, at + 1000));
            if (at + 1000 < frame.length) {
                assertEquals(frame.length, budget.used(), "reserved once, at the header");
            }
        }
        ByteBuf out = assertInstanceOf(ByteBuf.class, channel.readInbound());
        assertEquals(frame.length, out.readableBytes());
        assertEquals(frame.length, out.capacity(), "exact size: never grown by doubling");
        assertEquals(Unpooled.wrappedBuffer(frame), out);
        assertEquals(frame.length, budget.used(), "held while the frame is in flight");
        out.release();
        assertEquals(0, budget.used(), "given back when the buffer is freed");
        assertEquals(frame.length, budget.peak());
    }

    @Test
    void bytesAfterAGatheredFrameAreDecodedAsUsual() {
        MemoryBudget budget = new MemoryBudget(1 << 20, 800_000, 600_000, LARGE);
        decoder(FrameDecoder.Direction.REQUEST, budget);
        byte[] big = set(10_000, 1);
        byte[] small = set(10, 2);
        byte[] both = new byte[big.length + small.length];
        System.arraycopy(big, 0, both, 0, big.length);
        System.arraycopy(small, 0, both, big.length, small.length);
        feed(both, 0, 100);
        feed(both, 100, both.length);
        ByteBuf first = channel.readInbound();
        ByteBuf second = channel.readInbound();
        assertEquals(1, Mcbp.opaque(first));
        assertEquals(2, Mcbp.opaque(second));
        assertEquals(small.length, second.readableBytes());
        first.release();
        second.release();
        assertEquals(0, budget.used());
    }

    @Test
    void whenTheBudgetIsFullReadingStopsAndResumesWhenItIsGivenBack() {
        MemoryBudget budget = new MemoryBudget(30_000, 29_000, 10_000, LARGE);
        // Another connection holds most of the budget.
        assertTrue(budget.tryReserve(20_000));
        decoder(FrameDecoder.Direction.REQUEST, budget);
        byte[] frame = set(15_000, 3);
        feed(frame, 0, 2000);
        assertEquals(List.of(FrameDecoder.Memory.PAUSE), events, "the session is told to stop reading");
        assertNull(channel.readInbound());
        assertEquals(20_000, budget.used(), "nothing allocated past the budget");
        assertEquals(1, budget.pauses());
        budget.release(20_000);
        channel.runPendingTasks();
        assertEquals(List.of(FrameDecoder.Memory.PAUSE, FrameDecoder.Memory.RESUME), events);
        assertEquals(frame.length, budget.used());
        feed(frame, 2000, frame.length);
        ByteBuf out = channel.readInbound();
        assertEquals(3, Mcbp.opaque(out));
        out.release();
        assertEquals(0, budget.used());
    }

    @Test
    void aFrameLargerThanTheWholeBudgetIsRefusedAndSkippedAndTheStreamGoesOn() {
        MemoryBudget budget = new MemoryBudget(50_000, 40_000, 30_000, LARGE);
        decoder(FrameDecoder.Direction.REQUEST, budget);
        byte[] huge = set(60_000, 9);
        byte[] next = set(5, 10);
        feed(huge, 0, 500);
        FrameError error = assertInstanceOf(FrameError.class, channel.readInbound());
        assertEquals(FrameError.Kind.OVER_BUDGET, error.kind());
        assertEquals(9, error.opaque());
        assertEquals(0x01, error.opcode());
        feed(huge, 500, huge.length);
        feed(next, 0, next.length);
        ByteBuf out = channel.readInbound();
        assertEquals(10, Mcbp.opaque(out), "the frame after it is decoded as usual");
        out.release();
        assertEquals(0, budget.used());
        assertEquals(1, budget.refusals());
    }

    @Test
    void onATlsConnectionALargeFrameAlsoCountsTheEnginesRecordBuffers() {
        MemoryBudget budget = new MemoryBudget(1 << 20, 800_000, 600_000, LARGE);
        decoder(FrameDecoder.Direction.REQUEST, budget);
        channel.pipeline().get(FrameDecoder.class).countTlsRecordBuffers();
        byte[] frame = set(100_000, 7);
        feed(frame, 0, 1000);
        assertEquals(frame.length + MemoryBudget.TLS_RECORD_BUFFERS, budget.used(), "reserved at the header");
        feed(frame, 1000, frame.length);
        ByteBuf out = assertInstanceOf(ByteBuf.class, channel.readInbound());
        assertEquals(frame.length, out.capacity(), "the buffer is still the frame's exact size");
        out.release();
        assertEquals(0, budget.used(), "all of it given back with the frame");
    }

    @Test
    void aFrameThatFitsOnlyWithoutTheRecordBuffersIsRefusedNotLeftWaiting() {
        MemoryBudget budget = new MemoryBudget(100_000, 90_000, 80_000, LARGE);
        decoder(FrameDecoder.Direction.REQUEST, budget);
        channel.pipeline().get(FrameDecoder.class).countTlsRecordBuffers();
        byte[] frame = set(90_000, 5);
        feed(frame, 0, 500);
        FrameError error = assertInstanceOf(FrameError.class, channel.readInbound());
        assertEquals(FrameError.Kind.OVER_BUDGET, error.kind());
        feed(frame, 500, frame.length);
        assertNull(channel.readInbound());
        assertEquals(0, budget.used());
    }

    @Test
    void poolGrowthSharesTheLimitButNeverStopsLargeFrames() {
        MemoryBudget budget = new MemoryBudget(100_000, 80_000, 60_000, LARGE);
        long[] pool = {30_000};
        budget.alsoCount(() -> pool[0]);
        assertTrue(budget.tryReserve(50_000), "50,000 + 30,000 of pool fit in 100,000");
        assertFalse(budget.tryReserve(25_000), "75,000 + 30,000 do not");
        pool[0] = 0;
        assertTrue(budget.tryReserve(25_000), "the pool shrank");
        budget.release(75_000);

        pool[0] = 1_000_000;
        assertTrue(budget.tryReserve(60_000), "nothing held: admitted whatever the pool holds");
        assertFalse(budget.tryReserve(10_000));
        List<String> woken = new ArrayList<>();
        EmbeddedChannel loop = new EmbeddedChannel();
        budget.await(loop.eventLoop(), 10_000, () -> woken.add("retry"));
        loop.runPendingTasks();
        assertEquals(List.of(), woken, "no room yet");
        budget.release(60_000);
        loop.runPendingTasks();
        assertEquals(List.of("retry"), woken, "a release wakes the waiter to try again");
        assertTrue(budget.tryReserve(10_000), "nothing held: admitted");
        loop.finishAndReleaseAll();
        assertFalse(budget.underPressure(), "pressure follows large frames only");
        budget.release(10_000);
        assertEquals(0, budget.used());
    }

    @Test
    void aResponseIsForcedThroughAndPressureIsOnUntilTheLowWaterMark() {
        MemoryBudget budget = new MemoryBudget(30_000, 20_000, 10_000, LARGE);
        assertTrue(budget.tryReserve(15_000));
        decoder(FrameDecoder.Direction.RESPONSE, budget);
        byte[] response = set(12_000, 4);
        response[0] = (byte) 0x81;
        feed(response, 0, 100);
        assertTrue(events.isEmpty(), "a shard's answer never waits");
        assertTrue(budget.underPressure(), "over high-water");
        assertFalse(budget.tryReserve(100), "clients wait while the pressure is on");
        feed(response, 100, response.length);
        ByteBuf out = channel.readInbound();
        budget.release(15_000);
        assertTrue(budget.underPressure(), "still above low-water: " + budget.used());
        List<String> woken = new ArrayList<>();
        budget.await(channel.eventLoop(), 0, () -> woken.add("relief"));
        channel.runPendingTasks();
        assertTrue(woken.isEmpty());
        out.release();
        assertFalse(budget.underPressure());
        channel.runPendingTasks();
        assertEquals(List.of("relief"), woken);
    }

    @Test
    void aClosedConnectionGivesBackItsHalfGatheredFrame() {
        MemoryBudget budget = new MemoryBudget(1 << 20, 800_000, 600_000, LARGE);
        decoder(FrameDecoder.Direction.REQUEST, budget);
        byte[] frame = set(50_000, 5);
        feed(frame, 0, 10_000);
        assertEquals(frame.length, budget.used());
        channel.close();
        assertEquals(0, budget.used());
    }

    @Test
    void theAccountedBufferIsTheFrameItself() {
        MemoryBudget budget = new MemoryBudget(1 << 20, 800_000, 600_000, LARGE);
        assertTrue(budget.tryReserve(10));
        ByteBuf b = budget.allocate(io.netty.buffer.ByteBufAllocator.DEFAULT, 10);
        assertSame(b, b.writeZero(10));
        assertEquals(10, b.capacity());
        assertEquals(10, budget.used());
        b.release();
        assertEquals(0, budget.used());
    }
}
