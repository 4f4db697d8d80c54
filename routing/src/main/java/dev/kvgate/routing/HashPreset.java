package dev.kvgate.routing;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The key distributions kvgate can reproduce, named after the client whose placement they match so
 * that a gateway can take over from existing clients without moving data.
 */
public enum HashPreset {
    /** spymemcached's {@code KetamaNodeLocator} with {@code KETAMA_HASH} and default configuration. */
    KETAMA_SPYMEMCACHED("ketama-spymemcached"),
    /** libmemcached's weighted ketama (pylibmc, PHP memcached with libketama compatibility), equal weights. */
    KETAMA_LIBMEMCACHED("ketama-libmemcached"),
    /** Couchbase-style CRC32 vbuckets (1024) assigned to nodes round-robin. */
    VBUCKET_CRC32("vbucket"),
    /** libmemcached/spymemcached CRC hash modulo the node count: moves most keys on any change. */
    MODULO_CRC32("modulo");

    private static final String ALIAS_KETAMA = "ketama";

    private final String configName;

    HashPreset(String configName) {
        this.configName = configName;
    }

    /** The name used in configuration files. */
    public String configName() {
        return configName;
    }

    /**
     * Parses a configuration name; "ketama" means spymemcached's variant because it is the one
     * Java clients default to.
     */
    public static HashPreset of(String configName) {
        if (ALIAS_KETAMA.equals(configName)) {
            return KETAMA_SPYMEMCACHED;
        }
        for (HashPreset preset : values()) {
            if (preset.configName.equals(configName)) {
                return preset;
            }
        }
        throw new IllegalArgumentException("unknown hash preset '" + configName + "'; valid: " + validNames());
    }

    static String validNames() {
        return ALIAS_KETAMA + ", " + Arrays.stream(values()).map(HashPreset::configName)
                .collect(Collectors.joining(", "));
    }
}
