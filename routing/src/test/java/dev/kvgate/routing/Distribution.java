package dev.kvgate.routing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Shared check that a locator gives every shard a fair share of keys. */
final class Distribution {

    private Distribution() {
    }

    static void assertEven(ShardLocator locator, int keyCount, double minShare, double maxShare) {
        int[] counts = new int[locator.shardCount()];
        for (int i = 0; i < keyCount; i++) {
            byte[] key = ("key:" + i).getBytes(StandardCharsets.US_ASCII);
            counts[locator.shardOf(key, 0, key.length)]++;
        }
        for (int count : counts) {
            double share = (double) count / keyCount;
            assertTrue(share >= minShare && share <= maxShare, "uneven: " + Arrays.toString(counts));
        }
    }
}
