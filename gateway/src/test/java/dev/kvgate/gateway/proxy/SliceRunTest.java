package dev.kvgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Back-to-back slices of one read buffer leave as one slice; anything else ends the run; nothing leaks. */
class SliceRunTest {

    /**
     * Read buffers the leak detector does not wrap: under paranoid detection only such buffers' frames
     * are joined (see SliceRun), and the allocator of a production loop has no detector.
     */
    private static final UnpooledByteBufAllocator UNTRACKED = new UnpooledByteBufAllocator(true, true);

    private static ByteBuf readBuffer(boolean direct, int bytes) {
        ByteBuf b = direct ? UNTRACKED.directBuffer(bytes) : UNTRACKED.heapBuffer(bytes);
        for (int i = 0; i < bytes; i++) {
            b.writeByte(i);
        }
        return b;
    }

    @ParameterizedTest(name = "direct={0}")
    @ValueSource(booleans = {true, false})
    void backToBackSlicesOfOneReadLeaveAsOneSliceOfIt(boolean direct) {
        ByteBuf read = readBuffer(direct, 100);
        read.skipBytes(10); // a cumulation whose first bytes went earlier
        SliceRun run = new SliceRun();
        // 40 frames: the run's frame array grows past its first 4.
        for (int i = 0; i < 40; i++) {
            assertTrue(run.append(read.readRetainedSlice(2)));
        }
        assertEquals(40, run.size());
        assertEquals(80, run.bytes());
        ByteBuf out = run.take();
        try {
            assertTrue(run.isEmpty());
            assertEquals(80, out.readableBytes());
            assertEquals(ByteBufUtil.hexDump(read, 10, 80), ByteBufUtil.hexDump(out));
            assertEquals(2, read.refCnt(), "the frames' references are given back; the slice holds one");
        } finally {
            out.release();
        }
        assertEquals(1, read.refCnt());
        read.release();
    }

    @Test
    void aGapAnotherReadBufferOrABufferKvgateMadeEndsTheRun() {
        ByteBuf read = readBuffer(true, 30);
        ByteBuf other = readBuffer(true, 30);
        ByteBuf made = Unpooled.directBuffer(4).writeInt(7);
        SliceRun run = new SliceRun();
        try {
            assertTrue(run.append(read.readRetainedSlice(5)));
            read.skipBytes(1);
            ByteBuf afterGap = read.readRetainedSlice(5);
            assertFalse(run.append(afterGap), "not contiguous");
            ByteBuf fromOther = other.readRetainedSlice(5);
            assertFalse(run.append(fromOther), "another read buffer");
            assertFalse(run.append(made), "not a slice at all");
            ByteBuf first = run.take();
            assertEquals(5, first.readableBytes());
            first.release();
            // A run that starts with a buffer kvgate made takes nothing after it.
            assertTrue(run.append(made));
            assertFalse(run.append(afterGap));
            assertSame(made, run.take(), "a run of one is the frame itself");
            made.release();
            afterGap.release();
            fromOther.release();
        } finally {
            read.release();
            other.release();
        }
        assertEquals(0, read.refCnt());
        assertEquals(0, other.refCnt());
    }

    @Test
    void slicesTheLeakDetectorTracksAreWrittenOneByOne() {
        // Joined, their release would bypass the detector's record of the read buffer: a false leak.
        ByteBuf read = PooledByteBufAllocator.DEFAULT.directBuffer(20).writeZero(20);
        SliceRun run = new SliceRun();
        assertTrue(run.append(read.readRetainedSlice(10)));
        ByteBuf second = read.readRetainedSlice(10);
        assertFalse(run.append(second));
        ByteBuf first = run.take();
        assertEquals(10, first.readableBytes());
        first.release();
        second.release();
        read.release();
        assertEquals(0, read.refCnt());
    }

    @Test
    void aDroppedRunReleasesEveryFrame() {
        ByteBuf read = readBuffer(true, 20);
        SliceRun run = new SliceRun();
        for (int i = 0; i < 4; i++) {
            run.append(read.readRetainedSlice(5));
        }
        run.release();
        assertTrue(run.isEmpty());
        assertNull(run.take());
        assertEquals(1, read.refCnt());
        read.release();
    }
}
