package dev.kvgate.it.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.command.BinaryCommandFactory;
import net.rubyeye.xmemcached.utils.AddrUtil;
import net.spy.memcached.BinaryConnectionFactory;

/**
 * The same short workload (set, get, delete, incr, a multi-get of 1,000 keys with some missing) run
 * by real clients in binary mode against any memcached-speaking address, for tests of kvgate in front
 * of real memcached and on its embedded shards alike.
 */
public final class RealClients {
    public static final int MULTI_GET_KEYS = 1000;

    private RealClients() {
    }

    /** spymemcached with {@link BinaryConnectionFactory}; its multi-get is a GETQ per key and a NOOP. */
    public static void spymemcached(String host, int port, String prefix) throws Exception {
        spymemcached(new BinaryConnectionFactory(), host, port, prefix);
    }

    /** spymemcached in text mode ({@code DefaultConnectionFactory}): its multi-get is one get line. */
    public static void spymemcachedText(String host, int port, String prefix) throws Exception {
        spymemcached(new net.spy.memcached.DefaultConnectionFactory(), host, port, prefix);
    }

    private static void spymemcached(net.spy.memcached.ConnectionFactory factory, String host, int port, String prefix)
            throws Exception {
        System.setProperty("net.spy.log.LoggerImpl", "net.spy.memcached.compat.log.SLF4JLogger");
        net.spy.memcached.MemcachedClient spy = new net.spy.memcached.MemcachedClient(factory,
                List.of(new InetSocketAddress(host, port)));
        try {
            assertTrue(spy.set(prefix + "a", 0, "alpha").get(10, TimeUnit.SECONDS));
            assertEquals("alpha", spy.get(prefix + "a"));
            assertTrue(spy.delete(prefix + "a").get(10, TimeUnit.SECONDS));
            assertNull(spy.get(prefix + "a"));
            assertEquals(5, spy.incr(prefix + "counter", 5, 5));
            assertEquals(12, spy.incr(prefix + "counter", 7, 0));
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < MULTI_GET_KEYS; i++) {
                keys.add(prefix + "multi-" + i);
                if (stored(i)) {
                    assertTrue(spy.set(prefix + "multi-" + i, 0, "v" + i).get(10, TimeUnit.SECONDS));
                }
            }
            assertMultiGet(prefix, spy.getBulk(keys));
        } finally {
            spy.shutdown(5, TimeUnit.SECONDS);
        }
    }

    /** xmemcached with {@link BinaryCommandFactory}; its multi-get is a GETKQ per key, the last a GETK. */
    public static void xmemcached(String host, int port, String prefix) throws Exception {
        xmemcached(new BinaryCommandFactory(), host, port, prefix);
    }

    /** xmemcached in text mode ({@code TextCommandFactory}, its default). */
    public static void xmemcachedText(String host, int port, String prefix) throws Exception {
        xmemcached(new net.rubyeye.xmemcached.command.TextCommandFactory(), host, port, prefix);
    }

    private static void xmemcached(net.rubyeye.xmemcached.CommandFactory factory, String host, int port, String prefix)
            throws Exception {
        XMemcachedClientBuilder builder = new XMemcachedClientBuilder(AddrUtil.getAddresses(host + ":" + port));
        builder.setCommandFactory(factory);
        builder.setOpTimeout(10_000);
        MemcachedClient x = builder.build();
        try {
            assertTrue(x.set(prefix + "a", 0, "alpha"));
            assertEquals("alpha", x.get(prefix + "a"));
            assertTrue(x.delete(prefix + "a"));
            assertNull(x.get(prefix + "a"));
            assertEquals(3, x.incr(prefix + "counter", 3, 3));
            assertEquals(7, x.incr(prefix + "counter", 4));
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < MULTI_GET_KEYS; i++) {
                keys.add(prefix + "multi-" + i);
                if (stored(i)) {
                    assertTrue(x.set(prefix + "multi-" + i, 0, "v" + i));
                }
            }
            Map<String, String> got = x.get(keys);
            assertMultiGet(prefix, got);
        } finally {
            x.shutdown();
        }
    }

    /**
     * The project's client, everything pipelined: the single-key operations in one batch, the multi-get
     * as a GETKQ per key settled by a NOOP.
     */
    public static void mcbpPipelined(McbpClient c, String prefix) throws Exception {
        List<CompletableFuture<Response>> ops = c.sendAll(List.of(
                Request.set(prefix + "a", "alpha"),
                Request.get(prefix + "a"),
                Request.delete(prefix + "a"),
                Request.get(prefix + "a"),
                Request.counter(Opcode.INCREMENT, prefix + "counter", 5, 5, 0),
                Request.counter(Opcode.INCREMENT, prefix + "counter", 7, 0, 0)));
        assertEquals(0, McbpClient.await(ops.get(0)).status());
        assertEquals("alpha", McbpClient.await(ops.get(1)).valueString());
        assertEquals(0, McbpClient.await(ops.get(2)).status());
        assertEquals(Status.KEY_NOT_FOUND.code(), McbpClient.await(ops.get(3)).status());
        assertEquals(5, McbpClient.await(ops.get(4)).counterValue());
        assertEquals(12, McbpClient.await(ops.get(5)).counterValue());

        List<Request> sets = new ArrayList<>();
        for (int i = 0; i < MULTI_GET_KEYS; i++) {
            if (stored(i)) {
                sets.add(Request.set(prefix + "multi-" + i, "v" + i));
            }
        }
        for (CompletableFuture<Response> f : c.sendAll(sets)) {
            assertEquals(0, McbpClient.await(f).status());
        }
        List<Request> gets = new ArrayList<>();
        for (int i = 0; i < MULTI_GET_KEYS; i++) {
            gets.add(Request.keyed(Opcode.GETKQ, prefix + "multi-" + i));
        }
        gets.add(Request.noop());
        List<CompletableFuture<Response>> answers = c.sendAll(gets);
        Map<String, Object> got = new HashMap<>();
        for (int i = 0; i < MULTI_GET_KEYS; i++) {
            Response r = McbpClient.await(answers.get(i));
            if (r != null) {
                assertEquals(prefix + "multi-" + i, r.keyString(), "GETKQ answers come back in request order");
                got.put(r.keyString(), r.valueString());
            }
        }
        assertEquals(0, McbpClient.await(answers.get(MULTI_GET_KEYS)).status());
        assertMultiGet(prefix, got);
    }

    /** Two keys in three are stored, so the multi-get has hits and misses. */
    private static boolean stored(int i) {
        return i % 3 != 0;
    }

    private static void assertMultiGet(String prefix, Map<String, ?> got) {
        int expected = 0;
        for (int i = 0; i < MULTI_GET_KEYS; i++) {
            expected += stored(i) ? 1 : 0;
            assertEquals(stored(i) ? "v" + i : null, got.get(prefix + "multi-" + i), prefix + "multi-" + i);
        }
        assertEquals(expected, got.size());
    }
}
