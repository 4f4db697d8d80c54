package dev.kvgate.routing;

/**
 * Maps a key to the backend shard that owns it; implementations are immutable and called on event
 * loops once per request, so they neither lock nor allocate per call.
 */
public interface ShardLocator {

    /** Index (0-based, into the node list given at construction) of the shard owning this key. */
    int shardOf(byte[] key, int offset, int length);

    /**
     * The same, hashing with the caller's own scratch state (one per event loop) instead of a
     * per-thread one.
     */
    default int shardOf(byte[] key, int offset, int length, KeyHashState state) {
        return shardOf(key, offset, length);
    }

    int shardCount();
}
