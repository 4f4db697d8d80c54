package dev.kvgate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The signal logic without real signals: the test JVM's own handlers are left alone. */
@Timeout(30)
class StopOnSignalTest {
    private final AtomicInteger drains = new AtomicInteger();
    private final List<Integer> halts = new CopyOnWriteArrayList<>();
    private final StopOnSignal stop = new StopOnSignal(drains::incrementAndGet, halts::add);

    @Test
    void theFirstSignalDrainsOnTheWaitingThread() throws Exception {
        Thread main = new Thread(() -> {
            try {
                stop.awaitAndDrain();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        main.start();
        main.join(200);
        assertTrue(main.isAlive(), "serves until a signal");
        assertEquals(0, drains.get());
        stop.signalled("SIGTERM", 15);
        main.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(main.isAlive());
        assertEquals(1, drains.get());
        assertEquals(List.of(), halts, "a drained gateway exits through main(), with 0");
    }

    @Test
    void aSecondSignalExitsAtOnceWith128PlusItsNumber() {
        stop.signalled("SIGINT", 2);
        assertEquals(List.of(), halts);
        stop.signalled("SIGINT", 2);
        assertEquals(List.of(130), halts);
        stop.signalled("SIGTERM", 15);
        assertEquals(List.of(130, 143), halts);
    }

    @Test
    void theShutdownHookAfterADrainDoesNotDrainAgain() throws Exception {
        stop.signalled("SIGTERM", 15);
        stop.awaitAndDrain();
        stop.drainOnce();
        assertEquals(1, drains.get());
    }
}
