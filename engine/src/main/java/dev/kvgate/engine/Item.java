package dev.kvgate.engine;

/**
 * One stored item and its place in the shard's LRU list.
 *
 * <p>The value is a heap array that is never written after construction: a mutation links a new
 * {@code Item}, so a response can be built from an item after the shard lock is released. Heap arrays
 * also mean nothing has to be released on delete, eviction, overwrite or flush.
 */
final class Item {
    final Key key;
    /** Immutable once the item is linked. */
    final byte[] value;
    final int flags;
    final long cas;
    /** When the item was stored, in epoch seconds: a delayed flush invalidates items stored up to its time. */
    final long storedAt;

    /** Epoch seconds at which the item expires, 0 for never; guarded by the shard lock (TOUCH changes it). */
    long expiresAt;
    /** LRU neighbours, guarded by the shard lock: {@code newer} is towards the most recently used end. */
    Item newer;
    Item older;

    Item(Key key, byte[] value, int flags, long cas, long expiresAt, long storedAt) {
        this.key = key;
        this.value = value;
        this.flags = flags;
        this.cas = cas;
        this.expiresAt = expiresAt;
        this.storedAt = storedAt;
    }

    /** The memory this item is accounted for. */
    long size() {
        return EngineShard.itemSize(key.length(), value.length);
    }
}
