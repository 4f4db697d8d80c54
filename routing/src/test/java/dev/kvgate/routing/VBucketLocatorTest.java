package dev.kvgate.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class VBucketLocatorTest {

    @Test
    void matchesGoCouchbaseVbucketVector() {
        // couchbase/go-couchbase vbmap_test.go TestVBHash: a 256-vbucket bucket, vbucket ids observed on a cluster.
        VBucketLocator locator = new VBucketLocator(4, 256);
        assertVbucket(locator, "k0", 9);
        assertVbucket(locator, "k1", 14);
        assertVbucket(locator, "k2", 7);
        assertVbucket(locator, "k3", 0);
        assertVbucket(locator, "k4", 100);
        assertVbucket(locator, "k5", 99);
    }

    @Test
    void matchesLibmemcachedVirtualBucketVector() {
        // awesomized/libmemcached test/tests/memcached/vbucket.cpp: 4 vbuckets, map {0, 1, 2, 1}, 3 servers, CRC hash.
        VBucketLocator locator = VBucketLocator.withMap(new int[] {0, 1, 2, 1}, 3);
        Object[][] cases = {
            {"hello", 0, 0}, {"doctor", 0, 0}, {"name", 1, 3}, {"continue", 1, 3},
            {"yesterday", 0, 0}, {"tomorrow", 1, 1}, {"another key", 2, 2},
        };
        for (Object[] c : cases) {
            byte[] key = ((String) c[0]).getBytes(StandardCharsets.US_ASCII);
            assertEquals((int) c[2], locator.vbucketOf(key, 0, key.length), "vbucket of " + c[0]);
            assertEquals((int) c[1], locator.shardOf(key, 0, key.length), "server of " + c[0]);
        }
    }

    @Test
    void crcHashMatchesLibmemcachedPublishedValues() {
        // awesomized/libmemcached test/fixtures/hashes.hpp, "crc" row: MEMCACHED_HASH_CRC of each input.
        String[] inputs = {"apple", "beat", "carrot", "daikon", "eggplant", "flower", "green", "hide", "ick",
            "jack", "kick", "lime", "mushrooms", "nectarine", "orange", "peach", "quant", "ripen", "strawberry",
            "tang", "up", "volumne", "when", "yellow", "zip", "The quick brown fox jumps over the lazy dog"};
        int[] crc = {10542, 22009, 14526, 19510, 19432, 10199, 20634, 9369, 11511, 10362, 7893, 31289, 11313,
            9354, 7621, 30628, 15218, 25967, 2695, 9380, 17300, 28156, 9192, 20484, 16925, 16719};
        // With 32768 vbuckets the vbucket is the raw hash.
        VBucketLocator locator = new VBucketLocator(1, 32768);
        for (int i = 0; i < inputs.length; i++) {
            assertVbucket(locator, inputs[i], crc[i]);
        }
    }

    @Test
    void defaultMapIsRoundRobinOver1024Vbuckets() {
        VBucketLocator locator = new VBucketLocator(3);
        assertEquals(VBucketLocator.DEFAULT_VBUCKETS, locator.vbucketCount());
        assertEquals(3, locator.shardCount());
        for (int i = 0; i < 10_000; i++) {
            byte[] key = ("key:" + i).getBytes(StandardCharsets.US_ASCII);
            int vb = locator.vbucketOf(key, 0, key.length);
            assertTrue(vb >= 0 && vb < 1024);
            assertEquals(vb % 3, locator.shardOf(key, 0, key.length));
        }
    }

    @Test
    void spreadsKeysEvenly() {
        Distribution.assertEven(Locators.create(HashPreset.VBUCKET_CRC32, KetamaLocatorTest.nodes(4)),
                100_000, 0.15, 0.35);
    }

    @Test
    void rejectsBadMaps() {
        assertThrows(IllegalArgumentException.class, () -> new VBucketLocator(0));
        assertThrows(IllegalArgumentException.class, () -> new VBucketLocator(2, 0));
        assertThrows(IllegalArgumentException.class, () -> new VBucketLocator(2, 65536));
        assertThrows(IllegalArgumentException.class, () -> VBucketLocator.withMap(new int[] {0, 2}, 2));
    }

    private static void assertVbucket(VBucketLocator locator, String key, int expected) {
        byte[] bytes = key.getBytes(StandardCharsets.US_ASCII);
        assertEquals(expected, locator.vbucketOf(bytes, 0, bytes.length), "vbucket of " + key);
    }
}
