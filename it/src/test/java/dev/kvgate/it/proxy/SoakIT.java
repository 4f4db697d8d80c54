package dev.kvgate.it.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * 200 connections (half plain, half TLS) through kvgate to three memcached shards, each sending
 * pipelines of mixed GET/GETQ/GETK/SET/SETQ/ADD/DELETE/DELETEQ/INCR/INCRQ over its own keys for
 * {@code kvgate.soak.seconds} (default 60). Each connection models its keys, so a checker predicts
 * every answer: values read are the values that connection last wrote, quiet requests are silent
 * exactly when memcached would be, nothing is lost (every request answered exactly once, a final NOOP
 * finds nothing stray), nothing is duplicated, every opaque matches (checked by {@link McbpClient}).
 */
@Timeout(900)
class SoakIT {
    private static final Logger log = LoggerFactory.getLogger(SoakIT.class);
    private static final int CONNECTIONS = 200;
    private static final int KEYS_PER_CONNECTION = 16;
    private static final int PIPELINE = 16;
    /** A pipeline not fully answered within this is a loss. */
    private static final Duration STALL = Duration.ofSeconds(30);
    private static final int MAX_PROBLEMS = 50;

    private Shards shards;
    private GatewayFixture gateway;
    private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong silent = new AtomicLong();
    private final AtomicLong errorsExpected = new AtomicLong();
    private final AtomicLong pipelines = new AtomicLong();
    private volatile long stopAt;

    @BeforeEach
    void start() throws Exception {
        shards = Shards.start(3);
        gateway = GatewayFixture.start(shards.hocon());
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

    @Test
    void mixedPipelinesOn200ConnectionsEveryAnswerChecked() throws Exception {
        long seconds = Long.getLong("kvgate.soak.seconds", 60);
        assertTrue(seconds > 0 && seconds <= 600, "kvgate.soak.seconds between 1 and 600: " + seconds);
        List<Conn> conns = new ArrayList<>();
        try {
            for (int i = 0; i < CONNECTIONS; i++) {
                TransportKind t = i % 2 == 0 ? TransportKind.PLAIN : TransportKind.TLS;
                conns.add(new Conn(i, t, gateway.client(t)));
            }
            long started = System.nanoTime();
            stopAt = started + TimeUnit.SECONDS.toNanos(seconds);
            conns.forEach(Conn::next);
            long waitUntil = stopAt + STALL.toNanos();
            int stalled = 0;
            for (Conn c : conns) {
                long left = waitUntil - System.nanoTime();
                try {
                    c.done.get(Math.max(1, left), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    stalled++;
                    problem("connection " + c.id + " (" + c.transport + "): pipeline " + c.pipelinesDone
                            + " not answered within " + STALL + " after the end");
                }
            }
            long elapsed = System.nanoTime() - started;
            // Nothing stray left behind on any connection: the next answer is the NOOP's.
            for (Conn c : conns) {
                if (c.client.isOpen()) {
                    Response r = McbpClient.await(c.client.send(Request.noop()), Duration.ofSeconds(10));
                    if (r == null || Opcode.of(r.opcode()) != Opcode.NOOP) {
                        problem("connection " + c.id + ": final NOOP answered with " + r);
                    }
                }
            }
            double secs = elapsed / 1e9;
            log.info("soak: {} connections ({} plain, {} TLS) for {} s: {} pipelines, {} requests ({} ops/s);"
                            + " {} quiet requests silent, {} answers with an expected error status;"
                            + " {} connections stalled; {} problems",
                    CONNECTIONS, (CONNECTIONS + 1) / 2, CONNECTIONS / 2, String.format("%.1f", secs), pipelines.get(),
                    requests.get(), String.format("%.0f", requests.get() / secs), silent.get(),
                    errorsExpected.get(), stalled, problems.size());
            assertTrue(problems.isEmpty(), problems.size() + " problems, first: " + problems.stream().limit(10).toList());
            assertEquals(0, stalled);
            assertTrue(requests.get() > CONNECTIONS * PIPELINE, "made progress: " + requests.get());
        } finally {
            stopAt = 0;
            conns.forEach(c -> c.client.close());
        }
    }

    private void problem(String p) {
        if (problems.size() < MAX_PROBLEMS) {
            problems.add(p);
        }
    }

    /** What the checker predicts for one request. */
    private record Expect(String key, boolean quietSilence, int status, String value, int flags, Long counter) {
    }

    /** One connection, its key model, and its chain of pipelines (each sent when the last is checked). */
    private final class Conn {
        final int id;
        final TransportKind transport;
        final McbpClient client;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        final Random random;
        final String[] keys = new String[KEYS_PER_CONNECTION];
        /** The value this connection last stored under each key; null while absent. */
        final String[] values = new String[KEYS_PER_CONNECTION];
        final int[] flags = new int[KEYS_PER_CONNECTION];
        long pipelinesDone;
        int seq;

        Conn(int id, TransportKind transport, McbpClient client) {
            this.id = id;
            this.transport = transport;
            this.client = client;
            this.random = new Random(1000L + id);
            for (int k = 0; k < KEYS_PER_CONNECTION; k++) {
                keys[k] = "soak-c" + id + "-k" + k;
            }
        }

        /** Sends the next pipeline, or ends the chain once the soak time is over. */
        void next() {
            if (System.nanoTime() - stopAt >= 0) {
                done.complete(null);
                return;
            }
            List<Request> batch = new ArrayList<>(PIPELINE);
            List<Expect> expect = new ArrayList<>(PIPELINE);
            for (int i = 0; i < PIPELINE; i++) {
                build(batch, expect, i == PIPELINE - 1);
            }
            List<CompletableFuture<Response>> answers = client.sendAll(batch);
            CompletableFuture.allOf(answers.toArray(new CompletableFuture<?>[0])).whenComplete((v, e) -> {
                if (check(batch, expect, answers)) {
                    pipelinesDone++;
                    pipelines.incrementAndGet();
                    next();
                } else {
                    done.complete(null);
                }
            });
        }

        private void build(List<Request> batch, List<Expect> expect, boolean last) {
            int k = random.nextInt(KEYS_PER_CONNECTION);
            String key = keys[k];
            String current = values[k];
            int roll = random.nextInt(100);
            if (last) {
                roll = roll < 80 ? 0 : 95; // a pipeline ends with a non-quiet request, as real clients' do
            }
            if (roll < 20) { // GET
                batch.add(Request.get(key));
                expect.add(read(key, current, flags[k], false));
            } else if (roll < 30) { // GETQ: silent on a miss
                batch.add(Request.keyed(Opcode.GETQ, key));
                expect.add(current == null ? new Expect(key, true, 0, null, 0, null) : read(key, current, flags[k], false));
            } else if (roll < 35) { // GETK
                batch.add(Request.keyed(Opcode.GETK, key));
                expect.add(read(key, current, flags[k], true));
            } else if (roll < 65) { // SET (20%) / SETQ (10%)
                boolean quiet = roll >= 55;
                String value = newValue();
                int f = random.nextInt(1 << 16);
                batch.add(Request.store(quiet ? Opcode.SETQ : Opcode.SET, key, utf8(value), f, 0, 0));
                expect.add(new Expect(key, quiet, 0, null, 0, null));
                values[k] = value;
                flags[k] = f;
            } else if (roll < 70) { // ADD: fails with 0x02 on an existing key
                String value = newValue();
                batch.add(Request.store(Opcode.ADD, key, utf8(value), 7, 0, 0));
                if (current == null) {
                    expect.add(new Expect(key, false, 0, null, 0, null));
                    values[k] = value;
                    flags[k] = 7;
                } else {
                    expect.add(new Expect(key, false, Status.KEY_EXISTS.code(), null, 0, null));
                }
            } else if (roll < 80) { // DELETE / DELETEQ: DELETEQ of a missing key answers 0x01
                boolean quiet = roll >= 75;
                batch.add(Request.keyed(quiet ? Opcode.DELETEQ : Opcode.DELETE, key));
                int status = current == null ? Status.KEY_NOT_FOUND.code() : 0;
                expect.add(new Expect(key, quiet && status == 0, status, null, 0, null));
                values[k] = null;
            } else if (roll < 95) { // INCR / INCRQ (creates with the initial value, 0x06 on a non-number)
                boolean quiet = roll >= 90;
                long delta = random.nextInt(1000);
                long initial = random.nextInt(1000);
                batch.add(Request.counter(quiet ? Opcode.INCREMENTQ : Opcode.INCREMENT, key, delta, initial, 0));
                if (current == null || isNumber(current)) {
                    long result = current == null ? initial : Long.parseLong(current) + delta;
                    expect.add(new Expect(key, quiet, 0, null, 0, result));
                    values[k] = Long.toString(result);
                    if (current == null) {
                        flags[k] = 0;
                    }
                } else {
                    expect.add(new Expect(key, false, Status.NON_NUMERIC.code(), null, 0, null));
                }
            } else { // NOOP
                batch.add(Request.noop());
                expect.add(new Expect(null, false, 0, null, 0, null));
            }
        }

        private Expect read(String key, String current, int f, boolean withKey) {
            if (current == null) {
                return new Expect(withKey ? key : null, false, Status.KEY_NOT_FOUND.code(), null, 0, null);
            }
            return new Expect(withKey ? key : null, false, 0, current, f, null);
        }

        /** Numbers (which INCR can add to) and text of varying length. */
        private String newValue() {
            if (random.nextInt(3) == 0) {
                return Integer.toString(random.nextInt(1_000_000));
            }
            String v = "c" + id + "-" + (seq++) + "-";
            int pad = random.nextInt(4) == 0 ? random.nextInt(3000) : random.nextInt(40);
            return v + "x".repeat(pad);
        }

        /** Checks every answer of a pipeline; false (and a problem recorded) on the first mismatch. */
        private boolean check(List<Request> batch, List<Expect> expect, List<CompletableFuture<Response>> answers) {
            for (int i = 0; i < batch.size(); i++) {
                String where = "connection " + id + " (" + transport + ") pipeline " + pipelinesDone + " request " + i
                        + " opcode 0x" + Integer.toHexString(batch.get(i).opcode() & 0xff);
                Response r;
                try {
                    r = answers.get(i).getNow(null);
                } catch (RuntimeException e) {
                    problem(where + ": failed: " + e.getMessage());
                    return false;
                }
                requests.incrementAndGet();
                Expect x = expect.get(i);
                String mismatch = mismatch(batch.get(i), x, r);
                if (mismatch != null) {
                    problem(where + (x.key() != null ? " key " + x.key() : "") + ": " + mismatch);
                    return false;
                }
                if (r == null) {
                    silent.incrementAndGet();
                } else if (r.status() != 0) {
                    errorsExpected.incrementAndGet();
                }
            }
            return true;
        }

        private String mismatch(Request q, Expect x, Response r) {
            if (x.quietSilence()) {
                return r == null ? null : "expected silence, got " + r;
            }
            if (r == null) {
                return "no answer (expected status " + x.status() + ")";
            }
            if (r.opcode() != q.opcode()) {
                return "answer opcode 0x" + Integer.toHexString(r.opcode() & 0xff);
            }
            if (r.status() != x.status()) {
                return "status 0x" + Integer.toHexString(r.status()) + ", expected 0x" + Integer.toHexString(x.status())
                        + " (" + r.valueString() + ")";
            }
            if (x.value() != null) {
                if (!x.value().equals(r.valueString())) {
                    return "read " + abbreviate(r.valueString()) + ", last written " + abbreviate(x.value());
                }
                if (r.flags() != x.flags()) {
                    return "flags " + r.flags() + ", expected " + x.flags();
                }
                if (r.cas() == 0) {
                    return "no CAS on a hit";
                }
            }
            if (x.counter() != null && r.counterValue() != x.counter()) {
                return "counter " + r.counterValue() + ", expected " + x.counter();
            }
            if (x.key() != null && x.value() != null && !x.key().equals(r.keyString())) {
                return "GETK answered for key " + r.keyString();
            }
            return null;
        }
    }

    private static boolean isNumber(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "...(" + s.length() + " chars)" : s;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
