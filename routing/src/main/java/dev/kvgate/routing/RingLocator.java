package dev.kvgate.routing;

/** A key hash onto a {@link Continuum}: the shape of every ketama-style client's placement. */
final class RingLocator implements ShardLocator {

    private final KeyHash keyHash;
    private final Continuum continuum;
    private final int shardCount;

    RingLocator(KeyHash keyHash, Continuum continuum, int shardCount) {
        this.keyHash = keyHash;
        this.continuum = continuum;
        this.shardCount = shardCount;
    }

    @Override
    public int shardOf(byte[] key, int offset, int length) {
        if (shardCount == 1) {
            return 0;
        }
        return continuum.owner(keyHash.hash(key, offset, length));
    }

    @Override
    public int shardOf(byte[] key, int offset, int length, KeyHashState state) {
        if (shardCount == 1) {
            return 0;
        }
        return continuum.owner(keyHash.hash(state, key, offset, length));
    }

    @Override
    public int shardCount() {
        return shardCount;
    }

    int pointCount() {
        return continuum.size();
    }
}
