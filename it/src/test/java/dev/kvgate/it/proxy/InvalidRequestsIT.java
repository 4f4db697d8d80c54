package dev.kvgate.it.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.it.Shards;
import dev.kvgate.mcbp.MemcachedRules;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One hostile client sends every request shape its opcode does not allow (and every unknown opcode)
 * through kvgate to real memcached shards, while innocent clients on both transports share the same
 * backend connections (one event loop, so one connection per shard) with SET+GET loops. Each invalid
 * request must be answered by kvgate (0x04, or 0x81 for an unknown opcode) with its own opaque, the
 * hostile connection keeps working, no innocent pair fails, and memcached never sees a new connection:
 * nothing invalid reached it. Nothing here waits on a clock: the loops overlap by latches.
 */
@Timeout(180)
class InvalidRequestsIT {
    private static final int[] EXTRAS = {0, 1, 3, 4, 8, 20};
    private static final int[] KEYS = {0, 1, 251};
    private static final int[] VALUES = {0, 1, 3};
    private static final int PIPELINE = 64;

    private Shards shards;
    private GatewayFixture gateway;

    @BeforeEach
    void start() throws Exception {
        shards = Shards.start(2);
        // One event loop: every client shares the same backend connection to each shard.
        gateway = GatewayFixture.start(shards.hocon() + "kvgate.io-threads = 1\n"
                + "kvgate.limits.pass-through-opcodes = [\"0x25\"]\n");
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

    record Sent(Request request, short expected, String what) {
    }

    /** Every invalid shape of every known opcode, and every unknown opcode but the pass-through one. */
    static List<Sent> hostileRequests() {
        List<Sent> out = new ArrayList<>();
        for (Opcode op : Opcode.values()) {
            for (int e : EXTRAS) {
                for (int k : KEYS) {
                    for (int v : VALUES) {
                        if (!MemcachedRules.valid(op, e, k, v)) {
                            out.add(new Sent(Request.of(op, fill(e, 'e'), fill(k, 'k'), fill(v, 'v'), 0),
                                    Status.INVALID_ARGUMENTS.code(), op + " extras=" + e + " key=" + k + " value=" + v));
                        }
                    }
                }
            }
        }
        for (int code = 0; code < 256; code++) {
            if (Opcode.of((byte) code) == null && code != 0x25) {
                out.add(new Sent(Request.of(Opcode.GET, fill(code % 5, 'e'), fill(1 + code % 7, 'k'), fill(code % 3, 'v'), 0)
                        .withOpcode((byte) code), Status.UNKNOWN_COMMAND.code(), String.format("unknown opcode 0x%02x", code)));
            }
        }
        return out;
    }

    private static byte[] fill(int n, char c) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    private long totalConnections(int shard) throws Exception {
        try (McbpClient direct = McbpClient.connect("127.0.0.1", shards.get(shard).port())) {
            return Long.parseLong(direct.stats().get("total_connections"));
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void invalidRequestsAreAnsweredAtTheEdgeAndNeverDisturbOthers(TransportKind hostileTransport) throws Exception {
        AtomicBoolean hostileDone = new AtomicBoolean();
        AtomicLong pairs = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        CountDownLatch warmedUp = new CountDownLatch(2 * TransportKind.values().length);
        List<Thread> innocents = new ArrayList<>();
        for (TransportKind t : TransportKind.values()) {
            for (int w = 0; w < 2; w++) {
                String prefix = "innocent-" + t + "-" + w + "-";
                McbpClient c = gateway.client(t);
                Thread thread = new Thread(() -> {
                    try (c) {
                        boolean countedDown = false;
                        // Go on until the hostile client is done, then one more round, so that both overlap.
                        for (int i = 0; !hostileDone.get() || i % 16 != 0; i++) {
                            String key = prefix + (i % 32);
                            String value = "value-" + i;
                            List<CompletableFuture<Response>> f = c.sendAll(List.of(Request.set(key, value), Request.get(key)));
                            Response set = McbpClient.await(f.get(0), Duration.ofSeconds(30));
                            Response get = McbpClient.await(f.get(1), Duration.ofSeconds(30));
                            if (set.status() != 0 || get.status() != 0 || !value.equals(get.valueString())) {
                                failed.incrementAndGet();
                                firstFailure.compareAndSet(null, key + ": set " + set.status() + ", get " + get.status()
                                        + " " + get.valueString());
                            }
                            pairs.incrementAndGet();
                            if (!countedDown) {
                                countedDown = true;
                                warmedUp.countDown();
                            }
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, e.toString());
                        warmedUp.countDown();
                    }
                }, "innocent-" + t + "-" + w);
                thread.start();
                innocents.add(thread);
            }
        }
        assertTrue(warmedUp.await(60, TimeUnit.SECONDS), "innocent clients started");
        long[] before = {totalConnections(0), totalConnections(1)};

        List<Sent> hostile = hostileRequests();
        List<String> wrong = new ArrayList<>();
        try (McbpClient c = gateway.client(hostileTransport)) {
            for (int from = 0; from < hostile.size(); from += PIPELINE) {
                List<Sent> batch = hostile.subList(from, Math.min(hostile.size(), from + PIPELINE));
                List<CompletableFuture<Response>> answers = c.sendAll(batch.stream().map(Sent::request).toList());
                for (int i = 0; i < batch.size(); i++) {
                    // An error is always answered, quiet opcodes included; McbpClient checks the opaque.
                    Response r = McbpClient.await(answers.get(i), Duration.ofSeconds(30));
                    if (r == null || r.status() != batch.get(i).expected()) {
                        wrong.add(batch.get(i).what() + ": " + (r == null ? "no answer" : "status 0x"
                                + Integer.toHexString(r.status())));
                    }
                }
            }
            // The hostile connection's framing was intact, so it keeps working.
            assertEquals(0, c.set("after-hostile", "ok").status());
            assertEquals("ok", c.get("after-hostile").valueString());
        } finally {
            hostileDone.set(true);
            for (Thread t : innocents) {
                t.join(TimeUnit.SECONDS.toMillis(60));
            }
        }
        assertTrue(wrong.isEmpty(), wrong.size() + " of " + hostile.size() + " answered wrongly:\n"
                + String.join("\n", wrong.subList(0, Math.min(40, wrong.size()))));
        assertTrue(hostile.size() > 1000, "the table covers every opcode: " + hostile.size());
        assertEquals(0, failed.get(), "innocent pairs failed (of " + pairs.get() + "): " + firstFailure.get());
        // Only this measurement's own connection is new: kvgate never reconnected to either shard.
        assertEquals(1, totalConnections(0) - before[0], "shard 0 saw a new connection: kvgate lost its own");
        assertEquals(1, totalConnections(1) - before[1], "shard 1 saw a new connection: kvgate lost its own");
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void aPassThroughOpcodeReachesTheShardAndOthersStayLocal(TransportKind t) throws Exception {
        try (McbpClient c = gateway.client(t)) {
            // With XERROR kvgate's own errors are JSON; memcached's are its plain text.
            byte[] features = {0x00, 0x07};
            assertEquals(0, c.call(Request.of(Opcode.HELLO, new byte[0], new byte[0], features, 0)).status());
            Response forwarded = c.call(Request.get("k").withOpcode((byte) 0x25));
            assertEquals(Status.UNKNOWN_COMMAND.code(), forwarded.status());
            assertEquals("Unknown command", forwarded.valueString(), "memcached's own answer");
            Response local = c.call(Request.get("k").withOpcode((byte) 0x26));
            assertEquals(Status.UNKNOWN_COMMAND.code(), local.status());
            assertTrue(new String(local.value(), StandardCharsets.UTF_8).startsWith("{\"error\""),
                    "kvgate's answer: " + local.valueString());
            Response keyless = c.call(Request.of(Opcode.NOOP).withOpcode((byte) 0x25));
            assertEquals(Status.INVALID_ARGUMENTS.code(), keyless.status(), "a pass-through opcode needs a key");
            assertEquals(0, c.noop().status());
        }
    }
}
