package dev.kvgate.it.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.it.Shards;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real memcached closes kvgate's backend connection while a client pipelines GETs through it:
 * memcached closes it over a request it rejects, or is restarted on the same port. Each GET gets its
 * own key's value (retried on the new connection), a miss from a restarted, empty memcached, or a
 * clean 0x86; never another key's value (GETK answers carry the key, and the client matches answers
 * to requests in order by opaque).
 */
@Timeout(180)
class LostBackendConnectionIT {
    private static final Logger log = LoggerFactory.getLogger(LostBackendConnectionIT.class);
    private static final int KEYS = 200;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int TMPFAIL = Status.TEMPORARY_FAILURE.code();
    private static final int NOT_FOUND = Status.KEY_NOT_FOUND.code();

    private Shards shards;
    private GatewayFixture gateway;

    @BeforeEach
    void start() throws Exception {
        shards = Shards.start(1);
        gateway = GatewayFixture.start(shards.hocon()
                + "kvgate.backend { request-timeout = 5s, reconnect-min = 20ms, reconnect-max = 200ms }\n");
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            if (shards != null) {
                shards.close();
            }
        }
    }

    private static String value(String key) {
        return "value-of-" + key;
    }

    private static List<String> keys(TransportKind t, String test) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < KEYS; i++) {
            keys.add(test + "-" + t + "-" + i);
        }
        return keys;
    }

    private static void populate(McbpClient c, List<String> keys) throws Exception {
        List<CompletableFuture<Response>> stored = c.sendAll(keys.stream().map(k -> Request.set(k, value(k))).toList());
        for (CompletableFuture<Response> f : stored) {
            assertEquals(0, McbpClient.await(f, WAIT).status());
        }
    }

    /** What the GETs of a run got; fails at once on an answer that is not the key's own. */
    private static final class Tally {
        final AtomicInteger values = new AtomicInteger();
        final AtomicInteger misses = new AtomicInteger();
        final AtomicInteger tmpfails = new AtomicInteger();

        /** Checks the answer to GETK {@code key}; returns whether it carried the key's value. */
        boolean check(String key, Response r, boolean missAllowed) {
            if (r.status() == 0) {
                assertEquals(key, r.keyString(), "the answer is for the key asked for");
                assertEquals(value(key), r.valueString(), "and carries that key's value");
                values.incrementAndGet();
                return true;
            }
            if (r.status() == TMPFAIL) {
                tmpfails.incrementAndGet();
                return false;
            }
            assertTrue(missAllowed && r.status() == NOT_FOUND, key + ": unexpected " + r);
            misses.incrementAndGet();
            return false;
        }

        @Override
        public String toString() {
            return values + " values, " + misses + " misses, " + tmpfails + " 0x86";
        }
    }

    /**
     * memcached answers a GET with extras "invalid arguments" and closes the connection, dropping what
     * it had not executed: the GETs pipelined behind it, by this client and any other on the same
     * backend connection. kvgate sends those again on a new connection, and since memcached is up,
     * every one of them gets its value: no 0x86 at all.
     */
    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void readsBehindARequestMemcachedClosesTheConnectionOverAreRetried(TransportKind t) throws Exception {
        List<String> keys = keys(t, "rejected");
        Tally tally = new Tally();
        int retriedValues = 0;
        try (McbpClient c = gateway.client(t)) {
            populate(c, keys);
            for (int round = 0; round < 5; round++) {
                List<Request> pipeline = new ArrayList<>();
                keys.subList(0, KEYS / 2).forEach(k -> pipeline.add(Request.keyed(Opcode.GETK, k)));
                pipeline.add(Request.of(Opcode.GET, new byte[4], keys.get(0).getBytes(), new byte[0], 0));
                keys.subList(KEYS / 2, KEYS).forEach(k -> pipeline.add(Request.keyed(Opcode.GETK, k)));
                List<CompletableFuture<Response>> answers = c.sendAll(pipeline);
                for (int i = 0; i < pipeline.size(); i++) {
                    Response r = McbpClient.await(answers.get(i), WAIT);
                    if (i == KEYS / 2) {
                        assertTrue(r.status() == Status.INVALID_ARGUMENTS.code() || r.status() == TMPFAIL,
                                "the rejected request: " + r);
                        continue;
                    }
                    String key = new String(pipeline.get(i).key());
                    if (tally.check(key, r, false) && i > KEYS / 2) {
                        retriedValues++;
                    }
                }
            }
        }
        log.info("{}: {}; {} of them behind the rejected request", t, tally, retriedValues);
        // Without the retry every GET in flight behind the rejected one fails, and so do those sent
        // until the reconnect's backoff has passed. memcached is up: the retries are all answered.
        assertEquals(0, tally.tmpfails.get(), "every GET behind the rejected request was retried: " + tally);
        assertEquals(5 * KEYS / 2, retriedValues);
    }

    /**
     * memcached is restarted (SIGKILL, then a new process on the same port) under a client that
     * pipelines GETs without pause; then the keys are stored again directly in the new memcached.
     */
    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void readsInFlightWhenMemcachedRestartsGetTheirValueAMissOrTemporaryFailure(TransportKind t)
            throws Exception {
        List<String> keys = keys(t, "restart");
        Tally tally = new Tally();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Semaphore rounds = new Semaphore(0);
        Semaphore fullRounds = new Semaphore(0);
        AtomicInteger stopAfter = new AtomicInteger(Integer.MAX_VALUE);
        AtomicBoolean repopulated = new AtomicBoolean();
        try (McbpClient c = gateway.client(t)) {
            populate(c, keys);
            Thread reader = new Thread(() -> {
                try {
                    List<Request> gets = keys.stream().map(k -> Request.keyed(Opcode.GETK, k)).toList();
                    for (int round = 0; round < stopAfter.get(); round++) {
                        boolean afterRepopulate = repopulated.get();
                        List<CompletableFuture<Response>> answers = c.sendAll(gets);
                        int values = 0;
                        for (int i = 0; i < gets.size(); i++) {
                            if (tally.check(keys.get(i), McbpClient.await(answers.get(i), WAIT), true)) {
                                values++;
                            }
                        }
                        rounds.release();
                        if (afterRepopulate && values == keys.size()) {
                            fullRounds.release();
                        }
                    }
                } catch (Throwable e) {
                    failure.set(e);
                    rounds.release(1000);
                    fullRounds.release(1000);
                }
            }, "pipelining-reader");
            reader.start();
            try {
                assertTrue(rounds.tryAcquire(2, WAIT.toSeconds(), TimeUnit.SECONDS), "reading before the restart");
                assertNull(failure.get());
                shards.get(0).restart();
                try (McbpClient direct = McbpClient.connect("127.0.0.1", shards.get(0).port())) {
                    populate(direct, keys);
                }
                repopulated.set(true);
                // Served through kvgate again: a whole round of values after the keys are back.
                assertTrue(fullRounds.tryAcquire(1, WAIT.toSeconds(), TimeUnit.SECONDS),
                        "every GET answered with its value again: " + tally);
            } finally {
                stopAfter.set(0);
                reader.join(WAIT.toMillis());
            }
        }
        if (failure.get() != null) {
            throw new AssertionError("reader failed: " + failure.get(), failure.get());
        }
        log.info("{}: {}", t, tally);
    }
}
