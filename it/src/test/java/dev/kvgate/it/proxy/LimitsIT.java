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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Per-connection limits: the idle timeout, and max-in-flight with a pipeline far longer than it. */
@Timeout(60)
class LimitsIT {
    private static final Logger log = LoggerFactory.getLogger(LimitsIT.class);
    private static final long IDLE_MILLIS = 300;
    /** Timer and scheduling slack on a shared machine. */
    private static final long SLACK_MILLIS = 2_000;
    private static final int MAX_IN_FLIGHT = 8;

    private static Shards shards;
    private static GatewayFixture gateway;

    @BeforeAll
    static void start() throws Exception {
        shards = Shards.start(3);
        gateway = GatewayFixture.start(shards.hocon() + "kvgate.limits { idle-timeout = " + IDLE_MILLIS
                + "ms, max-in-flight = " + MAX_IN_FLIGHT + " }\n");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (shards != null) {
            shards.close();
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void idleConnectionIsClosed(TransportKind t) throws Exception {
        try (McbpClient c = gateway.client(t)) {
            assertEquals(0, c.noop().status());
            long lastActivity = System.nanoTime();
            assertTrue(c.awaitClosed(Duration.ofMillis(IDLE_MILLIS + SLACK_MILLIS)),
                    "closed within " + (IDLE_MILLIS + SLACK_MILLIS) + " ms of idleness");
            long idleMillis = (System.nanoTime() - lastActivity) / 1_000_000;
            log.info("{}: idle connection closed after {} ms (idle-timeout {} ms)", t, idleMillis, IDLE_MILLIS);
            // Measured from when the client saw the last answer, a little after kvgate wrote it.
            assertTrue(idleMillis >= IDLE_MILLIS - 50, "not closed before the idle timeout: " + idleMillis + " ms");
        }
    }

    /**
     * A client waiting for an answer is not idle: a request on a hung shard must end with 0x86 after
     * backend.request-timeout (2 s by default, longer than the idle timeout here), on an open connection.
     */
    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void connectionWaitingForAnAnswerIsNotClosedAsIdle(TransportKind t) throws Exception {
        String key = shards.keysOn(0, t + "-waiting-", 1).get(0);
        try (McbpClient c = gateway.client(t)) {
            assertEquals(0, c.set(key, "w").status());
            shards.get(0).stop();
            Response r;
            long start = System.nanoTime();
            try {
                r = McbpClient.await(c.send(Request.get(key)), Duration.ofSeconds(10));
            } finally {
                shards.get(0).resume();
            }
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            log.info("{}: request on a hung shard answered with status 0x{} after {} ms (idle-timeout {} ms)", t,
                    Integer.toHexString(r.status()), tookMillis, IDLE_MILLIS);
            assertEquals(Status.TEMPORARY_FAILURE.code(), r.status());
            assertTrue(c.isOpen(), "still open after the answer");
            assertEquals(0, c.noop().status());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void activeConnectionIsKeptOpen(TransportKind t) throws Exception {
        // Two idle connections in turn mark the idle timeout running out twice; the active connection
        // sends requests back to back all along (alternately answered by kvgate and by a shard) and
        // must still be open. No guessed pauses: kvgate's own idle closes are the clock.
        try (McbpClient c = gateway.client(t)) {
            int requests = 0;
            for (int period = 0; period < 2; period++) {
                try (McbpClient idle = gateway.client(t)) {
                    assertEquals(0, idle.noop().status());
                    while (idle.isOpen()) {
                        Response r = requests % 2 == 0 ? c.noop() : c.get(t + "-active-" + requests);
                        assertTrue(r.status() == 0 || r.status() == 1, "answered: " + r);
                        requests++;
                    }
                }
            }
            assertTrue(c.isOpen(), "a connection in use is not closed as idle");
            assertEquals(0, c.noop().status());
            log.info("{}: active connection open after {} requests over two idle timeouts", t, requests);
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void pipelineFarBeyondMaxInFlightIsAnsweredInOrder(TransportKind t) throws Exception {
        String p = t + "-mif-";
        List<Request> batch = new ArrayList<>();
        Set<Integer> shardsUsed = new HashSet<>();
        for (int i = 0; batch.size() < 999; i++) {
            shardsUsed.add(shards.owner(p + i));
            switch (i % 5) {
                case 0 -> batch.add(Request.set(p + i, "v" + i));
                case 1 -> batch.add(Request.get(p + (i - 1)));
                case 2 -> batch.add(Request.store(Opcode.SETQ, p + i, ("q" + i).getBytes(StandardCharsets.UTF_8), 0, 0, 0));
                case 3 -> batch.add(Request.keyed(Opcode.GETK, p + (i - 1)));
                default -> batch.add(Request.keyed(Opcode.GETQ, p + "missing" + i));
            }
        }
        batch.add(Request.noop()); // a pipeline ends with a request that is answered
        assertEquals(3, shardsUsed.size());
        try (McbpClient c = gateway.client(t)) {
            // The most requests kvgate held accepted-but-unanswered at once: max-in-flight is a hard cap.
            AtomicLong maxInFlight = new AtomicLong();
            AtomicBoolean sampling = new AtomicBoolean(true);
            Thread sampler = new Thread(() -> {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (sampling.get() && System.nanoTime() < until) {
                    maxInFlight.accumulateAndGet(gateway.server().stats().inFlight(), Math::max);
                    LockSupport.parkNanos(200_000);
                }
            }, "in-flight-sampler");
            sampler.setDaemon(true);
            sampler.start();
            long start = System.nanoTime();
            List<CompletableFuture<Response>> answers = c.sendAll(batch);
            for (int i = 0; i < batch.size() - 1; i++) {
                Response r = McbpClient.await(answers.get(i), Duration.ofSeconds(20));
                switch (i % 5) {
                    case 0 -> assertEquals(0, r.status(), "SET " + i);
                    case 1 -> assertEquals("v" + (i - 1), r.valueString(), "GET " + i);
                    case 2 -> assertNull(r, "SETQ " + i + " is silent");
                    case 3 -> {
                        assertEquals("q" + (i - 1), r.valueString(), "GETK " + i);
                        assertEquals(p + (i - 1), r.keyString());
                    }
                    default -> assertNull(r, "GETQ miss " + i + " is silent");
                }
            }
            assertEquals(Opcode.NOOP.code(), McbpClient.await(answers.get(999), Duration.ofSeconds(20)).opcode());
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            sampling.set(false);
            sampler.join(5000);
            log.info("{}: 1000-request pipeline with max-in-flight {} answered in order in {} ms;"
                    + " most requests in flight in kvgate at once (sampled): {}", t, MAX_IN_FLIGHT, tookMillis,
                    maxInFlight.get());
            assertTrue(maxInFlight.get() <= MAX_IN_FLIGHT, "in flight at once: " + maxInFlight.get());
            assertEquals(0, c.noop().status());
        }
    }
}
