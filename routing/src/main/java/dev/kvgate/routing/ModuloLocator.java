package dev.kvgate.routing;

/**
 * CRC hash modulo the node count: matches libmemcached's MEMCACHED_DISTRIBUTION_MODULA with
 * MEMCACHED_HASH_CRC and spymemcached's {@code ArrayModNodeLocator} with {@code CRC_HASH}, for
 * deployments that never adopted consistent hashing (any node change moves most keys).
 */
public final class ModuloLocator implements ShardLocator {

    private final int nodeCount;

    public ModuloLocator(int nodeCount) {
        if (nodeCount < 1) {
            throw new IllegalArgumentException("need at least one node: " + nodeCount);
        }
        this.nodeCount = nodeCount;
    }

    @Override
    public int shardOf(byte[] key, int offset, int length) {
        return Hashes.crcHash(key, offset, length) % nodeCount;
    }

    @Override
    public int shardOf(byte[] key, int offset, int length, KeyHashState state) {
        return state.crcHash(key, offset, length) % nodeCount;
    }

    @Override
    public int shardCount() {
        return nodeCount;
    }
}
