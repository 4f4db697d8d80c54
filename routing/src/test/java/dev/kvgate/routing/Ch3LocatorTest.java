package dev.kvgate.routing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * mcrouter's own CH3 vectors, transcribed: facebook/mcrouter mcrouter/lib/test/Ch3HashTest.cpp
 * (basic, ch3_3, ch3_10) and WeightedCh3HashFuncTest.cpp (bulkChecksumUnitWeights: with unit weights
 * WeightedCh3HashFunc is furc_hash, and the checksum folds the placement of 100,000 keys per pool
 * size, so it checks every one of them). mcrouter has no package in the registries this project uses.
 */
class Ch3LocatorTest {

    private static int ch3(String key, int n) {
        byte[] b = key.getBytes(StandardCharsets.ISO_8859_1);
        return Ch3Locator.furcHash(b, 0, b.length, n);
    }

    @Test
    void basic() {
        assertEquals(97, ch3("sample", 100));
        assertEquals(0, ch3("sample", 1));
        assertEquals(72, ch3("", 100));
        assertEquals(0, ch3("", 1));
        assertEquals(6173600, ch3("", 1 << 23));
        assertEquals(5167780, ch3("sample", 1 << 23));
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) (i - 128);
        }
        assertEquals(31015, Ch3Locator.furcHash(all, 0, 256, 99999));
        byte[] reversed = new byte[256];
        for (int i = 0; i < 256; i++) {
            reversed[i] = all[255 - i];
        }
        assertEquals(67101, Ch3Locator.furcHash(reversed, 0, 256, 99999));
    }

    @Test
    void countsOverDecimalKeys() {
        assertArrayEquals(new int[] {307, 342, 351}, counts(3, 1000));
        assertArrayEquals(new int[] {995, 955, 1046, 968, 1032, 972, 1016, 1038, 1010, 968}, counts(10, 10000));
    }

    private static int[] counts(int n, int keys) {
        int[] counts = new int[n];
        for (int i = 0; i < keys; i++) {
            counts[ch3(Integer.toString(i), n)]++;
        }
        return counts;
    }

    @Test
    void bulkChecksumsOf100000KeysPerPoolSize() {
        int[] sizes = {2, 3, 7, 10, 16, 100, 1000, 10000, 100000};
        long[] expected = {1346413954L, 914505363L, 4252552508L, 2894016351L, 2995729350L, 2289223413L, 2251851331L,
            1328492545L, 1053928120L};
        for (int p = 0; p < sizes.length; p++) {
            int acc = 0;
            for (int i = 0; i < 100_000; i++) {
                acc = acc * 31 + ch3("k" + i, sizes[p]);
            }
            assertEquals(expected[p], acc & 0xffffffffL, "checksum for n=" + sizes[p]);
        }
    }

    @Test
    void hashesTheRoutingKeyOnly() {
        ShardLocator locator = Placement.parse("mcrouter").locatorForNames(java.util.List.of("a", "b", "c", "d", "e"));
        assertEquals(shard(locator, "foo:key"), shard(locator, "/region/cluster/foo:key"));
        assertEquals(shard(locator, "foo:key"), shard(locator, "/region/cluster/foo:key|#|etc"));
        assertEquals(shard(locator, "foo:key"), shard(locator, "foo:key|#|other"));
        assertEquals(ch3("/region/foo", 5), shard(locator, "/region/foo"));
    }

    private static int shard(ShardLocator locator, String key) {
        byte[] b = key.getBytes(StandardCharsets.UTF_8);
        return locator.shardOf(b, 0, b.length);
    }
}
