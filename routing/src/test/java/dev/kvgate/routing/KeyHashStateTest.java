package dev.kvgate.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** An event loop's own hash state places every key where the per-thread one does. */
class KeyHashStateTest {
    private static final List<String> NODES = List.of("10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211",
            "10.0.0.4:11211", "10.0.0.5:11211");

    private static byte[][] keys() {
        Random random = new Random(3);
        byte[][] keys = new byte[2000][];
        for (int i = 0; i < keys.length; i++) {
            byte[] k = new byte[1 + random.nextInt(250)];
            random.nextBytes(k); // also bytes of 0x80 and more, and ill-formed UTF-8
            keys[i] = k;
        }
        return keys;
    }

    @ParameterizedTest
    @EnumSource(HashPreset.class)
    void everyPresetPlacesEveryKeyAsWithoutTheState(HashPreset preset) {
        ShardLocator locator = Locators.create(preset, NODES);
        KeyHashState state = new KeyHashState();
        for (byte[] k : keys()) {
            assertEquals(locator.shardOf(k, 0, k.length), locator.shardOf(k, 0, k.length, state));
        }
    }

    @ParameterizedTest
    @EnumSource(KeyHash.class)
    void everyKeyHashIsTheSameWithTheState(KeyHash hash) {
        KeyHashState state = new KeyHashState();
        for (byte[] k : keys()) {
            // An offset inside a larger array, as the gateway's scratch array is used.
            byte[] padded = new byte[k.length + 3];
            System.arraycopy(k, 0, padded, 3, k.length);
            assertEquals(hash.hash(k, 0, k.length), hash.hash(state, padded, 3, k.length));
        }
    }

    @Test
    void rendezvousPlacesLongKeysWithAGrownScratchArray() {
        ShardLocator locator = new RendezvousLocator(NODES);
        KeyHashState state = new KeyHashState();
        byte[] k = new byte[1000];
        new Random(9).nextBytes(k);
        assertEquals(locator.shardOf(k, 0, k.length), locator.shardOf(k, 0, k.length, state));
    }
}
