package dev.kvgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    private static java.util.List<dev.kvgate.routing.Node> nodes(String... names) {
        return java.util.Arrays.stream(names).map(dev.kvgate.routing.Node::of).toList();
    }

    @Test
    void aNewTopologyKeepsTheIndexesOfTheShardsThatStayAndReusesFreedOnes() {
        ShardRing ring = new ShardRing(HashPreset.KETAMA_SPYMEMCACHED, List.of("a:1", "b:2", "c:3"),
                settings(BackendSettings.OnShardFailure.FAIL_FAST));
        dev.kvgate.routing.Placement ketama = ring.current().placement();
        // b removed, d added: a and c keep 0 and 2, d takes a new index (b's is not free while it drains).
        ShardRing.Membership next = ring.propose(ketama, nodes("a:1", "c:3", "d:4"), new int[] {0, 2, -1});
        assertEquals(List.of(0, 2, 3), java.util.Arrays.stream(new int[] {next.shard(0), next.shard(1), next.shard(2)})
                .boxed().toList());
        assertEquals(List.of(0, 1, 2), java.util.Arrays.stream(ring.shards()).boxed().toList(), "not in force yet");
        ring.commit(next);
        ring.settled(next);
        assertEquals(List.of(0, 2, 3), java.util.Arrays.stream(ring.shards()).boxed().toList());
        assertEquals("d:4", ring.name(3));
        assertEquals("b:2", ring.name(1), "b still drains under its index");
        for (int i = 0; i < 200; i++) {
            int owner = owner(ring, "k" + i);
            assertTrue(owner == 0 || owner == 2 || owner == 3, "only the shards in force own keys");
        }
        ring.retired(1);
        assertEquals("#1", ring.name(1), "retired: the index is free");
        ShardRing.Membership again = ring.propose(ketama, nodes("a:1", "c:3", "d:4", "e:5"), new int[] {0, 2, 3, -1});
        assertEquals(1, again.shard(3), "a freed index is taken again");
        ring.commit(again);
        assertEquals("e:5", ring.name(1));
    }

    @Test
    void anAbandonedProposalFreesItsIndexes() {
        ShardRing ring = new ShardRing(HashPreset.KETAMA_SPYMEMCACHED, List.of("a:1"),
                settings(BackendSettings.OnShardFailure.FAIL_FAST));
        ShardRing.Membership next = ring.propose(ring.current().placement(), nodes("a:1", "b:2"), new int[] {0, -1});
        ring.abandon(next);
        assertEquals("#1", ring.name(1));
        assertEquals(0, ring.onlyShard(), "the topology in force is untouched");
    }

    @Test
    void aDrainingShardIsCountedButNeverEjectedAndTheLastShardRuleCountsOnlyMembers() {
        ShardRing ring = new ShardRing(HashPreset.KETAMA_SPYMEMCACHED, List.of("a:1", "b:2"),
                settings(BackendSettings.OnShardFailure.EJECT));
        ShardRing.Membership next = ring.propose(ring.current().placement(), nodes("a:1", "c:3"), new int[] {0, -1});
        ring.commit(next);
        ring.failure(1, 5, "test");
        assertFalse(ring.isEjected(1), "b left the topology: not ejected");
        assertEquals(1, ring.failures(1));
        ring.failure(2, 2, "test");
        assertTrue(ring.isEjected(2), "c is a member: ejected");
        assertEquals(0, ring.onlyShard(), "every key goes to a");
        ring.failure(0, 2, "test");
        assertFalse(ring.isEjected(0), "a is the last member in service");
        ring.reconfigure(settings(BackendSettings.OnShardFailure.FAIL_FAST));
        assertFalse(ring.isEjected(2), "leaving eject mode puts ejected shards back");
        assertEquals(-1, ring.onlyShard());
    }

    @Test
    void aProposedShardThatDidNotConnectStartsEjected() {
        ShardRing ring = new ShardRing(HashPreset.KETAMA_SPYMEMCACHED, List.of("a:1"),
                settings(BackendSettings.OnShardFailure.EJECT));
        ShardRing.Membership next = ring.propose(ring.current().placement(), nodes("a:1", "b:2"), new int[] {0, -1});
        ring.ejectNew(1);
        ring.commit(next);
        assertEquals(0, ring.onlyShard(), "b takes no key until it answers");
        ring.success(1);
        assertEquals(-1, ring.onlyShard(), "its first answer puts it on the ring");
    }
}
