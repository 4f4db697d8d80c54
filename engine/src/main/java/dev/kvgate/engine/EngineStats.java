package dev.kvgate.engine;

/**
 * A consistent snapshot of one {@link EngineShard}'s counters, named after memcached's general stats
 * ({@code curr_items}, {@code get_hits}, ...).
 *
 * @param currItems items stored now (memcached {@code curr_items})
 * @param totalItems items ever stored (memcached {@code total_items})
 * @param bytes memory accounted to stored items: key + value + {@link EngineShard#ITEM_OVERHEAD} each
 * @param limitMaxbytes the memory limit ({@code limit_maxbytes})
 * @param evictions live items removed to make room
 * @param reclaimed expired or flushed items whose memory was reused for a new item
 */
public record EngineStats(
        long currItems,
        long totalItems,
        long bytes,
        long limitMaxbytes,
        long evictions,
        long reclaimed,
        long cmdGet,
        long cmdSet,
        long cmdFlush,
        long cmdTouch,
        long getHits,
        long getMisses,
        long getExpired,
        long getFlushed,
        long deleteHits,
        long deleteMisses,
        long incrHits,
        long incrMisses,
        long decrHits,
        long decrMisses,
        long casHits,
        long casMisses,
        long casBadval,
        long touchHits,
        long touchMisses,
        long storeTooLarge,
        long storeNoMemory) {

    /** Same as {@link #currItems()}. */
    public long items() {
        return currItems;
    }

    /** Same as {@link #getHits()}. */
    public long hits() {
        return getHits;
    }

    /** Same as {@link #getMisses()}. */
    public long misses() {
        return getMisses;
    }
}
