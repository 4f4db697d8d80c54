package dev.kvgate.gateway.engine;

import dev.kvgate.gateway.protocol.Magic;
import dev.kvgate.gateway.protocol.Mcbp;
import dev.kvgate.gateway.protocol.Opcode;
import dev.kvgate.gateway.protocol.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 */
public final class EngineShard implements AutoCloseable {

    /** What VERSION answers: the memcached release whose behaviour the engine follows. */
    public static final String VERSION = "1.6.18-kvgate";

    /** Bytes accounted to every item on top of its key and value, about memcached's item header with CAS. */
    public static final int ITEM_OVERHEAD = 56;

    /** The smallest memory limit: room for one counter (20 digits) under the longest key. */
    public static final long MIN_MEMORY_LIMIT = ITEM_OVERHEAD + Mcbp.MAX_KEY_LENGTH + 20;

    /** Expiry times up to 30 days are relative seconds; larger ones are absolute Unix times. */
    static final long MAX_RELATIVE_EXPIRY = 60L * 60 * 24 * 30;

    /** INCREMENT/DECREMENT expiration that means "do not create a missing counter". */
    private static final long NO_CREATE = 0xffffffffL;

    /** An expiry that is already past, whatever the time (memcached's {@code realtime()} returns 1). */
    private static final long ALREADY_EXPIRED = Long.MIN_VALUE;

    /** memcached sets {@code process_started} this many seconds before its real start (ITEM_UPDATE_INTERVAL + 2). */
    private static final long PROCESS_START_BACKDATE = 62;

    private static final int SET_EXTRAS = 8;
    private static final int TOUCH_EXTRAS = 4;
    private static final int FLUSH_EXTRAS = 4;
    private static final int ARITHMETIC_EXTRAS = 20;
    private static final String OUT_OF_MEMORY_TEXT = "Out of memory allocating item";
    private static final long MAX_DIV_10 = Long.divideUnsigned(-1L, 10);
    private static final long MAX_MOD_10 = Long.remainderUnsigned(-1L, 10);

    private final String name;
    private final long memoryLimit;
    private final int maxItemSize;
    private final EngineClock clock;
    private final long startedAt;
    private final long processStarted;

    private final Object lock = new Object();
    // Everything below is guarded by lock.
    private final Map<Key, Item> table = new HashMap<>();
    private Item newest;
    private Item oldest;
    private long bytes;
    private long lastCas;
    /** memcached's {@code settings.oldest_live} in epoch seconds; 0 when no flush is pending or in force. */
    private long oldestLive;
    private Counters counters = new Counters();

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
        this.memoryLimit = memoryLimitBytes;
        this.maxItemSize = maxItemSize;
        this.clock = clock;
        this.startedAt = nowSeconds();
        this.processStarted = startedAt - PROCESS_START_BACKDATE;
    }

    public String name() {
        return name;
    }

    public long memoryLimit() {
        return memoryLimit;
    }

    public int maxItemSize() {
        return maxItemSize;
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
        int readable = request.readableBytes();
        if (readable < Mcbp.HEADER_SIZE || readable < Mcbp.HEADER_SIZE + Mcbp.bodyLength(request)) {
            throw new IllegalArgumentException("not a whole frame: " + readable + " readable bytes");
        }
        byte code = Mcbp.opcode(request);
        int opaque = Mcbp.opaque(request);
        if (!Magic.isRequest(Mcbp.magic(request))) {
            sink.accept(EngineResponses.error(alloc, code, opaque, Status.INVALID_ARGUMENTS));
            return;
        }
        long bodyLength = Mcbp.bodyLength(request);
        int framing = Mcbp.framingExtrasLength(request);
        int extras = Mcbp.extrasLength(request);
        int keyLength = Mcbp.keyLength(request);
        if ((long) framing + extras + keyLength > bodyLength) {
            // memcached answers a body too short for its key and extras this way (and closes).
            sink.accept(EngineResponses.error(alloc, code, opaque, Status.UNKNOWN_COMMAND));
            return;
        }
        if (keyLength > Mcbp.MAX_KEY_LENGTH) {
            sink.accept(EngineResponses.error(alloc, code, opaque, Status.INVALID_ARGUMENTS));
            return;
        }
        Request r = new Request(request, code, opaque, Mcbp.cas(request), Mcbp.extrasIndex(request), extras,
                keyLength, (int) bodyLength - framing);
        Opcode op = Opcode.of(code);
        if (op == null) {
            sink.accept(EngineResponses.error(alloc, code, opaque, Status.UNKNOWN_COMMAND));
            return;
        }
        if (!valid(op, r)) {
            sink.accept(EngineResponses.error(alloc, code, opaque, Status.INVALID_ARGUMENTS));
            return;
        }
        switch (op) {
            case GET, GETQ, GETK, GETKQ ->
                    getOrTouch(r, alloc, sink, false, op == Opcode.GETK || op == Opcode.GETKQ, true, op.quiet());
            case TOUCH -> getOrTouch(r, alloc, sink, true, false, false, false);
            case GAT, GATQ, GATK, GATKQ ->
                    getOrTouch(r, alloc, sink, true, op == Opcode.GATK || op == Opcode.GATKQ, true, op.quiet());
            case SET, SETQ -> store(r, alloc, sink, StoreMode.SET, op.quiet());
            case ADD, ADDQ -> store(r, alloc, sink, StoreMode.ADD, op.quiet());
            case REPLACE, REPLACEQ -> store(r, alloc, sink, StoreMode.REPLACE, op.quiet());
            case APPEND, APPENDQ -> concat(r, alloc, sink, true, op.quiet());
            case PREPEND, PREPENDQ -> concat(r, alloc, sink, false, op.quiet());
            case DELETE, DELETEQ -> delete(r, alloc, sink, op.quiet());
            case INCREMENT, INCREMENTQ -> arithmetic(r, alloc, sink, true, op.quiet());
            case DECREMENT, DECREMENTQ -> arithmetic(r, alloc, sink, false, op.quiet());
            case FLUSH, FLUSHQ -> flush(r, alloc, sink, op.quiet());
            case NOOP, QUIT -> sink.accept(EngineResponses.success(alloc, code, opaque, 0));
            case QUITQ -> {
                // memcached closes without answering.
            }
            case VERSION -> sink.accept(EngineResponses.body(alloc, code, opaque,
                    VERSION.getBytes(StandardCharsets.US_ASCII)));
            case STAT -> stat(r, alloc, sink);
            default -> sink.accept(EngineResponses.error(alloc, code, opaque, Status.UNKNOWN_COMMAND));
        }
    }

    /** Drops every item. The shard stays usable; with heap-held values there is nothing else to free. */
    @Override
    public void close() {
        synchronized (lock) {
            clearAll();
        }
    }

    public EngineStats stats() {
        synchronized (lock) {
            Counters c = counters;
            return new EngineStats(table.size(), c.totalItems, bytes, memoryLimit, c.evictions, c.reclaimed,
                    c.cmdGet, c.cmdSet, c.cmdFlush, c.cmdTouch, c.getHits, c.getMisses, c.getExpired,
                    c.getFlushed, c.deleteHits, c.deleteMisses, c.incrHits, c.incrMisses, c.decrHits,
                    c.decrMisses, c.casHits, c.casMisses, c.casBadval, c.touchHits, c.touchMisses,
                    c.storeTooLarge, c.storeNoMemory);
        }
    }

    // ---- validation, as memcached's dispatch_bin_command (lengths exclude framing extras) ----

    private static boolean valid(Opcode op, Request r) {
        int ext = r.extrasLength;
        int key = r.keyLength;
        int body = r.bodyLength;
        return switch (op) {
            case VERSION, NOOP, QUIT, QUITQ -> ext == 0 && key == 0 && body == 0;
            case FLUSH, FLUSHQ -> key == 0 && body == ext && (ext == 0 || ext == FLUSH_EXTRAS);
            case SET, SETQ, ADD, ADDQ, REPLACE, REPLACEQ -> ext == SET_EXTRAS && key != 0;
            case GET, GETQ, GETK, GETKQ -> ext == 0 && key > 0 && body == key;
            case DELETE, DELETEQ -> ext == 0 && key > 0 && body == key;
            case INCREMENT, INCREMENTQ, DECREMENT, DECREMENTQ ->
                    ext == ARITHMETIC_EXTRAS && key > 0 && body == key + ext;
            case APPEND, APPENDQ, PREPEND, PREPENDQ -> ext == 0 && key > 0;
            case STAT -> ext == 0;
            case TOUCH, GAT, GATQ, GATK, GATKQ -> ext == TOUCH_EXTRAS && key != 0;
            default -> true; // answered as unknown commands
        };
    }

    // ---- commands ----

    private void getOrTouch(Request r, ByteBufAllocator alloc, Consumer<ByteBuf> sink, boolean touch,
                            boolean returnKey, boolean returnValue, boolean quiet) {
        Key key = r.key();
        long now = nowSeconds();
        long exptime = touch ? r.extrasUnsignedInt(0) : 0;
        Item hit;
        synchronized (lock) {
            hit = lookup(key, now);
            if (hit != null) {
                bump(hit);
                if (touch) {
                    hit.expiresAt = expiry(exptime, now);
                }
            }
            Counters c = counters;
            if (touch) {
                c.cmdTouch++;
                if (hit != null) {
                    c.touchHits++;
                } else {
                    c.touchMisses++;
                }
            } else {
                c.cmdGet++;
                if (hit != null) {
                    c.getHits++;
                } else {
                    c.getMisses++;
                }
            }
        }
        if (hit != null) {
            sink.accept(EngineResponses.item(alloc, r.opcode, r.opaque, hit.cas, hit.flags,
                    returnKey ? key.bytes : null, returnValue ? hit.value : null));
        } else if (!quiet) {
            sink.accept(returnKey
                    ? EngineResponses.missWithKey(alloc, r.opcode, r.opaque, key.bytes)
                    : EngineResponses.error(alloc, r.opcode, r.opaque, Status.KEY_NOT_FOUND));
        }
    }

    private enum StoreMode { SET, ADD, REPLACE }

    private void store(Request r, ByteBufAllocator alloc, Consumer<ByteBuf> sink, StoreMode mode, boolean quiet) {
        Key key = r.key();
        int flags = r.extrasInt(0);
        long exptime = r.extrasUnsignedInt(4);
        int valueLength = r.valueLength();
        long now = nowSeconds();
        Status refusal = null;
        if (valueLength > maxItemSize) {
            refusal = Status.VALUE_TOO_LARGE;
        } else if (itemSize(key.length(), valueLength) > memoryLimit) {
            refusal = Status.OUT_OF_MEMORY;
        }
        if (refusal != null) {
            synchronized (lock) {
                if (refusal == Status.VALUE_TOO_LARGE) {
                    counters.storeTooLarge++;
                } else {
                    counters.storeNoMemory++;
                }
                if (mode == StoreMode.SET) {
                    // memcached drops the old value rather than keep serving stale data after a failed SET.
                    Item old = table.get(key);
                    if (old != null) {
                        unlink(old);
                    }
                }
            }
            sink.accept(refusal == Status.OUT_OF_MEMORY
                    ? EngineResponses.error(alloc, r.opcode, r.opaque, refusal, OUT_OF_MEMORY_TEXT)
                    : EngineResponses.error(alloc, r.opcode, r.opaque, refusal));
            return;
        }
        byte[] value = r.value();
        long casIn = r.cas;
        Status outcome;
        long casOut = 0;
        synchronized (lock) {
            Counters c = counters;
            c.cmdSet++;
            Item old = lookup(key, now);
            if (casIn != 0) {
                // memcached turns any of SET/ADD/REPLACE with a CAS into a compare-and-swap.
                if (old == null) {
                    c.casMisses++;
                    outcome = Status.KEY_NOT_FOUND;
                } else if (old.cas != casIn) {
                    c.casBadval++;
                    outcome = Status.KEY_EXISTS;
                } else {
                    c.casHits++;
                    outcome = Status.SUCCESS;
                }
            } else if (mode == StoreMode.ADD && old != null) {
                bump(old); // memcached promotes the item an ADD collided with
                outcome = Status.KEY_EXISTS;
            } else if (mode == StoreMode.REPLACE && old == null) {
                outcome = Status.KEY_NOT_FOUND;
            } else {
                outcome = Status.SUCCESS;
            }
            if (outcome == Status.SUCCESS) {
                if (old != null) {
                    unlink(old);
                }
                casOut = nextCas();
                link(new Item(key, value, flags, casOut, expiry(exptime, now), now), now);
            }
        }
        respond(r, alloc, sink, outcome, casOut, quiet);
    }

    private void concat(Request r, ByteBufAllocator alloc, Consumer<ByteBuf> sink, boolean append, boolean quiet) {
        Key key = r.key();
        int dataLength = r.valueLength();
        if (dataLength > maxItemSize) {
            synchronized (lock) {
                counters.storeTooLarge++;
            }
            sink.accept(EngineResponses.error(alloc, r.opcode, r.opaque, Status.VALUE_TOO_LARGE));
            return;
        }
        byte[] data = r.value();
        long now = nowSeconds();
        Status outcome;
        long casOut = 0;
        synchronized (lock) {
            counters.cmdSet++;
            Item old = lookup(key, now);
            if (old == null) {
                outcome = Status.ITEM_NOT_STORED;
            } else if (r.cas != 0 && r.cas != old.cas) {
                outcome = Status.KEY_EXISTS;
            } else {
                int combined = old.value.length + data.length;
                if (combined > maxItemSize || itemSize(key.length(), combined) > memoryLimit) {
                    outcome = Status.ITEM_NOT_STORED; // memcached: the combined item could not be allocated
                } else {
                    byte[] value = new byte[combined];
                    if (append) {
                        System.arraycopy(old.value, 0, value, 0, old.value.length);
                        System.arraycopy(data, 0, value, old.value.length, data.length);
                    } else {
                        System.arraycopy(data, 0, value, 0, data.length);
                        System.arraycopy(old.value, 0, value, data.length, old.value.length);
                    }
                    unlink(old);
                    casOut = nextCas();
                    link(new Item(key, value, old.flags, casOut, old.expiresAt, now), now);
                    outcome = Status.SUCCESS;
                }
            }
        }
        respond(r, alloc, sink, outcome, casOut, quiet);
    }

    private void delete(Request r, ByteBufAllocator alloc, Consumer<ByteBuf> sink, boolean quiet) {
        Key key = r.key();
        long now = nowSeconds();
        Status outcome;
        synchronized (lock) {
            Item old = lookup(key, now);
            if (old == null) {
                counters.deleteMisses++;
                outcome = Status.KEY_NOT_FOUND;
            } else if (r.cas != 0 && r.cas != old.cas) {
                outcome = Status.KEY_EXISTS;
            } else {
                counters.deleteHits++;
                unlink(old);
                outcome = Status.SUCCESS;
            }
        }
        // memcached answers a DELETE with CAS 0.
        respond(r, alloc, sink, outcome, 0, quiet);
    }

    private void arithmetic(Request r, ByteBufAllocator alloc, Consumer<ByteBuf> sink, boolean incr, boolean quiet) {
        Key key = r.key();
        long delta = r.extrasLong(0);
        long initial = r.extrasLong(8);
        long exptime = r.extrasUnsignedInt(16);
        long now = nowSeconds();
        Status outcome;
        long result = 0;
        long casOut = 0;
        synchronized (lock) {
            Counters c = counters;
            Item old = lookup(key, now);
            if (old == null) {
                byte[] digits = Long.toUnsignedString(initial).getBytes(StandardCharsets.US_ASCII);
                if (exptime == NO_CREATE) {
                    // memcached counts a miss only when it does not create the counter.
                    if (incr) {
                        c.incrMisses++;
                    } else {
                        c.decrMisses++;
                    }
                    outcome = Status.KEY_NOT_FOUND;
                } else {
                    result = initial;
                    casOut = nextCas();
                    link(new Item(key, digits, 0, casOut, expiry(exptime, now), now), now);
                    outcome = Status.SUCCESS;
                }
            } else if (old.value.length == 0) {
                outcome = Status.NON_NUMERIC;
            } else if (r.cas != 0 && r.cas != old.cas) {
                outcome = Status.KEY_EXISTS;
            } else {
                Long current = parseCounter(old.value);
                if (current == null) {
                    outcome = Status.NON_NUMERIC;
                } else {
                    if (incr) {
                        c.incrHits++;
                        result = current + delta; // wraps at 2^64 as memcached's uint64_t does
                    } else {
                        c.decrHits++;
                        result = Long.compareUnsigned(delta, current) > 0 ? 0 : current - delta;
                    }
                    byte[] digits = Long.toUnsignedString(result).getBytes(StandardCharsets.US_ASCII);
                    casOut = nextCas();
                    unlink(old);
                    if (digits.length <= old.value.length) {
                        // memcached rewrites a shorter number in place, padding with spaces to the old length.
                        byte[] padded = new byte[old.value.length];
                        System.arraycopy(digits, 0, padded, 0, digits.length);
                        for (int i = digits.length; i < padded.length; i++) {
                            padded[i] = ' ';
                        }
                        relink(new Item(key, padded, old.flags, casOut, old.expiresAt, old.storedAt), now);
                    } else {
                        link(new Item(key, digits, old.flags, casOut, old.expiresAt, now), now);
                    }
                    outcome = Status.SUCCESS;
                }
            }
        }
        if (outcome == Status.SUCCESS) {
            if (!quiet) {
                sink.accept(EngineResponses.counter(alloc, r.opcode, r.opaque, casOut, result));
            }
        } else {
            sink.accept(EngineResponses.error(alloc, r.opcode, r.opaque, outcome));
        }
    }

    private void flush(Request r, ByteBufAllocator alloc, Consumer<ByteBuf> sink, boolean quiet) {
        long delay = r.extrasLength == FLUSH_EXTRAS ? r.extrasUnsignedInt(0) : 0;
        long now = nowSeconds();
        synchronized (lock) {
            counters.cmdFlush++;
            long flushAt = delay > 0 ? expiry(delay, now) : now;
            // memcached: oldest_live = realtime(delay) - 1, and an absolute time before its start gives 0,
            // which disables flushing altogether (and cancels a pending delayed flush).
            oldestLive = flushAt == ALREADY_EXPIRED ? 0 : flushAt - 1;
            if (oldestLive != 0 && oldestLive <= now) {
                nextCas(); // memcached takes a CAS id as the "oldest_cas" mark
                clearAll();
            }
        }
        if (!quiet) {
            sink.accept(EngineResponses.success(alloc, r.opcode, r.opaque, 0));
        }
    }

    private void stat(Request r, ByteBufAllocator alloc, Consumer<ByteBuf> sink) {
        String group = new String(r.key().bytes, StandardCharsets.US_ASCII);
        List<String[]> stats = new ArrayList<>();
        if (group.isEmpty()) {
            generalStats(stats);
        } else if (group.startsWith("reset")) {
            synchronized (lock) {
                counters = new Counters();
            }
        } else if (group.startsWith("settings")) {
            settingsStats(stats);
        } else if (group.startsWith("detail")) {
            String sub = group.substring("detail".length());
            if (sub.startsWith(" dump")) {
                stats.add(new String[] {"detailed", "END\r\n"});
            } else if (!sub.startsWith(" on") && !sub.startsWith(" off")) {
                sink.accept(EngineResponses.error(alloc, r.opcode, r.opaque, Status.KEY_NOT_FOUND));
                return;
            }
        } else if (group.equals("items")) {
            itemStats(stats);
        } else if (group.equals("slabs")) {
            slabStats(stats);
        } else if (group.equals("sizes")) {
            stats.add(new String[] {"sizes_status", "disabled"});
        } else {
            sink.accept(EngineResponses.error(alloc, r.opcode, r.opaque, Status.KEY_NOT_FOUND));
            return;
        }
        for (String[] stat : stats) {
            sink.accept(EngineResponses.stat(alloc, r.opaque, stat[0], stat[1]));
        }
        sink.accept(EngineResponses.stat(alloc, r.opaque, "", ""));
    }

    private void generalStats(List<String[]> out) {
        long now = nowSeconds();
        EngineStats s = stats();
        add(out, "pid", ProcessHandle.current().pid());
        add(out, "uptime", now - startedAt);
        add(out, "time", now);
        out.add(new String[] {"version", VERSION});
        add(out, "pointer_size", 64);
        add(out, "cmd_get", s.cmdGet());
        add(out, "cmd_set", s.cmdSet());
        add(out, "cmd_flush", s.cmdFlush());
        add(out, "cmd_touch", s.cmdTouch());
        add(out, "get_hits", s.getHits());
        add(out, "get_misses", s.getMisses());
        add(out, "get_expired", s.getExpired());
        add(out, "get_flushed", s.getFlushed());
        add(out, "delete_misses", s.deleteMisses());
        add(out, "delete_hits", s.deleteHits());
        add(out, "incr_misses", s.incrMisses());
        add(out, "incr_hits", s.incrHits());
        add(out, "decr_misses", s.decrMisses());
        add(out, "decr_hits", s.decrHits());
        add(out, "cas_misses", s.casMisses());
        add(out, "cas_hits", s.casHits());
        add(out, "cas_badval", s.casBadval());
        add(out, "touch_hits", s.touchHits());
        add(out, "touch_misses", s.touchMisses());
        add(out, "store_too_large", s.storeTooLarge());
        add(out, "store_no_memory", s.storeNoMemory());
        add(out, "limit_maxbytes", s.limitMaxbytes());
        add(out, "bytes", s.bytes());
        add(out, "curr_items", s.currItems());
        add(out, "total_items", s.totalItems());
        add(out, "evictions", s.evictions());
        add(out, "reclaimed", s.reclaimed());
    }

    private void settingsStats(List<String[]> out) {
        add(out, "maxbytes", memoryLimit);
        out.add(new String[] {"evictions", "on"});
        out.add(new String[] {"cas_enabled", "yes"});
        out.add(new String[] {"flush_enabled", "yes"});
        add(out, "item_size_max", maxItemSize);
        add(out, "item_overhead", ITEM_OVERHEAD);
    }

    private void itemStats(List<String[]> out) {
        long now = nowSeconds();
        synchronized (lock) {
            if (table.isEmpty()) {
                return;
            }
            add(out, "items:1:number", table.size());
            add(out, "items:1:age", oldest == null ? 0 : now - oldest.storedAt);
            add(out, "items:1:mem_requested", bytes);
            add(out, "items:1:evicted", counters.evictions);
            add(out, "items:1:reclaimed", counters.reclaimed);
        }
    }

    private void slabStats(List<String[]> out) {
        synchronized (lock) {
            add(out, "active_slabs", table.isEmpty() ? 0 : 1);
            add(out, "total_malloced", bytes);
        }
    }

    private static void add(List<String[]> out, String stat, long value) {
        out.add(new String[] {stat, Long.toString(value)});
    }

    /** Success (silent for quiet commands) with the item's new CAS, or the error for {@code outcome}. */
    private static void respond(Request r, ByteBufAllocator alloc, Consumer<ByteBuf> sink, Status outcome,
                                long cas, boolean quiet) {
        if (outcome == Status.SUCCESS) {
            if (!quiet) {
                sink.accept(EngineResponses.success(alloc, r.opcode, r.opaque, cas));
            }
        } else {
            sink.accept(EngineResponses.error(alloc, r.opcode, r.opaque, outcome));
        }
    }

    // ---- time ----

    private long nowSeconds() {
        return Math.floorDiv(clock.nowMillis(), 1000L);
    }

    /** memcached's {@code realtime()}: 0 never, up to 30 days relative, beyond that absolute Unix time. */
    private long expiry(long exptime, long now) {
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
    private Item lookup(Key key, long now) {
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

    private static boolean expired(Item item, long now) {
        return item.expiresAt != 0 && item.expiresAt <= now;
    }

    private boolean flushed(Item item, long now) {
        return oldestLive != 0 && oldestLive <= now && item.storedAt <= oldestLive;
    }

    private long nextCas() {
        return ++lastCas;
    }

    /** Links a new item; counts towards {@code total_items}. */
    private void link(Item item, long now) {
        relink(item, now);
        counters.totalItems++;
    }

    /**
     * Makes room for {@code item}, evicting from the least recently used end, and links it as the newest.
     * Alone it stands for memcached's in-place update, which is not a new item.
     */
    private void relink(Item item, long now) {
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

    private void unlink(Item item) {
        table.remove(item.key);
        detach(item);
        bytes -= item.size();
    }

    /** Moves {@code item} to the most recently used end. */
    private void bump(Item item) {
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

    private void clearAll() {
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

    // ---- counters ----

    /**
     * memcached's {@code safe_strtoull} on a stored value followed by its implicit "\r\n": optional
     * leading white space and sign, decimal digits, then white space, NUL or the end. A minus sign is
     * accepted only when the wrapped result is not negative as a signed number ("-0"). Returns null for
     * a non-numeric value.
     */
    static Long parseCounter(byte[] value) {
        int i = 0;
        int n = value.length;
        while (i < n && isSpace(value[i])) {
            i++;
        }
        boolean negative = false;
        if (i < n && (value[i] == '+' || value[i] == '-')) {
            negative = value[i] == '-';
            i++;
        }
        int firstDigit = i;
        long result = 0;
        while (i < n && value[i] >= '0' && value[i] <= '9') {
            int digit = value[i] - '0';
            if (Long.compareUnsigned(result, MAX_DIV_10) > 0
                    || (result == MAX_DIV_10 && digit > MAX_MOD_10)) {
                return null; // ERANGE
            }
            result = result * 10 + digit;
            i++;
        }
        if (i == firstDigit) {
            return null;
        }
        if (i < n && !isSpace(value[i]) && value[i] != 0) {
            return null;
        }
        if (negative) {
            result = -result;
            if (result < 0) {
                return null;
            }
        }
        return result;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || (b >= '\t' && b <= '\r');
    }

    /** Counters memcached resets on "stats reset". */
    private static final class Counters {
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

    /** The parts of one request frame the commands need; indexes are absolute in {@code buf}. */
    private static final class Request {
        final ByteBuf buf;
        final byte opcode;
        final int opaque;
        final long cas;
        final int extrasIndex;
        final int extrasLength;
        final int keyLength;
        /** Body length without framing extras: extras + key + value. */
        final int bodyLength;

        Request(ByteBuf buf, byte opcode, int opaque, long cas, int extrasIndex, int extrasLength, int keyLength,
                int bodyLength) {
            this.buf = buf;
            this.opcode = opcode;
            this.opaque = opaque;
            this.cas = cas;
            this.extrasIndex = extrasIndex;
            this.extrasLength = extrasLength;
            this.keyLength = keyLength;
            this.bodyLength = bodyLength;
        }

        Key key() {
            byte[] key = new byte[keyLength];
            buf.getBytes(extrasIndex + extrasLength, key);
            return new Key(key);
        }

        int valueLength() {
            return bodyLength - extrasLength - keyLength;
        }

        /** A copy of the value: the one copy the engine makes of stored data. */
        byte[] value() {
            byte[] value = new byte[valueLength()];
            buf.getBytes(extrasIndex + extrasLength + keyLength, value);
            return value;
        }

        int extrasInt(int offset) {
            return buf.getInt(extrasIndex + offset);
        }

        long extrasUnsignedInt(int offset) {
            return buf.getUnsignedInt(extrasIndex + offset);
        }

        long extrasLong(int offset) {
            return buf.getLong(extrasIndex + offset);
        }
    }
}
