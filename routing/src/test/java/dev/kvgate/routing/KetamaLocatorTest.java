package dev.kvgate.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import net.spy.memcached.DefaultHashAlgorithm;
import net.spy.memcached.KetamaNodeKeyFormatter;
import net.spy.memcached.KetamaNodeLocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class KetamaLocatorTest {

    private static final int BASE_PORT = 11211;

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 10})
    void matchesSpymemcachedKetamaNodeLocator(int nodeCount) {
        SpyNodes spy = SpyNodes.loopback(nodeCount, BASE_PORT);
        KetamaNodeLocator reference = new KetamaNodeLocator(spy.nodes, DefaultHashAlgorithm.KETAMA_HASH);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < nodeCount; i++) {
            names.add("127.0.0.1:" + (BASE_PORT + i));
        }
        ShardLocator ours = Locators.create(HashPreset.KETAMA_SPYMEMCACHED, names);

        assertSameAsSpy(spy, reference, ours, TestKeys.mixed(10_000, nodeCount));
    }

    /** Host names (not resolved) on 11211 and other ports exercise both of libmemcached's point-name forms. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 10})
    void libmemcachedVariantMatchesSpymemcachedLibmemcachedFormat(int nodeCount) {
        List<InetSocketAddress> addresses = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < nodeCount; i++) {
            int port = i % 2 == 0 ? 11211 : 11300 + i;
            addresses.add(InetSocketAddress.createUnresolved("cache" + i + ".example", port));
            names.add("cache" + i + ".example:" + port);
        }
        SpyNodes spy = new SpyNodes(addresses);
        KetamaNodeLocator reference = new KetamaNodeLocator(spy.nodes, DefaultHashAlgorithm.KETAMA_HASH,
                KetamaNodeKeyFormatter.Format.LIBMEMCACHED, Map.of());
        ShardLocator ours = Locators.create(HashPreset.KETAMA_LIBMEMCACHED, names);

        assertSameAsSpy(spy, reference, ours, TestKeys.mixed(10_000, 100 + nodeCount));
    }

    private static void assertSameAsSpy(SpyNodes spy, KetamaNodeLocator reference, ShardLocator ours,
            List<String> keys) {
        int mismatches = 0;
        StringBuilder firstMismatches = new StringBuilder();
        for (String key : keys) {
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            int expected = spy.indexOf(reference.getPrimary(key));
            int actual = ours.shardOf(bytes, 0, bytes.length);
            if (expected != actual && mismatches++ < 5) {
                firstMismatches.append("\n  '").append(key).append("': spymemcached ").append(expected)
                        .append(", kvgate ").append(actual);
            }
        }
        assertEquals(0, mismatches, mismatches + " of " + keys.size() + " keys placed differently:" + firstMismatches);
    }

    /**
     * libmemcached's own ketama vector: the first 40 of the 99 cases in awesomized/libmemcached
     * test/fixtures/ketama.hpp ({@code ketama_test_cases}), used by test/tests/memcached/ketama.cpp
     * ("memcached_ketama_compat") with MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED over the weighted servers below.
     * Columns: key, MD5 key hash (hash1), expected server.
     */
    private static final Object[][] LIBMEMCACHED_KETAMA_CASES = {
        {"SVa_]_V41)", 443691461L, "10.0.1.7"},
        {"*/Z;?V(.\\8", 1422915503L, "10.0.1.1"},
        {"30C1*Z*S/_", 1473165754L, "10.0.1.2"},
        {"ERR:EC58G>", 2148406511L, "10.0.1.7"},
        {"1I=cTMNTKF", 2882686667L, "10.0.1.5"},
        {"]VG<`I*Z8)", 1103544263L, "10.0.1.5"},
        {"UUTC`-V159", 3716288206L, "10.0.1.5"},
        {"@7RU6C6T+Z", 3862737685L, "10.0.1.5"},
        {"/XLN0@+36;", 1623269830L, "10.0.1.1"},
        {"4(`X;\\V.^c", 373546328L, "10.0.1.1"},
        {"726bW=9*a4", 4213440020L, "10.0.1.7"},
        {"\\`)<B)UE,c", 951096736L, "10.0.1.1"},
        {"P1[Ma3=K1/", 1989324036L, "10.0.1.8"},
        {"C89I.-V?cT", 1604239957L, "10.0.1.8"},
        {"D[HE+cFXDK", 2117036136L, "10.0.1.3"},
        {"P1L?NAB[)K", 2129972569L, "10.0.1.1"},
        {"cDT0)Z5P6,", 176485284L, "10.0.1.5"},
        {"@JW`+[WAO8", 2720940826L, "10.0.1.5"},
        {"\\39DKW^)N_", 3548879868L, "10.0.1.3"},
        {"EM75N0+[X1", 1558531507L, "10.0.1.4"},
        {"`,SS]NBP,b", 1883545960L, "10.0.1.1"},
        {"XX1a9LT+F?", 653487707L, "10.0.1.5"},
        {"Zc\\-,F-c6V", 1160802451L, "10.0.1.5"},
        {"1*RTMC7,03", 1602398012L, "10.0.1.8"},
        {"*Xc+V0P>32", 536016577L, "10.0.1.7"},
        {"U))Fb-(`,.", 4128682289L, "10.0.1.7"},
        {"R-08RNTaRT", 3718170086L, "10.0.1.5"},
        {"(LHcO203I3", 1007779411L, "10.0.1.5"},
        {"=256P+;Qc8", 3976201210L, "10.0.1.5"},
        {"OI5XZ_BBT(", 2155922164L, "10.0.1.7"},
        {"2TLRL/UL;:", 1086800909L, "10.0.1.7"},
        {"WHD\\O1`ZRW", 3087923411L, "10.0.1.5"},
        {".=54)_c;=T", 2497691631L, "10.0.1.1"},
        {";G<W-XWZ@b", 2888169733L, "10.0.1.5"},
        {"(,>E`)FT\\4", 580747448L, "10.0.1.2"},
        {"HZAU*;P*N]", 2564670474L, "10.0.1.7"},
        {"NZ@ZE=O84_", 533335275L, "10.0.1.7"},
        {"6,cEI`F_P>", 3972869246L, "10.0.1.6"},
        {"c,5AQ/T5)6", 2835605783L, "10.0.1.8"},
        {".O,>>BT)RX", 3857978174L, "10.0.1.5"},
    };

    private static final List<String> LIBMEMCACHED_SERVERS = List.of(
            "10.0.1.1:11211", "10.0.1.2:11211", "10.0.1.3:11211", "10.0.1.4:11211",
            "10.0.1.5:11211", "10.0.1.6:11211", "10.0.1.7:11211", "10.0.1.8:11211");
    private static final List<Integer> LIBMEMCACHED_WEIGHTS = List.of(600, 300, 200, 350, 1000, 800, 950, 100);

    @Test
    void reproducesLibmemcachedPublishedKetamaVector() {
        KetamaLocator locator = KetamaLocator.libmemcachedWeighted(LIBMEMCACHED_SERVERS, LIBMEMCACHED_WEIGHTS);
        for (Object[] testCase : LIBMEMCACHED_KETAMA_CASES) {
            byte[] key = ((String) testCase[0]).getBytes(StandardCharsets.US_ASCII);
            assertEquals((long) testCase[1], Hashes.ketamaHash(key, 0, key.length), "hash of " + testCase[0]);
            String server = LIBMEMCACHED_SERVERS.get(locator.shardOf(key, 0, key.length));
            assertEquals(testCase[2] + ":11211", server, "server of " + testCase[0]);
        }
    }

    @Test
    void wrapsPastTheLastPointToTheFirst() {
        // From the same libmemcached test: "VDEAAAAA hashes to fffcd1b5, after the last continuum point".
        KetamaLocator locator = KetamaLocator.libmemcachedWeighted(LIBMEMCACHED_SERVERS, LIBMEMCACHED_WEIGHTS);
        byte[] key = "VDEAAAAA".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xfffcd1b5L, Hashes.ketamaHash(key, 0, key.length));
        assertEquals(locator.ownerOfLowestPoint(), locator.shardOf(key, 0, key.length));
    }

    @Test
    void equalWeightsFollowLibmemcachedFloatRounding() {
        // update_continuum computes floor(1/n * 160 / 4 * n) in float: 40 for most n, but 39.999998 -> 39
        // for n = 25, so each of 25 servers gets 156 points. A faithful copy must do the same.
        assertEquals(4 * 160, KetamaLocator.libmemcached(names(4)).pointCount(), 2);
        assertEquals(25 * 156, KetamaLocator.libmemcached(names(25)).pointCount(), 2);
        assertEquals(25 * 160, KetamaLocator.spymemcached(names(25)).pointCount(), 2);
    }

    private static List<String> names(int n) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add("10.1.0." + i + ":11211");
        }
        return names;
    }

    @Test
    void libmemcachedPointNames() {
        assertEquals("10.0.1.1-", KetamaLocator.libmemcachedPointPrefix("10.0.1.1:11211"));
        assertEquals("10.0.1.1-", KetamaLocator.libmemcachedPointPrefix("10.0.1.1"));
        assertEquals("cache:11212-", KetamaLocator.libmemcachedPointPrefix("cache:11212"));
        assertEquals("::1:11212-", KetamaLocator.libmemcachedPointPrefix("[::1]:11212"));
        assertThrows(IllegalArgumentException.class, () -> KetamaLocator.libmemcachedPointPrefix("::1"));
        assertThrows(IllegalArgumentException.class, () -> KetamaLocator.libmemcachedPointPrefix("host:x"));
    }

    @ParameterizedTest
    @EnumSource(value = HashPreset.class, names = {"KETAMA_SPYMEMCACHED", "KETAMA_LIBMEMCACHED"})
    void spreadsKeysEvenly(HashPreset preset) {
        Distribution.assertEven(Locators.create(preset, nodes(4)), 100_000, 0.15, 0.35);
    }

    @ParameterizedTest
    @EnumSource(value = HashPreset.class, names = {"KETAMA_SPYMEMCACHED", "KETAMA_LIBMEMCACHED"})
    void removingANodeMovesOnlyItsKeys(HashPreset preset) {
        List<String> all = nodes(5);
        int removed = 2;
        List<String> remaining = new ArrayList<>(all);
        remaining.remove(removed);
        ShardLocator before = Locators.create(preset, all);
        ShardLocator after = Locators.create(preset, remaining);
        int moved = 0;
        for (String key : TestKeys.mixed(20_000, 7)) {
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            String oldOwner = all.get(before.shardOf(bytes, 0, bytes.length));
            String newOwner = remaining.get(after.shardOf(bytes, 0, bytes.length));
            if (oldOwner.equals(all.get(removed))) {
                moved++;
            } else if (!oldOwner.equals(newOwner)) {
                fail("key '" + key + "' moved from " + oldOwner + " to " + newOwner);
            }
        }
        assertTrue(moved > 0, "the removed node owned no key");
    }

    @Test
    void honoursOffsetAndLength() {
        ShardLocator locator = Locators.create(HashPreset.KETAMA_SPYMEMCACHED, nodes(5));
        for (String key : TestKeys.mixed(1_000, 3)) {
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            byte[] framed = new byte[bytes.length + 30];
            System.arraycopy(bytes, 0, framed, 24, bytes.length);
            assertEquals(locator.shardOf(bytes, 0, bytes.length), locator.shardOf(framed, 24, bytes.length));
        }
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> KetamaLocator.spymemcached(List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> KetamaLocator.libmemcachedWeighted(List.of("a:1", "b:1"), List.of(1)));
        assertThrows(IllegalArgumentException.class,
                () -> KetamaLocator.libmemcachedWeighted(List.of("a:1"), List.of(0)));
    }

    @Test
    void singleNodeOwnsEverything() {
        ShardLocator locator = KetamaLocator.libmemcached(Collections.singletonList("a:11211"));
        assertEquals(1, locator.shardCount());
        assertEquals(0, locator.shardOf(new byte[] {1, 2, 3}, 0, 3));
    }

    static List<String> nodes(int count) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add("10.0.0." + (i + 1) + ":11211");
        }
        return names;
    }
}
