package dev.kvgate.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.mcbp.Opcode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Several threads on one shard, as several event loops would call it. */
class EngineShardConcurrencyTest {
    private static final int THREADS = 4;
    private static final int OPS = 5_000;

    @Test
    @Timeout(60)
    void hammeringKeepsCountersAndValuesConsistent() throws Exception {
        try (EngineHarness h = new EngineHarness(256 * 1024, 4096)) {
            h.one(Frames.set("counter", "0"));
            CyclicBarrier start = new CyclicBarrier(THREADS);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<long[]>> results = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    Callable<long[]> work = () -> {
                        start.await();
                        long increments = 0;
                        long mismatches = 0;
                        for (int i = 0; i < OPS; i++) {
                            String own = "t" + thread + "-" + (i % 300);
                            String value = thread + ":" + i;
                            assertEquals(0, h.one(Frames.set(own, value)).status());
                            Response got = h.one(Frames.get(own));
                            // Other threads never write this key, but eviction may remove it.
                            if (got.status() == 0 && !got.valueString().equals(value)) {
                                mismatches++;
                            }
                            h.one(Frames.get("t" + ((thread + 1) % THREADS) + "-" + (i % 300)));
                            Response incr = h.one(Frames.arithmetic(Opcode.INCREMENT, "counter", 3, 0, 0));
                            assertEquals(0, incr.status());
                            increments += 3;
                            if (i % 7 == 0) {
                                h.silent(Frames.arithmetic(Opcode.INCREMENTQ, "counter", 1, 0, 0));
                                increments += 1;
                            }
                        }
                        return new long[] {increments, mismatches};
                    };
                    results.add(pool.submit(work));
                }
                long total = 0;
                for (Future<long[]> f : results) {
                    long[] r = f.get(50, TimeUnit.SECONDS);
                    total += r[0];
                    assertEquals(0, r[1], "a thread read back someone else's value for its own key");
                }
                // Keep the counter alive through the eviction the other keys cause: read it last.
                Response counter = h.one(Frames.arithmetic(Opcode.INCREMENT, "counter", 0, 0, 0xffffffffL));
                assertEquals(0, counter.status(), "counter evicted: it is read and written constantly");
                assertEquals(total, counter.counter());
                EngineStats s = h.shard.stats();
                assertTrue(s.bytes() <= 256 * 1024);
                assertEquals((long) THREADS * OPS * 2, s.cmdGet());
                assertEquals(s.getHits() + s.getMisses(), s.cmdGet());
                assertEquals(1 + (long) THREADS * OPS, s.cmdSet());
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
