package dev.kvgate.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Runs each benchmark method a few times as plain calls: they work and release what they take, not how fast. */
class BenchmarksSmokeTest {

    @ParameterizedTest
    @CsvSource({"1, 100, pooled", "16, 100, adaptive", "64, 16384, pooled", "64, 16384, adaptive"})
    void decoderHandsOnEveryFrame(int frames, int valueSize, String allocator) {
        FrameDecoderBenchmark bench = new FrameDecoderBenchmark();
        bench.frames = frames;
        bench.valueSize = valueSize;
        bench.allocator = allocator;
        bench.setUp();
        try {
            assertEquals(frames, bench.decode());
            assertEquals(2L * frames, bench.decode());
        } finally {
            bench.tearDown();
        }
    }

    @ParameterizedTest
    @CsvSource({"100, pooled", "16384, adaptive"})
    void forwardPathRoutesToAShard(int valueSize, String allocator) {
        ForwardPathBenchmark bench = new ForwardPathBenchmark();
        bench.valueSize = valueSize;
        bench.allocator = allocator;
        bench.setUp();
        try {
            int shards = ForwardPathBenchmark.SHARDS.size();
            for (int i = 0; i < ForwardPathBenchmark.KEYS; i++) {
                // Both return shard + opcode, and every fixture frame is a SET (opcode 1).
                int routed = bench.route() - 1;
                int sliced = bench.sliceAndForward() - 1;
                assertTrue(routed >= 0 && routed < shards, "shard " + routed);
                assertTrue(sliced >= 0 && sliced < shards, "shard " + sliced);
            }
        } finally {
            bench.tearDown();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pooled", "adaptive"})
    void responsesAreBuiltAndReleased(String allocator) {
        ResponseBuildBenchmark bench = new ResponseBuildBenchmark();
        bench.allocator = allocator;
        bench.setUp();
        assertEquals(24 + "Temporary failure".length(), bench.error());
        assertEquals(24 + "1.6.21".length() + 0x0b, bench.simple());
        assertEquals(24 + 0x0a, bench.empty());
    }

    @Test
    void jmhWorkersAreEventLoopThreads() throws Exception {
        EventLoopThreads executor = new EventLoopThreads(1, "jmh-worker");
        try {
            assertTrue(executor.submit(() -> Thread.currentThread() instanceof FastThreadLocalThread)
                    .get(10, TimeUnit.SECONDS));
        } finally {
            executor.shutdownNow();
        }
    }
}
