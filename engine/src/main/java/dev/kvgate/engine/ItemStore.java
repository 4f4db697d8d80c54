package dev.kvgate.engine;

import java.util.HashMap;
import java.util.Map;

/**
 * The items of one embedded shard: the hash table, the LRU list, the memory accounting, CAS ids, the
 * flush mark and memcached's counters, with memcached 1.6's expiry rules ({@code realtime}).
 *
 * <p>Locking: {@link #lock} guards every field below it. {@link BinaryCommands} and {@link StatsWriter}
 * call the table and LRU methods and update the counters inside {@code synchronized (lock)}. Values
 * live in heap arrays, so nothing needs releasing.
 */
final class ItemStore {

    /** Expiry times up to 30 days are relative seconds; larger ones are absolute Unix times. */
    static final long MAX_RELATIVE_EXPIRY = 60L * 60 * 24 * 30;

    /** An expiry that is already past, whatever the time (memcached's {@code realtime()} returns 1). */
    static final long ALREADY_EXPIRED = Long.MIN_VALUE;

    /** memcached sets {@code process_started} this many seconds before its real start (ITEM_UPDATE_INTERVAL + 2). */
    private static final long PROCESS_START_BACKDATE = 62;

    final long memoryLimit;
    final int maxItemSize;
    private final EngineClock clock;
    final long startedAt;
    private final long processStarted;

    final Object lock = new Object();
    // Everything below is guarded by lock.
    final Map<Key, Item> table = new HashMap<>();
    private Item newest;
    Item oldest;
    long bytes;
    private long lastCas;
    /** memcached's {@code settings.oldest_live} in epoch seconds; 0 when no flush is pending or in force. */
    long oldestLive;
    Counters counters = new Counters();

    ItemStore(long memoryLimit, int maxItemSize, EngineClock clock) {
        this.memoryLimit = memoryLimit;
        this.maxItemSize = maxItemSize;
        this.clock = clock;
        this.startedAt = nowSeconds();
        this.processStarted = startedAt - PROCESS_START_BACKDATE;
    }

    /** A consistent snapshot of the counters and sizes. */
    EngineStats stats() {
        synchronized (lock) {
            Counters c = counters;
            return new EngineStats(table.size(), c.totalItems, bytes, memoryLimit, c.evictions, c.reclaimed,
                    c.cmdGet, c.cmdSet, c.cmdFlush, c.cmdTouch, c.getHits, c.getMisses, c.getExpired,
                    c.getFlushed, c.deleteHits, c.deleteMisses, c.incrHits, c.incrMisses, c.decrHits,
                    c.decrMisses, c.casHits, c.casMisses, c.casBadval, c.touchHits, c.touchMisses,
                    c.storeTooLarge, c.storeNoMemory);
        }
    }

    // ---- time ----

    long nowSeconds() {
        return Math.floorDiv(clock.nowMillis(), 1000L);
    }

    /** memcached's {@code realtime()}: 0 never, up to 30 days relative, beyond that absolute Unix time. */
    long expiry(long exptime, long now) {
        if (exptime == 0) {
            return 0;
        }
        if (exptime > MAX_RELATIVE_EXPIRY) {
            return exptime <= processStarted ? ALREADY_EXPIRED : exptime;
        }
        return now + exptime;
    }

    // ---- table and LRU, all called with lock held ----

    /** The live item for {@code key}, or null; an expired or flushed item found on the way is removed. */
    Item lookup(Key key, long now) {
        Item item = table.get(key);
        if (item == null) {
            return null;
        }
        if (expired(item, now)) {
            counters.getExpired++;
            unlink(item);
            return null;
        }
        if (flushed(item, now)) {
            counters.getFlushed++;
            unlink(item);
            return null;
        }
        return item;
    }

    static boolean expired(Item item, long now) {
        return item.expiresAt != 0 && item.expiresAt <= now;
    }

    boolean flushed(Item item, long now) {
        return oldestLive != 0 && oldestLive <= now && item.storedAt <= oldestLive;
    }

    long nextCas() {
        return ++lastCas;
    }

    /** Links a new item; counts towards {@code total_items}. */
    void link(Item item, long now) {
        relink(item, now);
        counters.totalItems++;
    }

    /**
     * Makes room for {@code item}, evicting from the least recently used end, and links it as the newest.
     * Alone it stands for memcached's in-place update, which is not a new item.
     */
    void relink(Item item, long now) {
        long size = item.size();
        if (size > memoryLimit) {
            throw new IllegalStateException("item of " + size + " bytes cannot fit in " + memoryLimit);
        }
        while (bytes + size > memoryLimit && oldest != null) {
            Item victim = oldest;
            if (expired(victim, now) || flushed(victim, now)) {
                counters.reclaimed++;
            } else {
                counters.evictions++;
            }
            unlink(victim);
        }
        table.put(item.key, item);
        item.older = newest;
        item.newer = null;
        if (newest != null) {
            newest.newer = item;
        } else {
            oldest = item;
        }
        newest = item;
        bytes += size;
    }

    void unlink(Item item) {
        table.remove(item.key);
        detach(item);
        bytes -= item.size();
    }

    /** Moves {@code item} to the most recently used end. */
    void bump(Item item) {
        if (item == newest) {
            return;
        }
        detach(item);
        item.older = newest;
        newest.newer = item;
        newest = item;
    }

    private void detach(Item item) {
        if (item.newer != null) {
            item.newer.older = item.older;
        } else {
            newest = item.older;
        }
        if (item.older != null) {
            item.older.newer = item.newer;
        } else {
            oldest = item.newer;
        }
        item.newer = null;
        item.older = null;
    }

    void clearAll() {
        table.clear();
        Item item = newest;
        while (item != null) {
            Item next = item.older;
            item.newer = null;
            item.older = null;
            item = next;
        }
        newest = null;
        oldest = null;
        bytes = 0;
    }

    /** Counters memcached resets on "stats reset". */
    static final class Counters {
        long totalItems;
        long evictions;
        long reclaimed;
        long cmdGet;
        long cmdSet;
        long cmdFlush;
        long cmdTouch;
        long getHits;
        long getMisses;
        long getExpired;
        long getFlushed;
        long deleteHits;
        long deleteMisses;
        long incrHits;
        long incrMisses;
        long decrHits;
        long decrMisses;
        long casHits;
        long casMisses;
        long casBadval;
        long touchHits;
        long touchMisses;
        long storeTooLarge;
        long storeNoMemory;
    }
}
