package dev.kvgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.gateway.protocol.Opcode;
import dev.kvgate.gateway.protocol.Status;
import dev.kvgate.routing.HashPreset;
import dev.kvgate.routing.Locators;
import dev.kvgate.routing.ShardLocator;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Real clients through kvgate to three real memcached shards. */
@Timeout(120)
class ClientsIT {
    private static Shards shards;
    private static GatewayFixture gateway;

    @BeforeAll
    static void start() throws Exception {
        System.setProperty("net.spy.log.LoggerImpl", "net.spy.memcached.compat.log.SLF4JLogger");
        shards = Shards.start(3);
        gateway = GatewayFixture.start(shards.hocon());
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

    @Test
    void spymemcachedInBinaryMode() throws Exception {
        net.spy.memcached.MemcachedClient spy = new net.spy.memcached.MemcachedClient(new BinaryConnectionFactory(),
                List.of(new InetSocketAddress("127.0.0.1", gateway.port(TransportKind.PLAIN))));
        try {
            assertTrue(spy.set("spy-a", 0, "alpha").get(10, TimeUnit.SECONDS));
            assertEquals("alpha", spy.get("spy-a"));
            assertTrue(spy.delete("spy-a").get(10, TimeUnit.SECONDS));
            assertNull(spy.get("spy-a"));
            assertEquals(5, spy.incr("spy-counter", 5, 5));
            assertEquals(12, spy.incr("spy-counter", 7, 0));
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                keys.add("spy-multi-" + i);
                if (i % 3 != 0) {
                    spy.set("spy-multi-" + i, 0, "v" + i);
                }
            }
            // spymemcached's binary multi-get: GETQ per key, then a NOOP.
            Map<String, Object> got = spy.getBulk(keys);
            assertEquals(666, got.size());
            for (int i = 0; i < 1000; i++) {
                assertEquals(i % 3 != 0 ? "v" + i : null, got.get("spy-multi-" + i));
            }
        } finally {
            spy.shutdown(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void xmemcachedInBinaryMode() throws Exception {
        XMemcachedClientBuilder builder = new XMemcachedClientBuilder(
                AddrUtil.getAddresses("127.0.0.1:" + gateway.port(TransportKind.PLAIN)));
        builder.setCommandFactory(new BinaryCommandFactory());
        builder.setOpTimeout(10_000);
        MemcachedClient x = builder.build();
        try {
            assertTrue(x.set("xm-a", 0, "alpha"));
            assertEquals("alpha", x.get("xm-a"));
            assertTrue(x.delete("xm-a"));
            assertNull(x.get("xm-a"));
            assertEquals(3, x.incr("xm-counter", 3, 3));
            assertEquals(7, x.incr("xm-counter", 4));
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                keys.add("xm-multi-" + i);
                if (i % 2 == 0) {
                    x.set("xm-multi-" + i, 0, "v" + i);
                }
            }
            // xmemcached's binary multi-get: GETKQ per key, the last one a GETK.
            Map<String, String> got = x.get(keys);
            assertEquals(500, got.size());
            for (int i = 0; i < 1000; i++) {
                assertEquals(i % 2 == 0 ? "v" + i : null, got.get("xm-multi-" + i));
            }
        } finally {
            x.shutdown();
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void projectClientPipelined(TransportKind t) throws Exception {
        try (McbpClient c = gateway.client(t)) {
            List<Request> batch = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                batch.add(Request.set(t + "-pc-" + i, "value-" + i));
            }
            for (int i = 0; i < 500; i++) {
                batch.add(Request.get(t + "-pc-" + i));
            }
            batch.add(Request.counter(Opcode.INCREMENT, t + "-pc-counter", 2, 40, 0));
            batch.add(Request.counter(Opcode.INCREMENT, t + "-pc-counter", 2, 0, 0));
            batch.add(Request.delete(t + "-pc-0"));
            batch.add(Request.get(t + "-pc-0"));
            List<CompletableFuture<Response>> answers = c.sendAll(batch);
            for (int i = 0; i < 500; i++) {
                assertEquals(0, McbpClient.await(answers.get(i)).status());
                assertEquals("value-" + i, McbpClient.await(answers.get(500 + i)).valueString());
            }
            assertEquals(40, McbpClient.await(answers.get(1000)).counterValue());
            assertEquals(42, McbpClient.await(answers.get(1001)).counterValue());
            assertEquals(0, McbpClient.await(answers.get(1002)).status());
            assertEquals(Status.KEY_NOT_FOUND.code(), McbpClient.await(answers.get(1003)).status());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void eachKeyIsOnTheShardKetamaNames(TransportKind t) throws Exception {
        ShardLocator ketama = Locators.create(HashPreset.KETAMA_SPYMEMCACHED, shards.names());
        Map<Integer, Integer> perShard = new HashMap<>();
        try (McbpClient c = gateway.client(t)) {
            for (int i = 0; i < 300; i++) {
                assertEquals(0, c.set(t + "-placed-" + i, "p").status());
            }
        }
        List<McbpClient> direct = new ArrayList<>();
        try {
            for (int s = 0; s < 3; s++) {
                direct.add(McbpClient.connect("127.0.0.1", shards.get(s).port()));
            }
            for (int i = 0; i < 300; i++) {
                String key = t + "-placed-" + i;
                byte[] k = key.getBytes(StandardCharsets.UTF_8);
                int owner = ketama.shardOf(k, 0, k.length);
                perShard.merge(owner, 1, Integer::sum);
                for (int s = 0; s < 3; s++) {
                    int status = direct.get(s).get(key).status();
                    assertEquals(s == owner ? 0 : Status.KEY_NOT_FOUND.code(), status, key + " on shard " + s);
                }
            }
        } finally {
            direct.forEach(McbpClient::close);
        }
        assertEquals(3, perShard.size(), "every shard owns some keys: " + perShard);
    }
}
