package dev.kvgate.it.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.it.Await;
import dev.kvgate.it.Shards;
import dev.kvgate.mcbp.Status;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Faults under load: a few connections send pipelined GET/SET over keys on all three shards while one
 * shard is killed (SIGKILL) and restarted, or hung (SIGSTOP) and resumed. Only the faulty shard's keys
 * may fail, with 0x86, each within the request timeout; every request gets exactly one answer; the
 * other shards' answers stay correct; the shard's keys work again afterwards.
 */
@Timeout(120)
class ChaosIT {
    private static final Logger log = LoggerFactory.getLogger(ChaosIT.class);
    private static final long REQUEST_TIMEOUT_MS = 500;
    /** Scheduling slack on a shared 2-core machine on top of the request timeout. */
    private static final long SLACK_MS = 2000;
    /** An answer not there after this is a hang. */
    private static final Duration HANG = Duration.ofMillis(REQUEST_TIMEOUT_MS + 10_000);
    private static final int WORKERS = 3;
    private static final int KEYS_PER_SHARD = 8;
    private static final int PIPELINE = 16;
    private static final short TEMP_FAIL = Status.TEMPORARY_FAILURE.code();

    private Shards shards;
    private GatewayFixture gateway;

    @BeforeEach
    void start() throws Exception {
        shards = Shards.start(3);
        gateway = GatewayFixture.start(shards.hocon()
                + "kvgate.backend { request-timeout = " + REQUEST_TIMEOUT_MS + "ms, connect-timeout = 200ms, handshake-timeout = 200ms, reconnect-min = 20ms,"
                + " reconnect-max = 200ms }\n");
    }

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (shards != null) {
            shards.close();
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void killedShardUnderLoad(TransportKind t) throws Exception {
        int victim = 1;
        try (Load load = new Load(t, victim, "kill")) {
            load.start();
            load.awaitProgress();
            long faultAt = System.nanoTime();
            shards.get(victim).kill();
            load.awaitFaultSeen();
            shards.get(victim).restart();
            long healedAt = System.nanoTime();
            load.awaitVictimAnswersAfter(healedAt);
            load.finish();

            load.report(faultAt, healedAt);
            load.assertCommon(faultAt);
            load.assertVictimWorksAgain();
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void stoppedShardUnderLoad(TransportKind t) throws Exception {
        int victim = 2;
        try (Load load = new Load(t, victim, "stop")) {
            load.start();
            load.awaitProgress();
            long faultAt = System.nanoTime();
            shards.get(victim).stop();
            long healedAt;
            try {
                load.awaitFaultSeen();
            } finally {
                shards.get(victim).resume();
                healedAt = System.nanoTime();
            }
            load.awaitVictimAnswersAfter(healedAt);
            load.finish();

            load.report(faultAt, healedAt);
            load.assertCommon(faultAt);
            // The connection that only uses healthy shards never waited for the hung one.
            assertTrue(load.clean.latencies.maxMs() < REQUEST_TIMEOUT_MS,
                    "healthy-shard-only connection: " + load.clean.latencies);
            load.assertVictimWorksAgain();
        }
    }

    /** The workers of one scenario. */
    private final class Load implements AutoCloseable {
        final TransportKind transport;
        final int victim;
        final List<Worker> workers = new ArrayList<>();
        final Worker clean;
        final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        volatile boolean running = true;

        Load(TransportKind transport, int victim, String name) throws IOException {
            this.transport = transport;
            this.victim = victim;
            for (int w = 0; w < WORKERS; w++) {
                workers.add(new Worker(this, w, transport + "-" + name + "-w" + w + "-", allShards()));
            }
            List<Integer> healthy = new ArrayList<>();
            for (int s = 0; s < shards.size(); s++) {
                if (s != victim) {
                    healthy.add(s);
                }
            }
            clean = new Worker(this, WORKERS, transport + "-" + name + "-clean-", healthy);
            workers.add(clean);
        }

        private List<Integer> allShards() {
            List<Integer> all = new ArrayList<>();
            for (int s = 0; s < shards.size(); s++) {
                all.add(s);
            }
            return all;
        }

        void start() throws IOException {
            for (Worker w : workers) {
                w.populate();
            }
            for (Worker w : workers) {
                w.thread.start();
            }
        }

        /** Every worker has had answers: the load is under way before the fault. */
        void awaitProgress() throws Exception {
            Await.until(HANG, "every worker answered " + 4 * PIPELINE + " requests",
                    () -> workers.stream().allMatch(w -> w.requests >= 4 * PIPELINE));
        }

        /** kvgate has failed some of the victim's requests with 0x86: the fault is in effect. */
        void awaitFaultSeen() throws Exception {
            Await.until(HANG, "a request for the faulty shard failed with 0x86",
                    () -> workers.stream().anyMatch(w -> w.victimFailures > 0));
        }

        /** Every worker using the victim shard has had a success from it since {@code t}. */
        void awaitVictimAnswersAfter(long t) throws Exception {
            Await.until(Duration.ofSeconds(20), "every mixed worker answered by the healed shard",
                    () -> workers.stream().filter(w -> w != clean).allMatch(w -> w.victimOkAfter(t) > 0));
        }

        void finish() throws InterruptedException {
            running = false;
            for (Worker w : workers) {
                w.thread.join(HANG.toMillis() + 5000);
                assertTrue(!w.thread.isAlive(), "worker " + w.id + " stopped");
            }
        }

        void report(long faultAt, long healedAt) {
            long requests = 0;
            long victimFailures = 0;
            long victimOkAfterHeal = 0;
            Latencies failureLatency = new Latencies();
            double mixedMax = 0;
            for (Worker w : workers) {
                requests += w.requests;
                victimFailures += w.victimFailures;
                victimOkAfterHeal += w.victimOkAfter(healedAt);
                w.failureLatencies.forEach(failureLatency::add);
                if (w != clean) {
                    mixedMax = Math.max(mixedMax, w.latencies.maxMs());
                }
            }
            log.info("{}: {} requests answered; {} failed with 0x86 (all for shard {}), their latency {};"
                            + " mixed connections' max latency {} ms; healthy-only connection {};"
                            + " victim-shard successes after it came back: {}; problems: {}",
                    transport, requests, victimFailures, victim, failureLatency, mixedMax, clean.latencies,
                    victimOkAfterHeal, problems.size());
        }

        void assertCommon(long faultAt) {
            assertTrue(problems.isEmpty(), problems.size() + " problems, first ones: "
                    + problems.stream().limit(10).toList());
            long victimFailures = 0;
            for (Worker w : workers) {
                assertTrue(w.requests > 0, "worker " + w.id + " made progress");
                victimFailures += w.victimFailures;
                assertTrue(w.firstFailureAt == 0 || w.firstFailureAt >= faultAt,
                        "no 0x86 answered before the fault");
            }
            assertTrue(victimFailures > 0, "the faulty shard's keys failed while it was down");
            assertEquals(0, clean.victimFailures);
        }

        /** Every worker's keys on the victim shard can be written and read again. */
        void assertVictimWorksAgain() throws Exception {
            for (Worker w : workers) {
                for (String key : w.keys) {
                    if (shards.owner(key) != victim) {
                        continue;
                    }
                    Await.until(Duration.ofSeconds(10), key + " writable again",
                            () -> w.client.set(key, "healed").status() == 0);
                    assertEquals("healed", w.client.get(key).valueString(), key);
                }
                // Nothing stray is left on the connection: a NOOP is the next answer.
                assertEquals(0, w.client.noop().status());
            }
        }

        /** Stops the workers (also when the test failed half way) and closes their connections. */
        @Override
        public void close() {
            running = false;
            for (Worker w : workers) {
                w.client.close();
            }
        }
    }

    /** One connection sending pipelines of GET/SET in a loop until told to stop. */
    private final class Worker implements Runnable {
        final Load load;
        final int id;
        final List<String> keys = new ArrayList<>();
        final Map<String, String> lastWritten = new HashMap<>();
        final Latencies latencies = new Latencies();
        final List<Long> failureLatencies = new ArrayList<>();
        final List<Long> victimOkTimes = new ArrayList<>();
        final McbpClient client;
        final Thread thread;
        final Random random;
        /** Read by the test thread while the worker runs; written by the worker only. */
        volatile long requests;
        volatile long victimFailures;
        long firstFailureAt;
        int seq;

        Worker(Load load, int id, String prefix, List<Integer> onShards) throws IOException {
            this.load = load;
            this.id = id;
            this.random = new Random(id);
            for (int s : onShards) {
                keys.addAll(shards.keysOn(s, prefix, KEYS_PER_SHARD));
            }
            this.client = gateway.client(load.transport);
            this.thread = new Thread(this, "chaos-worker-" + id);
            this.thread.setDaemon(true);
        }

        void populate() throws IOException {
            for (String k : keys) {
                String v = "w" + id + "-" + (seq++);
                assertEquals(0, client.set(k, v).status(), k);
                lastWritten.put(k, v);
            }
        }

        long victimOkAfter(long t) {
            synchronized (victimOkTimes) {
                return victimOkTimes.stream().filter(x -> x > t).count();
            }
        }

        @Override
        public void run() {
            try {
                while (load.running && System.nanoTime() < load.deadline) {
                    if (!pipeline()) {
                        return;
                    }
                }
            } catch (RuntimeException | IOException e) {
                load.problems.add("worker " + id + ": " + e);
            }
        }

        /** One pipeline, checked answer by answer; false after a problem. */
        private boolean pipeline() throws IOException {
            List<Request> batch = new ArrayList<>(PIPELINE);
            List<String> batchKeys = new ArrayList<>(PIPELINE);
            List<String> expect = new ArrayList<>(PIPELINE); // null: a SET
            for (int i = 0; i < PIPELINE; i++) {
                String key = keys.get(random.nextInt(keys.size()));
                batchKeys.add(key);
                if (random.nextBoolean()) {
                    String v = "w" + id + "-" + (seq++);
                    batch.add(Request.set(key, v));
                    expect.add(null);
                    lastWritten.put(key, v);
                } else {
                    batch.add(Request.get(key));
                    expect.add(lastWritten.get(key));
                }
            }
            AtomicLongArray doneAt = new AtomicLongArray(PIPELINE);
            long sentAt = System.nanoTime();
            List<CompletableFuture<Response>> answers = client.sendAll(batch);
            for (int i = 0; i < PIPELINE; i++) {
                int index = i;
                answers.get(i).whenComplete((r, e) -> doneAt.set(index, System.nanoTime()));
            }
            for (int i = 0; i < PIPELINE; i++) {
                Response r;
                try {
                    r = McbpClient.await(answers.get(i), HANG);
                } catch (IOException e) {
                    load.problems.add("worker " + id + ": request " + i + " on " + batchKeys.get(i) + ": " + e);
                    return false;
                }
                requests++;
                String key = batchKeys.get(i);
                boolean onVictim = shards.owner(key) == load.victim;
                // The completion callback may not have run yet when get() returns: then now is an upper bound.
                long completedAt = doneAt.get(i);
                long latency = (completedAt != 0 ? completedAt : System.nanoTime()) - sentAt;
                latencies.add(latency);
                if (r == null) {
                    load.problems.add("worker " + id + ": no answer to a non-quiet request on " + key);
                    return false;
                }
                if (r.opcode() != batch.get(i).opcode()) {
                    load.problems.add("worker " + id + ": answer opcode " + r.opcode() + " for " + batch.get(i).opcode());
                }
                if (onVictim) {
                    if (r.status() == TEMP_FAIL) {
                        victimFailures++;
                        failureLatencies.add(latency);
                        if (firstFailureAt == 0) {
                            firstFailureAt = sentAt + latency;
                        }
                        if (latency > TimeUnit.MILLISECONDS.toNanos(REQUEST_TIMEOUT_MS + SLACK_MS)) {
                            load.problems.add("worker " + id + ": 0x86 for " + key + " after " + latency / 1_000_000
                                    + " ms, beyond the request timeout " + REQUEST_TIMEOUT_MS + " ms + slack");
                        }
                    } else if (r.status() == 0) {
                        if (expect.get(i) != null && !r.valueString().startsWith("w" + id + "-")) {
                            load.problems.add("worker " + id + ": " + key + " read " + r.valueString());
                        }
                        synchronized (victimOkTimes) {
                            victimOkTimes.add(System.nanoTime());
                        }
                    } else if (!(r.status() == Status.KEY_NOT_FOUND.code() && expect.get(i) != null)) {
                        // A restarted shard is empty, so a GET may miss; nothing else is acceptable.
                        load.problems.add("worker " + id + ": " + key + " on the faulty shard: status " + r.status());
                    }
                } else if (r.status() != 0) {
                    load.problems.add(String.format("worker %d: %s on healthy shard %d: status 0x%04x after %d ms",
                            id, key, shards.owner(key), r.status(), latency / 1_000_000));
                } else if (expect.get(i) != null && !expect.get(i).equals(r.valueString())) {
                    load.problems.add("worker " + id + ": " + key + " read " + r.valueString() + ", expected "
                            + expect.get(i));
                }
            }
            return true;
        }
    }
}
