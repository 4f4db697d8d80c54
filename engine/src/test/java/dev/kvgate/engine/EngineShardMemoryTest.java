package dev.kvgate.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The memory limit: LRU eviction, accounting, and that a SET never fails while something can go. */
class EngineShardMemoryTest {
    private static final long LIMIT = 64 * 1024;
    private static final int VALUE = 1000;

    private static String key(int i) {
        return "key-" + i;
    }

    private static long perItem(int i) {
        return EngineShard.itemSize(key(i).length(), VALUE);
    }

    @Test
    void fillingThreeTimesPastTheLimitEvictsOldestAndNeverExceedsIt() {
        try (EngineHarness h = new EngineHarness(LIMIT, 4096)) {
            long written = 0;
            int count = 0;
            while (written < 3 * LIMIT) {
                Response r = h.one(Frames.setBytes(key(count), new byte[VALUE]));
                assertEquals(0, r.status(), "no SET fails while something is evictable");
                written += perItem(count);
                count++;
                EngineStats s = h.shard.stats();
                assertTrue(s.bytes() <= LIMIT, () -> "bytes " + s.bytes() + " over the limit");
            }
            EngineStats s = h.shard.stats();
            assertTrue(s.evictions() > 0);
            assertEquals(count, s.totalItems());
            assertEquals(count - s.evictions(), s.currItems());
            assertTrue(s.bytes() > LIMIT - perItem(count), "eviction stops as soon as the new item fits");
            // The newest currItems keys are there, everything older is gone.
            long kept = s.currItems();
            for (int i = 0; i < count; i++) {
                int status = h.one(Frames.get(key(i))).status();
                assertEquals(i >= count - kept ? 0 : 1, status, key(i));
            }
        }
    }

    @Test
    void recentlyReadItemsSurvive() {
        try (EngineHarness h = new EngineHarness(LIMIT, 4096)) {
            int fits = (int) (LIMIT / perItem(10));
            for (int i = 0; i < fits; i++) {
                h.one(Frames.setBytes(key(i), new byte[VALUE]));
            }
            assertEquals(0, h.shard.stats().evictions());
            for (int round = 0; round < 3; round++) {
                // Read the two oldest keys, then write enough to push out half of the others.
                assertEquals(0, h.one(Frames.get(key(0))).status());
                assertEquals(0, h.one(Frames.get(key(1))).status());
                for (int i = 0; i < fits / 2; i++) {
                    h.one(Frames.setBytes(key(1000 + round * 1000 + i), new byte[VALUE]));
                }
            }
            assertEquals(0, h.one(Frames.get(key(0))).status());
            assertEquals(0, h.one(Frames.get(key(1))).status());
            assertEquals(1, h.one(Frames.get(key(2))).status(), "not read: evicted");
            assertTrue(h.shard.stats().bytes() <= LIMIT);
        }
    }

    @Test
    void touchAndWriteAlsoCountAsUse() {
        try (EngineHarness h = new EngineHarness(LIMIT, 4096)) {
            int fits = (int) (LIMIT / perItem(10));
            for (int i = 0; i < fits; i++) {
                h.one(Frames.setBytes(key(i), new byte[VALUE]));
            }
            h.one(Frames.touch(dev.kvgate.mcbp.Opcode.TOUCH, key(0), 0));
            h.one(Frames.concat(dev.kvgate.mcbp.Opcode.APPEND, key(1), "x", 0));
            h.one(Frames.setBytes(key(5000), new byte[VALUE]));
            h.one(Frames.setBytes(key(5001), new byte[VALUE]));
            assertEquals(0, h.one(Frames.get(key(0))).status());
            assertEquals(0, h.one(Frames.get(key(1))).status());
            assertEquals(1, h.one(Frames.get(key(2))).status());
        }
    }

    @Test
    void accountingFollowsEveryMutation() {
        try (EngineHarness h = new EngineHarness()) {
            h.one(Frames.set("a", "12345"));
            assertEquals(EngineShard.itemSize(1, 5), h.shard.stats().bytes());
            h.one(Frames.set("a", "1"));
            assertEquals(EngineShard.itemSize(1, 1), h.shard.stats().bytes(), "overwrite frees the old value");
            h.one(Frames.concat(dev.kvgate.mcbp.Opcode.APPEND, "a", "234", 0));
            assertEquals(EngineShard.itemSize(1, 4), h.shard.stats().bytes());
            h.one(Frames.arithmetic(dev.kvgate.mcbp.Opcode.INCREMENT, "a", 99_999, 0, 0));
            assertEquals(EngineShard.itemSize(1, 6), h.shard.stats().bytes(), "1234 + 99999 = 101233");
            h.one(Frames.set("bb", ""));
            assertEquals(EngineShard.itemSize(1, 6) + EngineShard.itemSize(2, 0), h.shard.stats().bytes());
            h.one(Frames.delete(dev.kvgate.mcbp.Opcode.DELETE, "a", 0));
            assertEquals(EngineShard.itemSize(2, 0), h.shard.stats().bytes());
            h.one(Frames.bare(dev.kvgate.mcbp.Opcode.FLUSH));
            assertEquals(0, h.shard.stats().bytes());
            assertEquals(0, h.shard.stats().currItems());
        }
    }

    @Test
    void expiredItemsAreReclaimedBeforeLiveOnesAreCountedAsEvictions() {
        try (EngineHarness h = new EngineHarness(LIMIT, 4096)) {
            int fits = (int) (LIMIT / perItem(10));
            for (int i = 0; i < fits; i++) {
                h.one(Frames.request(dev.kvgate.mcbp.Opcode.SET, Frames.storeExtras(0, 1),
                        Frames.bytes(key(i)), new byte[VALUE], 0));
            }
            h.clock.advance(Duration.ofSeconds(2));
            h.one(Frames.setBytes(key(9999), new byte[VALUE]));
            EngineStats s = h.shard.stats();
            assertEquals(0, s.evictions());
            assertTrue(s.reclaimed() >= 1);
        }
    }

    @Test
    void itemOfTheWholeLimitFitsByEvictingEverything() {
        long limit = 8192;
        try (EngineHarness h = new EngineHarness(limit, 8192)) {
            h.one(Frames.set("a", "x"));
            h.one(Frames.set("b", "y"));
            int value = (int) (limit - EngineShard.ITEM_OVERHEAD - 1);
            assertEquals(0, h.one(Frames.setBytes("c", new byte[value])).status());
            assertEquals(limit, h.shard.stats().bytes());
            assertEquals(1, h.shard.stats().currItems());
            assertEquals(2, h.shard.stats().evictions());
        }
    }

    @Test
    void closeDropsEverything() {
        EngineHarness h = new EngineHarness();
        h.one(Frames.set("a", "x"));
        h.close();
        assertEquals(0, h.shard.stats().currItems());
        assertEquals(0, h.shard.stats().bytes());
    }

    @Test
    void tooSmallLimitIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> new EngineShard("x", EngineShard.MIN_MEMORY_LIMIT - 1, 100, new ManualClock()));
        assertThrows(IllegalArgumentException.class,
                () -> new EngineShard("x", 1 << 20, 0, new ManualClock()));
    }
}
