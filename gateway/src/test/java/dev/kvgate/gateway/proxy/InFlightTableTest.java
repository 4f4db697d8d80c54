package dev.kvgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayDeque;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The backend's ring of requests in flight: order, wrap-around, growth across the wrap, kept requests. */
class InFlightTableTest {
    private static final Waiter W1 = new NullWaiter();
    private static final Waiter W2 = new NullWaiter();

    @Test
    void entriesComeOutInOrderAcrossTheWrapAndAGrowthInTheMiddleOfIt() {
        InFlightTable t = new InFlightTable(4);
        assertEquals(4, t.capacity());
        for (int i = 0; i < 3; i++) {
            t.add(i, 100 + i, i % 2 == 0, W1, 1000 + i, null, 0);
        }
        t.removeHead();
        t.removeHead();
        // head at 2: the next adds wrap, and the fifth entry in the ring makes it grow while wrapped.
        for (int i = 3; i < 9; i++) {
            t.add(i, 100 + i, i % 2 == 0, i == 5 ? W2 : W1, 1000 + i, null, 0);
        }
        assertEquals(7, t.size());
        assertEquals(8, t.capacity());
        for (int i = 2; i < 9; i++) {
            assertEquals(i, t.opaque(0));
            assertEquals(100 + i, t.deadline(0));
            assertEquals(i % 2 == 0, t.quiet(0));
            assertEquals(1000 + i, t.seq(0));
            assertSame(i == 5 ? W2 : W1, t.waiter(0));
            t.removeHead();
        }
        assertTrue(t.isEmpty());
    }

    @Test
    void aLongRunWrapsManyTimesAndStaysInStepWithAQueue() {
        InFlightTable t = new InFlightTable(2);
        ArrayDeque<Integer> model = new ArrayDeque<>();
        Random random = new Random(11);
        int next = 0;
        for (int step = 0; step < 100_000; step++) {
            if (model.isEmpty() || random.nextInt(3) > 0 && model.size() < 50) {
                t.add(next, next, false, W1, next, null, 0);
                model.addLast(next++);
            } else {
                assertEquals((int) model.pollFirst(), t.opaque(0));
                t.removeHead();
            }
            assertEquals(model.size(), t.size());
        }
        assertTrue(t.capacity() <= 64, "grows to what is in flight, not to what went through");
    }

    @Test
    void keptRequestsAreFoundTakenOnceAndRememberWhereTheirFrameStarts() {
        InFlightTable t = new InFlightTable(2);
        ByteBuf kept = Unpooled.buffer(8).writeZero(8);
        try {
            t.add(1, 0, false, W1, 0, null, 0);
            t.add(2, 0, false, W1, 1, kept, 3);
            assertTrue(t.contains(2));
            assertFalse(t.contains(3));
            assertTrue(t.anyKept());
            assertNull(t.takeRequest(0));
            assertEquals(3, t.keptIndex(1));
            assertSame(kept, t.takeRequest(1));
            assertNull(t.takeRequest(1), "taken once: the caller owns it now");
            assertFalse(t.anyKept());
        } finally {
            kept.release();
        }
    }

    private static final class NullWaiter implements Waiter {
        @Override
        public void answer(long seq, ByteBuf response) {
            if (response != null) {
                response.release();
            }
        }

        @Override
        public void fail(long seq, Status status) {
        }
    }
}
