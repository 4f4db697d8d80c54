package dev.kvgate.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HashPresetTest {

    @Test
    void parsesConfigNames() {
        assertEquals(HashPreset.KETAMA_SPYMEMCACHED, HashPreset.of("ketama"));
        assertEquals(HashPreset.KETAMA_SPYMEMCACHED, HashPreset.of("ketama-spymemcached"));
        assertEquals(HashPreset.KETAMA_LIBMEMCACHED, HashPreset.of("ketama-libmemcached"));
        assertEquals(HashPreset.VBUCKET_CRC32, HashPreset.of("vbucket"));
        assertEquals(HashPreset.MODULO_CRC32, HashPreset.of("modulo"));
        for (HashPreset preset : HashPreset.values()) {
            assertEquals(preset, HashPreset.of(preset.configName()));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "KETAMA", "consistent", "ketama_libmemcached", "modula"})
    void rejectsUnknownNamesListingValidOnes(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HashPreset.of(name));
        for (String valid : List.of("ketama", "ketama-spymemcached", "ketama-libmemcached", "vbucket", "modulo")) {
            assertTrue(e.getMessage().contains(valid), e.getMessage());
        }
    }

    @Test
    void nullIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> HashPreset.of(null));
    }

    @Test
    void locatorsCreateEachPreset() {
        List<String> nodes = List.of("10.0.0.1:11211", "10.0.0.2:11211", "10.0.0.3:11211");
        assertInstanceOf(KetamaLocator.class, Locators.create(HashPreset.KETAMA_SPYMEMCACHED, nodes));
        assertInstanceOf(KetamaLocator.class, Locators.create(HashPreset.KETAMA_LIBMEMCACHED, nodes));
        assertInstanceOf(VBucketLocator.class, Locators.create(HashPreset.VBUCKET_CRC32, nodes));
        assertInstanceOf(ModuloLocator.class, Locators.create(HashPreset.MODULO_CRC32, nodes));
        for (HashPreset preset : HashPreset.values()) {
            assertEquals(3, Locators.create(preset, nodes).shardCount(), preset.name());
        }
    }
}
