package dev.kvgate.routing;

/**
 * Maps a key to the backend shard that owns it; implementations are immutable and called on event
 * loops once per request, so they neither lock nor allocate per call.
 */
public interface ShardLocator {

    /** Index (0-based, into the node list given at construction) of the shard owning this key. */
    int shardOf(byte[] key, int offset, int length);

    int shardCount();
}
