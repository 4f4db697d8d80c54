package dev.kvgate.routing;

import java.util.List;

/** Builds the locator for a configured preset, so callers never depend on a concrete locator class. */
public final class Locators {

    private Locators() {
    }

    /**
     * @param nodeNames backend names in configuration order ("host:port"); the returned shard indexes
     *     refer to this list. For {@link HashPreset#KETAMA_SPYMEMCACHED} the name must be spelled as
     *     spymemcached prints the node's address, see {@link KetamaLocator}.
     */
    public static ShardLocator create(HashPreset preset, List<String> nodeNames) {
        return switch (preset) {
            case KETAMA_SPYMEMCACHED -> KetamaLocator.spymemcached(nodeNames);
            case KETAMA_LIBMEMCACHED -> KetamaLocator.libmemcached(nodeNames);
            case VBUCKET_CRC32 -> new VBucketLocator(nodeNames.size());
            case MODULO_CRC32 -> new ModuloLocator(nodeNames.size());
        };
    }
}
