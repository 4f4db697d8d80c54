package dev.kvgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The round trip forwards every request and writes every answer back, and releases what it took. */
class SessionPathBenchmarkSmokeTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 16})
    void everyRequestIsForwardedAndAnswered(int pipeline) {
        SessionPathBenchmark bench = new SessionPathBenchmark();
        bench.pipeline = pipeline;
        bench.setUp();
        try {
            SessionPathBenchmark.Counts counts = new SessionPathBenchmark.Counts();
            int answer = 24 + 4 + SessionPathBenchmark.VALUE;
            for (int i = 0; i < 200; i++) {
                assertEquals(pipeline * answer, bench.roundTrip(counts));
            }
            assertEquals(200L * pipeline, counts.frames);
        } finally {
            bench.tearDown();
        }
    }
}
