package dev.kvgate.engine;

import dev.kvgate.mcbp.Magic;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The binary-protocol commands of one embedded shard: parses a request frame, checks it as memcached's
 * {@code dispatch_bin_command} does, runs it against the {@link ItemStore} under its lock, and builds
 * each response after the lock is released (one buffer of exact size per response, from
 * {@link EngineResponses}). STAT goes to the {@link StatsWriter}.
 */
final class BinaryCommands {

    /** INCREMENT/DECREMENT expiration that means "do not create a missing counter". */
    private static final long NO_CREATE = 0xffffffffL;

    private static final int SET_EXTRAS = 8;
    private static final int TOUCH_EXTRAS = 4;
    private static final int FLUSH_EXTRAS = 4;
    private static final int ARITHMETIC_EXTRAS = 20;
    private static final String OUT_OF_MEMORY_TEXT = "Out of memory allocating item";
    private static final long MAX_DIV_10 = Long.divideUnsigned(-1L, 10);
    private static final long MAX_MOD_10 = Long.remainderUnsigned(-1L, 10);

    private final ItemStore store;
    private final StatsWriter stats;

    BinaryCommands(ItemStore store, StatsWriter stats) {
        this.store = store;
        this.stats = stats;
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
    void execute(ByteBuf request, ByteBufAllocator alloc, Consumer<ByteBuf> sink) {
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
                    EngineShard.VERSION.getBytes(StandardCharsets.US_ASCII)));
            case STAT -> stats.write(r.key().bytes, r.opcode, r.opaque, alloc, sink);
            default -> sink.accept(EngineResponses.error(alloc, code, opaque, Status.UNKNOWN_COMMAND));
        }
    }

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

    private void getOrTouch(Request r, ByteBufAllocator alloc, Consumer<ByteBuf> sink, boolean touch,
                            boolean returnKey, boolean returnValue, boolean quiet) {
        Key key = r.key();
        long now = store.nowSeconds();
        long exptime = touch ? r.extrasUnsignedInt(0) : 0;
        Item hit;
        synchronized (store.lock) {
            hit = store.lookup(key, now);
            if (hit != null) {
                store.bump(hit);
                if (touch) {
                    hit.expiresAt = store.expiry(exptime, now);
                }
            }
            ItemStore.Counters c = store.counters;
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
        long now = store.nowSeconds();
        Status refusal = null;
        if (valueLength > store.maxItemSize) {
            refusal = Status.VALUE_TOO_LARGE;
        } else if (EngineShard.itemSize(key.length(), valueLength) > store.memoryLimit) {
            refusal = Status.OUT_OF_MEMORY;
        }
        if (refusal != null) {
            synchronized (store.lock) {
                if (refusal == Status.VALUE_TOO_LARGE) {
                    store.counters.storeTooLarge++;
                } else {
                    store.counters.storeNoMemory++;
                }
                if (mode == StoreMode.SET) {
                    // memcached drops the old value rather than keep serving stale data after a failed SET.
                    Item old = store.table.get(key);
                    if (old != null) {
                        store.unlink(old);
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
        synchronized (store.lock) {
            ItemStore.Counters c = store.counters;
            c.cmdSet++;
            Item old = store.lookup(key, now);
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
                store.bump(old); // memcached promotes the item an ADD collided with
                outcome = Status.KEY_EXISTS;
            } else if (mode == StoreMode.REPLACE && old == null) {
                outcome = Status.KEY_NOT_FOUND;
            } else {
                outcome = Status.SUCCESS;
            }
            if (outcome == Status.SUCCESS) {
                if (old != null) {
                    store.unlink(old);
                }
                casOut = store.nextCas();
                store.link(new Item(key, value, flags, casOut, store.expiry(exptime, now), now), now);
            }
        }
        respond(r, alloc, sink, outcome, casOut, quiet);
    }

    private void concat(Request r, ByteBufAllocator alloc, Consumer<ByteBuf> sink, boolean append, boolean quiet) {
        Key key = r.key();
        int dataLength = r.valueLength();
        if (dataLength > store.maxItemSize) {
            synchronized (store.lock) {
                store.counters.storeTooLarge++;
            }
            sink.accept(EngineResponses.error(alloc, r.opcode, r.opaque, Status.VALUE_TOO_LARGE));
            return;
        }
        byte[] data = r.value();
        long now = store.nowSeconds();
        Status outcome;
        long casOut = 0;
        synchronized (store.lock) {
            store.counters.cmdSet++;
            Item old = store.lookup(key, now);
            if (old == null) {
                outcome = Status.ITEM_NOT_STORED;
            } else if (r.cas != 0 && r.cas != old.cas) {
                outcome = Status.KEY_EXISTS;
            } else {
                int combined = old.value.length + data.length;
                if (combined > store.maxItemSize || EngineShard.itemSize(key.length(), combined) > store.memoryLimit) {
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
                    store.unlink(old);
                    casOut = store.nextCas();
                    store.link(new Item(key, value, old.flags, casOut, old.expiresAt, now), now);
                    outcome = Status.SUCCESS;
                }
            }
        }
        respond(r, alloc, sink, outcome, casOut, quiet);
    }

    private void delete(Request r, ByteBufAllocator alloc, Consumer<ByteBuf> sink, boolean quiet) {
        Key key = r.key();
        long now = store.nowSeconds();
        Status outcome;
        synchronized (store.lock) {
            Item old = store.lookup(key, now);
            if (old == null) {
                store.counters.deleteMisses++;
                outcome = Status.KEY_NOT_FOUND;
            } else if (r.cas != 0 && r.cas != old.cas) {
                outcome = Status.KEY_EXISTS;
            } else {
                store.counters.deleteHits++;
                store.unlink(old);
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
        long now = store.nowSeconds();
        Status outcome;
        long result = 0;
        long casOut = 0;
        synchronized (store.lock) {
            ItemStore.Counters c = store.counters;
            Item old = store.lookup(key, now);
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
                    casOut = store.nextCas();
                    store.link(new Item(key, digits, 0, casOut, store.expiry(exptime, now), now), now);
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
                    casOut = store.nextCas();
                    store.unlink(old);
                    if (digits.length <= old.value.length) {
                        // memcached rewrites a shorter number in place, padding with spaces to the old length.
                        byte[] padded = new byte[old.value.length];
                        System.arraycopy(digits, 0, padded, 0, digits.length);
                        for (int i = digits.length; i < padded.length; i++) {
                            padded[i] = ' ';
                        }
                        store.relink(new Item(key, padded, old.flags, casOut, old.expiresAt, old.storedAt), now);
                    } else {
                        store.link(new Item(key, digits, old.flags, casOut, old.expiresAt, now), now);
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
        long now = store.nowSeconds();
        synchronized (store.lock) {
            store.counters.cmdFlush++;
            long flushAt = delay > 0 ? store.expiry(delay, now) : now;
            // memcached: oldest_live = realtime(delay) - 1, and an absolute time before its start gives 0,
            // which disables flushing altogether (and cancels a pending delayed flush).
            store.oldestLive = flushAt == ItemStore.ALREADY_EXPIRED ? 0 : flushAt - 1;
            if (store.oldestLive != 0 && store.oldestLive <= now) {
                store.nextCas(); // memcached takes a CAS id as the "oldest_cas" mark
                store.clearAll();
            }
        }
        if (!quiet) {
            sink.accept(EngineResponses.success(alloc, r.opcode, r.opaque, 0));
        }
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

    /** The parts of one request frame the commands need; indexes are absolute in {@code buf}. */
    static final class Request {
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
