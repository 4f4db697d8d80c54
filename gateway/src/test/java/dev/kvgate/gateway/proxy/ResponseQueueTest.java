package dev.kvgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A client's ring of answers: in request order whatever order they settle in, across the ring's wrap
 * and its growth; settled once; released when the client is gone; unordered execution and barriers.
 */
class ResponseQueueTest {
    private static final io.netty.buffer.UnpooledByteBufAllocator UNTRACKED =
            new io.netty.buffer.UnpooledByteBufAllocator(true, true);
    private EmbeddedChannel ch;
    private GatewayStats stats;
    private ResponseQueue queue;
    private int closes;
    private final List<ByteBuf> made = new ArrayList<>();

    @BeforeEach
    void setUp() {
        ch = new EmbeddedChannel();
        stats = new GatewayStats();
        queue = new ResponseQueue(ch, ch.alloc(), stats.forLoop(ch.eventLoop()), new LoopCounters(1),
                new ResponseQueue.Owner() {
                    @Override
                    public void closeAfterWrite() {
                        closes++;
                    }

                    @Override
                    public void answersLeft() {
                    }
                }, 2);
    }

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
        for (ByteBuf b : made) {
            assertEquals(0, b.refCnt(), "every answer given to the queue was written or released");
        }
    }

    /** A backend's answer frame with {@code opaque} (the backend's, patched by the queue). */
    private ByteBuf answerFrame(int opaque) {
        ByteBuf b = Unpooled.directBuffer(Mcbp.HEADER_SIZE);
        b.writeByte(0x81).writeByte(0).writeZero(6).writeInt(0).writeInt(opaque).writeLong(0);
        made.add(b);
        return b;
    }

    /** Client opaques of the answers written so far. */
    private List<Integer> written() {
        ch.runPendingTasks();
        List<Integer> out = new ArrayList<>();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            for (int at = b.readerIndex(); at < b.writerIndex(); at += Mcbp.HEADER_SIZE + b.getInt(at + 8)) {
                out.add(b.getInt(at + 12));
            }
            b.release();
        }
        return out;
    }

    @Test
    void answersLeaveInRequestOrderWhateverOrderTheySettleIn() {
        long a = queue.add((byte) 0, 1, false);
        long b = queue.add((byte) 0, 2, false);
        long c = queue.add((byte) 0, 3, false);
        queue.answer(c, answerFrame(99));
        queue.answer(b, answerFrame(98));
        assertEquals(List.of(), written());
        queue.answer(a, answerFrame(97));
        assertEquals(List.of(1, 2, 3), written(), "client opaques patched in, in request order");
        assertEquals(0, stats.inFlight());
    }

    @Test
    void aLongShuffledRunWrapsAndGrowsTheRingAndKeepsTheOrder() {
        Random random = new Random(5);
        List<Integer> expected = new ArrayList<>();
        List<Integer> got = new ArrayList<>();
        int opaque = 0;
        for (int round = 0; round < 300; round++) {
            int n = 1 + random.nextInt(40);
            List<Long> seqs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                seqs.add(queue.add((byte) 0, opaque, false));
                expected.add(opaque++);
            }
            Collections.shuffle(seqs, random);
            for (long s : seqs) {
                queue.answer(s, answerFrame(0));
            }
            got.addAll(written());
        }
        assertEquals(expected, got);
        assertTrue(queue.capacity() <= 64, "sized by what waits, not by what went through: " + queue.capacity());
        assertEquals(0, stats.inFlight());
    }

    @Test
    void anEntryIsSettledOnceAndALateSecondAnswerIsReleased() {
        long a = queue.add((byte) 0, 7, false);
        queue.answer(a, answerFrame(1));
        queue.answer(a, answerFrame(2));
        queue.fail(a, Status.TEMPORARY_FAILURE);
        assertEquals(List.of(7), written());
    }

    @Test
    void aFailureIsAnswered0x86WithTheClientsOpaque() {
        long a = queue.add((byte) 0, 42, false);
        queue.fail(a, Status.TEMPORARY_FAILURE);
        ch.runPendingTasks();
        ByteBuf b = ch.readOutbound();
        try {
            assertEquals(42, Mcbp.opaque(b));
            assertEquals(Status.TEMPORARY_FAILURE.code(), Mcbp.status(b));
        } finally {
            b.release();
        }
    }

    @Test
    void answersThatComeAfterTheClientLeftAreReleasedAndNothingIsWritten() {
        long a = queue.add((byte) 0, 1, false);
        long b = queue.add((byte) 0, 2, false);
        queue.answer(b, answerFrame(2)); // held behind a
        queue.close();
        assertEquals(0, stats.inFlight());
        queue.answer(a, answerFrame(1));
        queue.fail(b, Status.TEMPORARY_FAILURE);
        assertEquals(List.of(), written());
        assertTrue(queue.isClosed());
    }

    @Test
    void silenceWritesNothingAndACloseAfterEntryTellsTheOwnerOnceWritten() {
        long quiet = queue.add((byte) 0x09, 1, false);
        long quit = queue.add((byte) 0x07, 2, true);
        queue.closeAfter(quit);
        queue.settle(quit, null);
        assertEquals(0, closes, "waits for the entry before it");
        queue.answer(quiet, null);
        assertEquals(1, closes);
        assertEquals(List.of(), written());
    }

    /** A backend's read buffer holding {@code count} answer frames of {@code size} bytes each. */
    private ByteBuf readBuffer(int count, int size) {
        // Larger than its frames, as a socket's read buffer is; untracked, so that under paranoid leak
        // detection back-to-back answers are still joined (see SliceRun).
        ByteBuf read = UNTRACKED.directBuffer(count * size + 4096);
        for (int i = 0; i < count; i++) {
            read.writeByte(0x81).writeByte(0).writeZero(6).writeInt(size - Mcbp.HEADER_SIZE).writeInt(0)
                    .writeLong(0).writeZero(size - Mcbp.HEADER_SIZE);
        }
        return read;
    }

    @Test
    void answersBackToBackInOneReadBufferLeaveAsOneWrite() {
        ByteBuf read = readBuffer(3, 40);
        long a = queue.add((byte) 0, 1, false);
        long b = queue.add((byte) 0, 2, false);
        long c = queue.add((byte) 0, 3, false);
        queue.answer(a, read.readRetainedSlice(40));
        queue.answer(b, read.readRetainedSlice(40));
        queue.answer(c, read.readRetainedSlice(40));
        read.release();
        ch.runPendingTasks();
        ByteBuf out = ch.readOutbound();
        try {
            assertEquals(120, out.readableBytes(), "one write for the three");
            assertEquals(1, out.getInt(12));
            assertEquals(2, out.getInt(40 + 12));
            assertEquals(3, out.getInt(80 + 12));
        } finally {
            out.release();
        }
        assertTrue(ch.readOutbound() == null, "nothing else was written");
        assertEquals(0, read.refCnt());
    }

    @Test
    void aSmallWaitingAnswerIsCopiedOutOfTheReadBufferAndALargeOneCountsAsPinned() {
        ByteBuf small = readBuffer(2, 40);
        ByteBuf large = readBuffer(1, ResponseQueue.COPY_BELOW + 100);
        long first = queue.add((byte) 0, 1, false);
        long second = queue.add((byte) 0, 2, false);
        long third = queue.add((byte) 0, 3, false);
        queue.answer(second, small.readRetainedSlice(40));
        assertEquals(1, small.refCnt(), "the waiting small answer no longer holds the read buffer");
        assertEquals(0, queue.pinnedBytes());
        small.release();
        queue.answer(third, large.readRetainedSlice(large.readableBytes()));
        large.release();
        assertEquals(ResponseQueue.COPY_BELOW + 100, queue.pinnedBytes());
        assertEquals(1, large.refCnt(), "a large answer is kept as it is");
        queue.answer(first, answerFrame(0));
        assertEquals(0, queue.pinnedBytes(), "written: nothing pinned any more");
        assertEquals(List.of(1, 2, 3), written());
        assertEquals(0, large.refCnt());
    }

    @Test
    void pinnedAnswersOfAClientThatLeftAreReleasedAndUncounted() {
        ByteBuf large = readBuffer(1, ResponseQueue.COPY_BELOW * 2);
        queue.add((byte) 0, 1, false);
        long second = queue.add((byte) 0, 2, false);
        queue.answer(second, large.readRetainedSlice(large.readableBytes()));
        large.release();
        assertTrue(queue.pinnedBytes() > 0);
        queue.close();
        assertEquals(0, queue.pinnedBytes());
        assertEquals(0, large.refCnt());
    }

    @Test
    void pinnedBytesBeyondTheHighWaterMarkStopReading() {
        ch.config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(1024, 4 * ResponseQueue.COPY_BELOW));
        Backpressure pressure = new Backpressure(ch, dev.kvgate.gateway.memory.MemoryBudget.unlimited(64 * 1024), 100,
                queue, () -> false, null, msg -> io.netty.util.ReferenceCountUtil.release(msg));
        pressure.updateReading();
        assertTrue(ch.config().isAutoRead());
        long first = queue.add((byte) 0, 1, false);
        ByteBuf large = readBuffer(1, 5 * ResponseQueue.COPY_BELOW);
        long second = queue.add((byte) 0, 2, false);
        queue.answer(second, large.readRetainedSlice(large.readableBytes()));
        large.release();
        pressure.updateReading();
        assertFalse(ch.config().isAutoRead(), "the read buffer a waiting answer keeps counts like bytes to write");
        ByteBuf held = Unpooled.directBuffer(Mcbp.HEADER_SIZE).writeZero(Mcbp.HEADER_SIZE);
        made.add(held);
        pressure.offer(held);
        assertEquals(1, held.refCnt(), "a request that arrives meanwhile is held, not run");
        queue.answer(first, answerFrame(0));
        written();
        pressure.dispatchDeferred();
        pressure.updateReading();
        assertEquals(0, held.refCnt(), "run once the answers left");
        assertTrue(ch.config().isAutoRead());
        pressure.close();
    }

    @Test
    void unorderedAnswersLeaveAtOnceUnlessABarrierWaits() {
        queue.unordered(true);
        long a = queue.add((byte) 0, 1, false);
        long b = queue.add((byte) 0, 2, false);
        queue.answer(b, answerFrame(0));
        assertEquals(List.of(2), written(), "a keyed answer does not wait for an earlier one");
        long barrier = queue.add((byte) 0x0a, 3, true);
        long c = queue.add((byte) 0, 4, false);
        queue.answer(c, answerFrame(0));
        assertEquals(List.of(), written(), "a barrier in the queue holds later answers");
        queue.answer(barrier, answerFrame(0));
        queue.answer(a, answerFrame(0));
        assertEquals(List.of(1, 3, 4), written());
        assertFalse(queue.waiting(a));
    }
}
