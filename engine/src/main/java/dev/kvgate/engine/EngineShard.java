package dev.kvgate.engine;

import dev.kvgate.mcbp.Mcbp;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.function.Consumer;

/**
 * One in-process memcached-compatible store, answering binary-protocol frames as memcached 1.6 does on
 * one connection. Thread-safe: called from several event loops.
 *
 * <p>Behaviour follows memcached 1.6 ({@code proto_bin.c}, {@code do_store_item}, {@code do_add_delta},
 * {@code realtime}), including its quirks: a CAS on SET/ADD/REPLACE turns them into a compare-and-swap,
 * a failed SET (too large, no memory) removes the old value, INCREMENT/DECREMENT pad a shorter result
 * with spaces in place, a flush delay takes effect one second early, and VERBOSITY, HELLO and the SASL
 * opcodes are unknown commands. Where memcached closes the connection after a protocol error, the
 * engine only sends the error response; closing is the caller's decision.
 *
 * <p>Memory: each item is accounted as key + value + {@link #ITEM_OVERHEAD} bytes, the total never
 * exceeds the limit, and the least recently used items (read or written) are evicted to make room.
 * Values live in heap arrays, so nothing needs releasing; {@link #close()} drops every item.
 *
 * <p>Locking: one lock per shard, held for the table and LRU update only; values are copied from the
 * request before it is taken and responses are built after it is released.
 *
 * <p>The work is split three ways: {@link ItemStore} (table, LRU, memory, expiry, counters),
 * {@link BinaryCommands} (parsing and the commands), {@link StatsWriter} (the STAT groups).
 */
public final class EngineShard implements AutoCloseable {

    /** What VERSION answers: the memcached release whose behaviour the engine follows. */
    public static final String VERSION = "1.6.18-kvgate";

    /** Bytes accounted to every item on top of its key and value, about memcached's item header with CAS. */
    public static final int ITEM_OVERHEAD = 56;

    /** The smallest memory limit: room for one counter (20 digits) under the longest key. */
    public static final long MIN_MEMORY_LIMIT = ITEM_OVERHEAD + Mcbp.MAX_KEY_LENGTH + 20;

    /** Expiry times up to 30 days are relative seconds; larger ones are absolute Unix times. */
    static final long MAX_RELATIVE_EXPIRY = ItemStore.MAX_RELATIVE_EXPIRY;

    private final String name;
    private final ItemStore store;
    private final BinaryCommands commands;

    public EngineShard(String name, long memoryLimitBytes, int maxItemSize, EngineClock clock) {
        if (memoryLimitBytes < MIN_MEMORY_LIMIT) {
            // Below this a counter could not be created or grown, which memcached never refuses.
            throw new IllegalArgumentException("memory limit must be at least " + MIN_MEMORY_LIMIT
                    + " bytes: " + memoryLimitBytes);
        }
        if (maxItemSize <= 0) {
            throw new IllegalArgumentException("max item size must be positive: " + maxItemSize);
        }
        this.name = name;
        this.store = new ItemStore(memoryLimitBytes, maxItemSize, clock);
        this.commands = new BinaryCommands(store, new StatsWriter(store));
    }

    public String name() {
        return name;
    }

    public long memoryLimit() {
        return store.memoryLimit;
    }

    public int maxItemSize() {
        return store.maxItemSize;
    }

    /** The memory accounted to an item with this key and value length. */
    public static long itemSize(int keyLength, int valueLength) {
        return (long) keyLength + valueLength + ITEM_OVERHEAD;
    }

    /**
     * Executes one complete request frame (24-byte header + body; magic 0x80, or 0x08 with framing
     * extras which are skipped) as memcached 1.6 would on one connection. Does not take ownership of
     * {@code request}. For each response memcached would send, calls {@code sink.accept(frame)} with a
     * new buffer of exact size, allocated from {@code alloc}, that the sink then owns. Quiet commands
     * that succeed (or GETQ/GETKQ/GATQ/GATKQ misses) emit nothing. STAT emits one frame per stat and an
     * empty terminator frame. QUIT answers and QUITQ stays silent; the caller closes.
     *
     * @throws IllegalArgumentException if {@code request} does not hold one whole frame
     */
    public void execute(ByteBuf request, ByteBufAllocator alloc, Consumer<ByteBuf> sink) {
        commands.execute(request, alloc, sink);
    }

    /** Drops every item. The shard stays usable; with heap-held values there is nothing else to free. */
    @Override
    public void close() {
        synchronized (store.lock) {
            store.clearAll();
        }
    }

    public EngineStats stats() {
        return store.stats();
    }

    /** memcached's {@code safe_strtoull} on a stored counter; null for a non-numeric value. */
    static Long parseCounter(byte[] value) {
        return BinaryCommands.parseCounter(value);
    }
}
