package dev.kvgate.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How many keys move when the topology gains or loses one shard (issue 10: a live topology change
 * must move no more keys than the placement implies). Consistent placements (ketama, ch3, rendezvous)
 * move about 1/N of the keys and only those that must: on an addition every moved key goes to the new
 * shard, on a removal only the removed shard's keys move. vbucket (round-robin assignment) and modulo
 * move most keys by design; they are measured so the README can say so with numbers.
 */
class KeyMovementTest {
    private static final int KEYS = 100_000;
    private static final int SHARDS = 8;

    /** Fraction of keys whose shard changed, and whether every move was one consistency requires. */
    record Movement(double fraction, int needless) {
    }

    private static List<Node> nodes(int count) {
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            nodes.add(Node.of("10.0.0." + (i + 1) + ":11211"));
        }
        return nodes;
    }

    private static List<byte[]> keys() {
        List<byte[]> keys = new ArrayList<>(KEYS);
        for (String k : TestKeys.mixed(KEYS / 2, 10)) {
            keys.add(k.getBytes(StandardCharsets.UTF_8));
        }
        for (int i = keys.size(); i < KEYS; i++) {
            keys.add(("user:" + i).getBytes(StandardCharsets.US_ASCII));
        }
        return keys;
    }

    /**
     * Keys whose owner (by node name) differs between the two node lists. A move is needless when it
     * goes neither to a node that only {@code after} has nor away from one that only {@code before} has.
     */
    static Movement movement(Placement placement, List<Node> before, List<Node> after) {
        ShardLocator from = placement.locator(before);
        ShardLocator to = placement.locator(after);
        int moved = 0;
        int needless = 0;
        List<byte[]> keys = keys();
        for (byte[] k : keys) {
            String a = before.get(from.shardOf(k, 0, k.length)).name();
            String b = after.get(to.shardOf(k, 0, k.length)).name();
            if (!a.equals(b)) {
                moved++;
                boolean toNew = after.stream().anyMatch(n -> n.name().equals(b))
                        && before.stream().noneMatch(n -> n.name().equals(b));
                boolean fromGone = before.stream().anyMatch(n -> n.name().equals(a))
                        && after.stream().noneMatch(n -> n.name().equals(a));
                if (!toNew && !fromGone) {
                    needless++;
                }
            }
        }
        return new Movement((double) moved / keys.size(), needless);
    }

    private static Movement added(String preset) {
        List<Node> before = nodes(SHARDS);
        List<Node> after = nodes(SHARDS + 1);
        Movement m = movement(Placement.parse(preset), before, after);
        System.out.printf("%-22s %d -> %d shards (one added):   %6.2f%% of keys move (1/%d = %.2f%%)%n", preset,
                SHARDS, SHARDS + 1, 100 * m.fraction(), SHARDS + 1, 100.0 / (SHARDS + 1));
        return m;
    }

    /** The fourth shard of eight removed (not the last: a list position in the middle changes). */
    private static Movement removed(String preset) {
        List<Node> before = nodes(SHARDS);
        List<Node> after = new ArrayList<>(before);
        after.remove(3);
        Movement m = movement(Placement.parse(preset), before, after);
        System.out.printf("%-22s %d -> %d shards (one removed): %6.2f%% of keys move (1/%d = %.2f%%)%n", preset,
                SHARDS, SHARDS - 1, 100 * m.fraction(), SHARDS, 100.0 / SHARDS);
        return m;
    }

    private static void assertAbout(double expected, Movement m, String what) {
        assertEquals(0, m.needless(), what + ": only keys of the changed shard move");
        assertTrue(Math.abs(m.fraction() - expected) < expected * 0.25,
                what + ": " + m.fraction() + " of keys moved, expected about " + expected);
    }

    @Test
    void ketamaMovesAboutOneNthOnAnAddition() {
        assertAbout(1.0 / (SHARDS + 1), added("ketama"), "ketama, one added");
        assertAbout(1.0 / (SHARDS + 1), added("ketama-libmemcached"), "ketama-libmemcached, one added");
        assertAbout(1.0 / (SHARDS + 1), added("xmemcached"), "xmemcached, one added");
        assertAbout(1.0 / (SHARDS + 1), added("twemproxy"), "twemproxy ketama, one added");
    }

    @Test
    void ketamaMovesOnlyTheRemovedShardsKeys() {
        assertAbout(1.0 / SHARDS, removed("ketama"), "ketama, one removed");
        assertAbout(1.0 / SHARDS, removed("ketama-libmemcached"), "ketama-libmemcached, one removed");
        assertAbout(1.0 / SHARDS, removed("xmemcached"), "xmemcached, one removed");
        assertAbout(1.0 / SHARDS, removed("twemproxy"), "twemproxy ketama, one removed");
    }

    @Test
    void otherConsistentPlacementsMoveTheMinimum() {
        assertAbout(1.0 / (SHARDS + 1), added("pymemcache"), "rendezvous, one added");
        assertAbout(1.0 / SHARDS, removed("pymemcache"), "rendezvous, one removed");
        // ch3 (jump-style) is consistent for additions and removals at the end of the list only.
        assertAbout(1.0 / (SHARDS + 1), added("mcrouter"), "ch3, one added");
    }

    /** Not consistent by design: measured, so that an operator knows what a topology change costs. */
    @Test
    void moduloAndVbucketMoveMostKeys() {
        Movement modAdd = added("modulo");
        Movement modRemove = removed("modulo");
        Movement vbAdd = added("vbucket");
        Movement vbRemove = removed("vbucket");
        assertTrue(modAdd.fraction() > 0.8 && modRemove.fraction() > 0.8, "modulo moves most keys");
        assertTrue(vbAdd.fraction() > 0.8 && vbRemove.fraction() > 0.8, "round-robin vbuckets move most keys");
    }

    /** Order of the list does not matter to ketama: a topology source that reorders answers moves nothing. */
    @Test
    void ketamaIgnoresListOrder() {
        List<Node> before = nodes(SHARDS);
        List<Node> reversed = new ArrayList<>(before);
        java.util.Collections.reverse(reversed);
        assertEquals(0.0, movement(Placement.parse("ketama"), before, reversed).fraction());
    }
}
