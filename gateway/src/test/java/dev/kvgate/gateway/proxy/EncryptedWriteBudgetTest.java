package dev.kvgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.gateway.memory.MemoryBudget;
import dev.kvgate.mcbp.Mcbp;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * On a TLS connection a large answer stays counted in the memory budget until the socket took it: the
 * SslHandler frees the plaintext when it encrypts it, the encrypted copy waits for the client.
 * Stands in for the transport: a handler that keeps each write and its promise until the test says.
 */
class EncryptedWriteBudgetTest {
    private static final int LARGE = 64 * 1024;
    private final MemoryBudget budget = new MemoryBudget(1 << 20, 900 * 1024, 512 * 1024, LARGE);
    private final List<Object> held = new ArrayList<>();
    private final List<ChannelPromise> promises = new ArrayList<>();
    private EmbeddedChannel ch;
    private ResponseQueue queue;

    @BeforeEach
    void setUp() {
        ch = new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                held.add(msg);
                promises.add(promise);
            }
        });
        queue = new ResponseQueue(ch, ch.alloc(), new GatewayStats().forLoop(ch.eventLoop()), new LoopCounters(1),
                new ResponseQueue.Owner() {
                    @Override
                    public void closeAfterWrite() {
                    }

                    @Override
                    public void answersLeft() {
                    }
                }, 2);
    }

    @AfterEach
    void tearDown() {
        for (Object m : held) {
            io.netty.util.ReferenceCountUtil.release(m);
        }
        ch.finishAndReleaseAll();
    }

    private static ByteBuf answer(int opaque, int valueBytes) {
        ByteBuf b = Unpooled.directBuffer(Mcbp.HEADER_SIZE + valueBytes);
        b.writeByte(0x81).writeByte(0).writeZero(6).writeInt(valueBytes).writeInt(opaque).writeLong(0);
        b.writeZero(valueBytes);
        return b;
    }

    private void answerOne(int valueBytes) {
        long seq = queue.add((byte) 0, 7, false);
        queue.answer(seq, answer(0, valueBytes));
        ch.runPendingTasks();
    }

    @Test
    void aLargeAnswerIsCountedUntilWritten() {
        queue.countEncryptedWrites(budget);
        answerOne(200 * 1024);
        assertEquals(1, promises.size());
        assertEquals(Mcbp.HEADER_SIZE + 200 * 1024 + MemoryBudget.TLS_RECORD_BUFFERS, budget.used(),
                "counted, with the engine's record buffers, while the transport holds it");
        promises.get(0).setSuccess();
        assertEquals(0, budget.used());
    }

    @Test
    void aFailedWriteGivesItBackToo() {
        queue.countEncryptedWrites(budget);
        answerOne(100 * 1024);
        assertTrue(budget.used() > 0);
        promises.get(0).setFailure(new IOException("connection reset"));
        assertEquals(0, budget.used());
    }

    @Test
    void overTheHighWaterMarkClientsStopReading() {
        queue.countEncryptedWrites(budget);
        for (int i = 0; i < 5; i++) {
            answerOne(200 * 1024);
        }
        assertTrue(budget.underPressure(), "5 x 200 KiB waiting for a 1 MiB budget");
        promises.forEach(ChannelPromise::setSuccess);
        assertEquals(0, budget.used());
        assertFalse(budget.underPressure());
    }

    @Test
    void smallAnswersAreNotCounted() {
        queue.countEncryptedWrites(budget);
        answerOne(1000);
        assertEquals(1, promises.size());
        assertEquals(0, budget.used());
    }

    @Test
    void aPlainConnectionsLargeAnswerIsNotCountedAgain() {
        // No countEncryptedWrites, as on a plain connection: there a large answer's own (accounted)
        // buffer is what the transport holds until written, and it is not counted twice.
        answerOne(200 * 1024);
        assertEquals(1, promises.size());
        assertEquals(0, budget.used());
    }
}
