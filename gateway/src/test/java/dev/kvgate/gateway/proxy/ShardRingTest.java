package dev.kvgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kvgate.config.BackendSettings;
import dev.kvgate.routing.HashPreset;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ShardRingTest {
    private static BackendSettings settings(BackendSettings.OnShardFailure mode) {
        return new BackendSettings(1, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMillis(10),
                Duration.ofMillis(100), 16, mode, 2, Duration.ofSeconds(1));
    }

    private static int owner(ShardRing ring, String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return ring.shardOf(k, 0, k.length);
    }

    @Test
    void oneShardNeedsNoHash() {
        ShardRing ring = new ShardRing(HashPreset.KETAMA_SPYMEMCACHED, List.of("a:1"),
                settings(BackendSettings.OnShardFailure.FAIL_FAST));
        assertEquals(0, ring.onlyShard());
        assertEquals(0, owner(ring, "anything"));
    }

    @Test
    void ejectionDownToOneShardAndBack() {
        ShardRing ring = new ShardRing(HashPreset.KETAMA_SPYMEMCACHED, List.of("a:1", "b:2"),
                settings(BackendSettings.OnShardFailure.EJECT));
        assertEquals(-1, ring.onlyShard(), "two shards: keys are hashed");
        ring.failure(0, 1, "test");
        assertEquals(-1, ring.onlyShard(), "one failure is below eject-after");
        ring.failure(0, 1, "test");
        assertEquals(-1, ring.onlyShard(), "another connection's first failure: still one in a row");
        ring.failure(0, 2, "test");
        assertEquals(1, ring.onlyShard(), "shard 0 ejected: every key goes to shard 1");
        for (int i = 0; i < 100; i++) {
            assertEquals(1, owner(ring, "k" + i));
        }
        ring.failure(1, 1, "test");
        ring.failure(1, 2, "test");
        assertEquals(1, ring.onlyShard(), "the last shard is never ejected");
        ring.success(0);
        assertEquals(-1, ring.onlyShard(), "re-admitted");
    }
}
