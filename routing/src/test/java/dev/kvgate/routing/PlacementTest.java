package dev.kvgate.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PlacementTest {

    private static final List<String> NODES = List.of("10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11212");

    @Test
    void oldPresetNamesPlaceAsBefore() {
        for (HashPreset preset : HashPreset.values()) {
            ShardLocator before = Locators.create(preset, NODES);
            ShardLocator now = Placement.of(preset).locatorForNames(NODES);
            for (String key : TestKeys.mixed(5_000, 3)) {
                byte[] b = key.getBytes(StandardCharsets.UTF_8);
                assertEquals(before.shardOf(b, 0, b.length), now.shardOf(b, 0, b.length), preset + " " + key);
            }
        }
    }

    @Test
    void specKeepsTheOptionsAsGiven() {
        assertEquals("libmemcached:ketama=true,hash=md5", Placement.parse(" libmemcached: ketama=true , hash=md5").spec());
        assertEquals("twemproxy", Placement.parse("twemproxy").spec());
        assertTrue(Placement.parse("pylibmc:ketama=true").description().contains("one_at_a_time"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "nope", "ketama:x=1", "libmemcached:distribution=random", "libmemcached:hash=murmur3",
        "libmemcached:ketama=maybe", "libmemcached:sort_hosts=true", "libmemcached:hash", "twemproxy:hash=crc",
        "twemproxy:distribution=random", "libmemcached:hash=md5,hash=crc", "mcrouter:x=y"})
    void rejectsWhatItCannotReproduce(String spec) {
        assertThrows(IllegalArgumentException.class, () -> Placement.parse(spec));
    }

    @Test
    void weightsOnlyWhereTheClientHadThem() {
        List<Node> weighted = List.of(new Node("a:11211", 2), Node.of("b:11211"));
        assertThrows(IllegalArgumentException.class, () -> Placement.parse("ketama").locator(weighted));
        assertThrows(IllegalArgumentException.class, () -> Placement.parse("pymemcache").locator(weighted));
        assertEquals(2, Placement.parse("ketama-libmemcached").locator(weighted).shardCount());
        assertEquals(2, Placement.parse("twemproxy").locator(weighted).shardCount());
        assertEquals(2, Placement.parse("xmemcached").locator(weighted).shardCount());
    }

    @Test
    void libmemcachedAndPylibmcAndPhpNamesAgree() {
        ShardLocator a = Placement.parse("libmemcached:distribution=consistent,hash=md5").locatorForNames(NODES);
        ShardLocator b = Placement.parse("php-memcached:opt_distribution=DISTRIBUTION_CONSISTENT,opt_hash=HASH_MD5")
                .locatorForNames(NODES);
        ShardLocator c = Placement.parse("pylibmc:distribution=MEMCACHED_DISTRIBUTION_CONSISTENT,hash=MEMCACHED_HASH_MD5")
                .locatorForNames(NODES);
        for (String key : TestKeys.mixed(2_000, 4)) {
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            assertEquals(a.shardOf(k, 0, k.length), b.shardOf(k, 0, k.length));
            assertEquals(a.shardOf(k, 0, k.length), c.shardOf(k, 0, k.length));
        }
    }

    @Test
    void twemproxyRefusesDuplicateNames() {
        assertThrows(IllegalArgumentException.class,
                () -> Placement.parse("twemproxy").locatorForNames(List.of("a:11211", "a")));
    }

    @Test
    void everyPresetSpreadsKeysAndGivesOneShardEverything() {
        for (String spec : Placement.PRESETS.keySet()) {
            Distribution.assertEven(Placement.parse(spec).locatorForNames(KetamaLocatorTest.nodes(4)), 40_000, 0.15, 0.35);
            ShardLocator one = Placement.parse(spec).locatorForNames(List.of("10.0.0.9:11211"));
            assertEquals(0, one.shardOf(new byte[] {1, 2}, 0, 2), spec);
        }
    }
}
