package dev.kvgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kvgate.client.McbpClient;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.routing.HashPreset;
import dev.kvgate.routing.Locators;
import dev.kvgate.routing.ShardLocator;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** on-shard-failure = eject: a dead shard leaves the ring, its keys move, and it comes back. */
@Timeout(120)
class EjectIT {

    private static int owner(ShardLocator locator, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return locator.shardOf(k, 0, k.length);
    }

    private static void eventually(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (condition.call()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not within 15 s: " + what);
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void deadShardIsEjectedAndReadmitted(TransportKind t) throws Exception {
        try (Shards shards = Shards.start(3);
             GatewayFixture gateway = GatewayFixture.start(shards.hocon() + "kvgate.backend {"
                     + " on-shard-failure = eject, eject-after = 2, retry-after = 200ms,"
                     + " request-timeout = 500ms, connect-timeout = 200ms, handshake-timeout = 200ms, reconnect-min = 20ms, reconnect-max = 100ms }\n");
             McbpClient c = gateway.client(t)) {
            List<String> all = shards.names();
            ShardLocator full = Locators.create(HashPreset.KETAMA_SPYMEMCACHED, all);
            ShardLocator without1 = Locators.create(HashPreset.KETAMA_SPYMEMCACHED, List.of(all.get(0), all.get(2)));
            String onShard1 = null;
            String onShard0 = null;
            for (int i = 0; onShard1 == null || onShard0 == null; i++) {
                String k = t + "-ej-" + i;
                if (owner(full, k) == 1 && onShard1 == null) {
                    onShard1 = k;
                } else if (owner(full, k) == 0 && onShard0 == null) {
                    onShard0 = k;
                }
            }
            assertEquals(0, c.set(onShard0, "stays").status());

            shards.get(1).kill();
            String moved = onShard1;
            // Until ejected its keys fail fast; then they are served by the shard the smaller ring names.
            eventually("the key of the dead shard is writable again", () -> c.set(moved, "moved").status() == 0);
            int newOwner = owner(without1, moved) == 0 ? 0 : 2;
            try (McbpClient direct = McbpClient.connect("127.0.0.1", shards.get(newOwner).port())) {
                assertEquals("moved", direct.get(moved).valueString(), "stored on the shard ketama names without it");
            }
            assertEquals("stays", c.get(onShard0).valueString(), "the other shards' keys did not move");

            shards.get(1).restart();
            String back = t + "-ej-back";
            int i = 0;
            while (owner(full, back) != 1) {
                back = t + "-ej-back-" + (++i);
            }
            String backKey = back;
            eventually("the shard is back on the ring", () -> {
                if (c.set(backKey, "home").status() != 0) {
                    return false;
                }
                try (McbpClient direct = McbpClient.connect("127.0.0.1", shards.get(1).port())) {
                    return direct.get(backKey).status() == 0;
                }
            });
        }
    }
}
