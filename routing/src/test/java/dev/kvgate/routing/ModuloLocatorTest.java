package dev.kvgate.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import net.spy.memcached.ArrayModNodeLocator;
import net.spy.memcached.DefaultHashAlgorithm;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ModuloLocatorTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 10})
    void matchesSpymemcachedArrayModNodeLocatorWithCrcHash(int nodeCount) {
        SpyNodes spy = SpyNodes.loopback(nodeCount, 11211);
        ArrayModNodeLocator reference = new ArrayModNodeLocator(spy.nodes, DefaultHashAlgorithm.CRC_HASH);
        ModuloLocator ours = new ModuloLocator(nodeCount);
        for (String key : TestKeys.mixed(10_000, nodeCount)) {
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            assertEquals(spy.indexOf(reference.getPrimary(key)), ours.shardOf(bytes, 0, bytes.length), key);
        }
    }

    @Test
    void matchesLibmemcachedModulaOnPublishedCrcValues() {
        // CRC values from awesomized/libmemcached test/fixtures/hashes.hpp; MODULA is hash % server count.
        String[] inputs = {"apple", "beat", "carrot", "daikon", "eggplant"};
        int[] crc = {10542, 22009, 14526, 19510, 19432};
        ModuloLocator locator = new ModuloLocator(7);
        for (int i = 0; i < inputs.length; i++) {
            byte[] key = inputs[i].getBytes(StandardCharsets.US_ASCII);
            assertEquals(crc[i] % 7, locator.shardOf(key, 0, key.length), inputs[i]);
        }
    }

    @Test
    void spreadsKeysEvenly() {
        Distribution.assertEven(new ModuloLocator(4), 100_000, 0.15, 0.35);
    }

    @Test
    void rejectsNoNodes() {
        assertThrows(IllegalArgumentException.class, () -> new ModuloLocator(0));
    }
}
