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
import dev.kvgate.testkit.MemcachedProcess;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipelines real clients send, through kvgate to three memcached shards and directly to one
 * memcached, compared response by response: which requests were answered at all, and each answer's
 * magic, opcode, status, datatype, extras (flags), key, value and whether it carries a CAS. Opaques
 * are checked by {@link McbpClient}, which fails on any answer out of order. Each target gets its own
 * key prefix; keys are compared with it removed.
 */
@Timeout(120)
class PipelineComparisonIT {
    private static final Logger log = LoggerFactory.getLogger(PipelineComparisonIT.class);
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(20);
    private static final byte[] NONE = new byte[0];

    private static Shards shards;
    private static MemcachedProcess single;
    private static GatewayFixture gateway;

    @BeforeAll
    static void start() throws Exception {
        shards = Shards.start(3);
        single = MemcachedProcess.builder().memoryMb(64).start();
        gateway = GatewayFixture.start(shards.hocon());
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (single != null) {
            single.close();
        }
        if (shards != null) {
            shards.close();
        }
    }

    /** spymemcached's binary multi-get: a GETQ per key, then a NOOP; misses stay silent. */
    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void spymemcachedMultiGet(TransportKind t) throws Exception {
        int n = 300;
        Compared c = compare(t, "spy", List.of(
                p -> {
                    List<Request> r = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        if (i % 3 != 0) {
                            r.add(Request.store(Opcode.SET, p + "k" + i, utf8("v" + i), i, 0, 0));
                        }
                    }
                    return r;
                },
                p -> {
                    List<Request> r = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        r.add(Request.keyed(Opcode.GETQ, p + "k" + i));
                    }
                    r.add(Request.noop());
                    return r;
                }));
        // Not vacuous: memcached answered the 200 hits and the NOOP, and stayed silent on the 100 misses.
        assertEquals(n - n / 3 + 1, c.answered(1), "answers to the multi-get");
        assertTrue(c.shardsTouched >= 3, "keys span all shards");
    }

    /** xmemcached's binary multi-get: a GETKQ per key, the last key as a GETK (a hit and a miss). */
    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void xmemcachedMultiGet(TransportKind t) throws Exception {
        int n = 300;
        Function<String, List<Request>> multiGet = p -> {
            List<Request> r = new ArrayList<>();
            for (int i = 0; i < n - 1; i++) {
                r.add(Request.keyed(Opcode.GETKQ, p + "k" + i));
            }
            r.add(Request.keyed(Opcode.GETK, p + "k" + (n - 1)));
            return r;
        };
        Compared c = compare(t, "xm", List.of(
                p -> {
                    List<Request> r = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        if (i % 2 == 0) {
                            r.add(Request.store(Opcode.SET, p + "k" + i, utf8("value-" + i), 0x100 + i, 0, 0));
                        }
                    }
                    return r;
                },
                multiGet, // the last key (299) is a miss: GETK answers 0x01
                p -> List.of(Request.store(Opcode.SET, p + "k" + (n - 1), utf8("last"), 7, 0, 0)),
                multiGet)); // now a hit
        assertEquals(n / 2 + 1, c.answered(1), "150 hits and the final GETK's miss");
        assertEquals(n / 2 + 1, c.answered(3), "151 hits");
        assertTrue(c.shardsTouched >= 3, "keys span all shards");
    }

    /** Multi-set: SETQ per key then NOOP; read back; then SETQs whose CAS does not match fail in place. */
    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void multiSetWithSetq(TransportKind t) throws Exception {
        int n = 300;
        Compared c = compare(t, "mset", List.of(
                p -> {
                    List<Request> r = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        // Mostly small values, every 50th one of 20 KB (several TCP segments).
                        byte[] value = i % 50 == 0 ? filled(20_000, i) : utf8("s" + i);
                        r.add(Request.store(Opcode.SETQ, p + "k" + i, value, i * 3, 0, 0));
                    }
                    r.add(Request.noop());
                    return r;
                },
                p -> {
                    List<Request> r = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        r.add(Request.get(p + "k" + i));
                    }
                    return r;
                },
                p -> {
                    List<Request> r = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        // Every 7th carries a CAS that cannot match: 0x02 on an existing key, 0x01 on a missing one.
                        long cas = i % 7 == 0 ? 0x7fff_0000_0000_0001L : 0;
                        String key = i % 14 == 0 ? p + "missing" + i : p + "k" + i;
                        r.add(Request.store(Opcode.SETQ, key, utf8("again" + i), 1, 0, cas));
                    }
                    r.add(Request.noop());
                    return r;
                },
                p -> {
                    List<Request> r = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        r.add(Request.keyed(Opcode.GETK, p + "k" + i));
                    }
                    return r;
                }));
        assertEquals(1, c.answered(0), "SETQs that succeed are silent: only the NOOP answers");
        assertEquals(n, c.answered(1));
        assertEquals(n / 7 + 1 + 1, c.answered(2), "each failed SETQ answered in its place, then the NOOP");
        assertTrue(c.shardsTouched >= 3, "keys span all shards");
    }

    /** Quiet and non-quiet requests mixed across shards; every quiet failure comes back in its place. */
    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void mixedQuietFailuresAcrossShards(TransportKind t) throws Exception {
        int rounds = 12;
        Compared c = compare(t, "mixed", List.of(
                p -> {
                    List<Request> r = new ArrayList<>();
                    for (int j = 0; j < rounds; j++) {
                        r.add(Request.set(p + "exists" + j, "e" + j));
                        r.add(Request.set(p + "text" + j, "abc"));
                        r.add(Request.set(p + "num" + j, Integer.toString(10 * j)));
                        r.add(Request.set(p + "other" + j, "o" + j));
                    }
                    return r;
                },
                p -> {
                    List<Request> r = new ArrayList<>();
                    for (int j = 0; j < rounds; j++) {
                        r.add(Request.store(Opcode.ADDQ, p + "exists" + j, utf8("no"), 0, 0, 0)); // 0x02
                        r.add(Request.keyed(Opcode.GETQ, p + "exists" + j));                    // hit
                        r.add(Request.store(Opcode.REPLACEQ, p + "missing" + j, utf8("no"), 0, 0, 0)); // 0x01
                        r.add(Request.get(p + "other" + j));                                    // hit
                        r.add(Request.keyed(Opcode.DELETEQ, p + "missing" + j));                // 0x01
                        r.add(Request.counter(Opcode.INCREMENTQ, p + "text" + j, 1, 0, 0));     // 0x06
                        r.add(Request.counter(Opcode.INCREMENTQ, p + "num" + j, 5, 0, 0));      // silent
                        r.add(Request.keyed(Opcode.GETK, p + "num" + j));                       // "10j+5"
                        r.add(Request.of(Opcode.APPENDQ, NONE, utf8(p + "missing" + j), utf8("x"), 0)); // 0x05
                        r.add(Request.of(Opcode.PREPENDQ, NONE, utf8(p + "exists" + j), utf8("x"), 0)); // silent
                        r.add(Request.keyed(Opcode.GETKQ, p + "missing" + j));                  // silent
                        r.add(Request.store(Opcode.SETQ, p + "new" + j, utf8("n"), 0, 0, 0));  // silent
                        r.add(Request.counter(Opcode.DECREMENTQ, p + "missing" + j, 1, 0, 0xffffffff)); // 0x01
                        r.add(Request.of(Opcode.GATQ, expiry(0), utf8(p + "exists" + j), NONE, 0)); // hit
                        r.add(Request.of(Opcode.TOUCH, expiry(0), utf8(p + "missing" + j), NONE, 0)); // 0x01
                        r.add(Request.keyed(Opcode.DELETEQ, p + "new" + j));                    // silent
                        r.add(Request.store(Opcode.ADD, p + "new" + j, utf8("again"), 0, 0, 0)); // ok
                    }
                    r.add(Request.noop());
                    return r;
                },
                p -> {
                    List<Request> r = new ArrayList<>();
                    for (int j = 0; j < rounds; j++) {
                        r.add(Request.keyed(Opcode.GETK, p + "exists" + j));
                        r.add(Request.keyed(Opcode.GETK, p + "num" + j));
                        r.add(Request.keyed(Opcode.GETK, p + "new" + j));
                        r.add(Request.keyed(Opcode.GETK, p + "missing" + j));
                    }
                    return r;
                }));
        // Per round: 6 quiet failures, 2 quiet hits (GETQ, GATQ), 4 non-quiet requests; then the NOOP.
        List<Response> direct = c.direct.get(1);
        int quietFailures = 0;
        for (int i = 0; i < direct.size(); i++) {
            Response r = direct.get(i);
            if (r != null && r.status() != 0 && Opcode.of(r.opcode()) != null && Opcode.of(r.opcode()).quiet()) {
                quietFailures++;
            }
        }
        assertEquals(6 * rounds, quietFailures, "memcached's quiet failures (ADDQ, REPLACEQ, DELETEQ, INCRQ, APPENDQ, DECRQ)");
        assertEquals(rounds * (6 + 2 + 4) + 1, c.answered(1));
        assertTrue(c.shardsTouched >= 3, "keys span all shards");
    }

    /** Seeded random pipelines of every keyed opcode, quiet and not, over a small key set. */
    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void randomMixedPipelines(TransportKind t) throws Exception {
        // 8 keys on each shard (placement depends on the shards' ports), as suffixes both targets share.
        String gwPrefix = "gw-" + t + "-random-";
        List<String> suffixes = new ArrayList<>();
        for (int shard = 0; shard < shards.size(); shard++) {
            shards.keysOn(shard, gwPrefix + "r", 8).forEach(k -> suffixes.add(k.substring(gwPrefix.length())));
        }
        List<Function<String, List<Request>>> steps = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            long seed = 0x5eed_0000L + s;
            steps.add(p -> randomPipeline(new Random(seed), p, 600, suffixes));
        }
        Compared c = compare(t, "random", steps);
        int answered = 0;
        for (int s = 0; s < steps.size(); s++) {
            answered += c.answered(s);
        }
        log.info("{}: random pipelines: {} requests, {} answered, {} silent, {} answers with an error status",
                t, c.requests, answered, c.requests - answered, c.errors);
        assertTrue(c.errors > 100 && c.requests - answered > 100, "the mix has both quiet silence and errors");
        assertTrue(c.shardsTouched >= 3, "keys span all shards");
    }

    private static List<Request> randomPipeline(Random rnd, String p, int length, List<String> keys) {
        Opcode[] ops = {Opcode.GET, Opcode.GETQ, Opcode.GETK, Opcode.GETKQ, Opcode.SET, Opcode.SETQ, Opcode.ADD,
            Opcode.ADDQ, Opcode.REPLACE, Opcode.REPLACEQ, Opcode.DELETE, Opcode.DELETEQ, Opcode.INCREMENT,
            Opcode.INCREMENTQ, Opcode.DECREMENT, Opcode.DECREMENTQ, Opcode.APPEND, Opcode.APPENDQ, Opcode.PREPEND,
            Opcode.PREPENDQ, Opcode.TOUCH, Opcode.GAT, Opcode.GATQ, Opcode.NOOP};
        List<Request> r = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            Opcode op = ops[rnd.nextInt(ops.length)];
            String key = p + keys.get(rnd.nextInt(keys.size()));
            byte[] value = rnd.nextBoolean() ? utf8(Integer.toString(rnd.nextInt(1000))) : utf8("t" + rnd.nextInt(100));
            r.add(switch (op) {
                case GET, GETQ, GETK, GETKQ, DELETE, DELETEQ -> Request.keyed(op, key);
                case SET, SETQ, ADD, ADDQ, REPLACE, REPLACEQ -> Request.store(op, key, value, rnd.nextInt(4), 0, 0);
                case INCREMENT, INCREMENTQ, DECREMENT, DECREMENTQ -> Request.counter(op, key, rnd.nextInt(50),
                        rnd.nextInt(100), rnd.nextInt(4) == 0 ? 0xffffffff : 0);
                case APPEND, APPENDQ, PREPEND, PREPENDQ -> Request.of(op, NONE, utf8(key), value, 0);
                case TOUCH, GAT, GATQ -> Request.of(op, expiry(0), utf8(key), NONE, 0);
                default -> Request.noop();
            });
        }
        r.add(Request.noop());
        return r;
    }

    /** Both targets' answers, step by step. */
    private static final class Compared {
        final List<List<Response>> direct = new ArrayList<>();
        int shardsTouched;
        int requests;
        int errors;

        int answered(int step) {
            return (int) direct.get(step).stream().filter(r -> r != null).count();
        }
    }

    private Compared compare(TransportKind t, String name, List<Function<String, List<Request>>> steps)
            throws IOException {
        String viaGateway = "gw-" + t + "-" + name + "-";
        String viaDirect = "mc-" + t + "-" + name + "-";
        Compared c = new Compared();
        Set<Integer> shardsUsed = new HashSet<>();
        try (McbpClient gw = gateway.client(t);
             McbpClient mc = McbpClient.connect("127.0.0.1", single.port())) {
            for (int s = 0; s < steps.size(); s++) {
                List<Request> gwRequests = steps.get(s).apply(viaGateway);
                List<Request> mcRequests = steps.get(s).apply(viaDirect);
                assertEquals(gwRequests.size(), mcRequests.size());
                for (Request r : gwRequests) {
                    if (r.key().length > 0) {
                        shardsUsed.add(shards.owner(new String(r.key(), StandardCharsets.UTF_8)));
                    }
                }
                List<Response> expected = run(mc, mcRequests);
                List<Response> actual = run(gw, gwRequests);
                for (int i = 0; i < expected.size(); i++) {
                    Request r = mcRequests.get(i);
                    assertEquals(describe(expected.get(i), viaDirect), describe(actual.get(i), viaGateway),
                            String.format("%s step %d request %d: opcode 0x%02x key %s", name, s, i, r.opcode(),
                                    new String(r.key(), StandardCharsets.UTF_8).replace(viaDirect, "")));
                    if (expected.get(i) != null && expected.get(i).status() != 0) {
                        c.errors++;
                    }
                }
                c.requests += expected.size();
                c.direct.add(expected);
            }
        }
        c.shardsTouched = shardsUsed.size();
        return c;
    }

    private static List<Response> run(McbpClient client, List<Request> pipeline) throws IOException {
        List<CompletableFuture<Response>> answers = client.sendAll(pipeline);
        List<Response> out = new ArrayList<>(answers.size());
        for (CompletableFuture<Response> f : answers) {
            out.add(McbpClient.await(f, ANSWER_TIMEOUT));
        }
        return out;
    }

    /** Everything the two targets must agree on, with the target's key prefix removed. */
    private static String describe(Response r, String prefix) {
        if (r == null) {
            return "no response";
        }
        Status status = Status.of(r.status());
        return String.format("magic=0x%02x opcode=0x%02x status=0x%04x(%s) datatype=0x%02x extras=%s key=%s"
                        + " value=%s cas=%s framing=%s",
                r.magic() & 0xff, r.opcode() & 0xff, r.status(), status, r.datatype() & 0xff, hex(r.extras()),
                r.keyString().replace(prefix, "<prefix>"), printable(r.value()), r.cas() != 0 ? "non-zero" : "zero",
                hex(r.framingExtras()));
    }

    private static String printable(byte[] b) {
        for (byte x : b) {
            if (x < 0x20 || x > 0x7e) {
                return "0x" + hex(b);
            }
        }
        return b.length > 64 ? "'" + new String(b, 0, 32, StandardCharsets.US_ASCII) + "...' (" + b.length
                + " bytes, hash " + Arrays.hashCode(b) + ")" : "'" + new String(b, StandardCharsets.US_ASCII) + "'";
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] expiry(int seconds) {
        return ByteBuffer.allocate(4).putInt(seconds).array();
    }

    private static byte[] filled(int size, int seed) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = (byte) ('a' + (i + seed) % 26);
        }
        return b;
    }
}
