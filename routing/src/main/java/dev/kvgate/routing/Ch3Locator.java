package dev.kvgate.routing;

/**
 * mcrouter's default pool hash, CH3: {@code furc_hash} (mcrouter/lib/fbi/hash.c) of the routing key
 * over the pool size. The routing key is the key without a {@code /region/cluster/} routing prefix and
 * cut at the first {@code |#|} (carbon {@code Keys::update}). Servers are identified by their index in
 * the pool only, so names play no part.
 */
final class Ch3Locator implements ShardLocator {

    private static final long SEED = 4193360111L;
    private static final long M = 0xc6a4a7935bd1e995L;
    private static final int R = 47;
    private static final int MAX_TRIES = 32;
    private static final int FURC_SHIFT = 23;
    // furc_hash's cache of rehashed words; bit indexes stay below 64 * 1024 for any pool size.
    private static final ThreadLocal<long[]> CACHE = ThreadLocal.withInitial(() -> new long[1024]);

    private final int shardCount;

    Ch3Locator(int shardCount) {
        if (shardCount < 1 || shardCount > 1 << FURC_SHIFT) {
            throw new IllegalArgumentException("mcrouter pools hold 1.." + (1 << FURC_SHIFT) + " servers: " + shardCount);
        }
        this.shardCount = shardCount;
    }

    @Override
    public int shardOf(byte[] key, int offset, int length) {
        int start = offset;
        int end = offset + length;
        if (length > 0 && key[offset] == '/') {
            int pos = offset + 1;
            for (int i = 0; i < 2 && pos >= 0; i++) {
                pos = indexOf(key, (byte) '/', pos, end);
                if (pos >= 0) {
                    pos++;
                }
            }
            if (pos >= 0) {
                start = pos;
            }
        }
        for (int i = start; i + 2 < end; i++) {
            if (key[i] == '|' && key[i + 1] == '#' && key[i + 2] == '|') {
                end = i;
                break;
            }
        }
        return furcHash(key, start, end - start, shardCount);
    }

    @Override
    public int shardCount() {
        return shardCount;
    }

    private static int indexOf(byte[] key, byte b, int from, int end) {
        for (int i = from; i < end; i++) {
            if (key[i] == b) {
                return i;
            }
        }
        return -1;
    }

    static int furcHash(byte[] key, int offset, int length, int m) {
        if (m <= 1) {
            return 0;
        }
        long[] hash = CACHE.get();
        int[] oldOrd = {-1};
        int d = 0;
        while ((long) m > 1L << d) {
            d++;
        }
        int a = d;
        for (int attempt = 0; attempt < MAX_TRIES; attempt++) {
            while (bit(key, offset, length, a, hash, oldOrd) == 0) {
                if (--d == 0) {
                    return 0;
                }
                a = d;
            }
            a += FURC_SHIFT;
            int num = 1;
            for (int i = 0; i < d - 1; i++) {
                num = num << 1 | bit(key, offset, length, a, hash, oldOrd);
                a += FURC_SHIFT;
            }
            if (Integer.compareUnsigned(num, m) < 0) {
                return num;
            }
        }
        return 0;
    }

    private static int bit(byte[] key, int offset, int length, int idx, long[] hash, int[] oldOrd) {
        int ord = idx >>> 6;
        if (oldOrd[0] < ord) {
            for (int n = oldOrd[0] + 1; n <= ord; n++) {
                hash[n] = n == 0 ? murmur64A(key, offset, length) : rehash(hash[n - 1]);
            }
            oldOrd[0] = ord;
        }
        return (int) (hash[ord] >>> (idx & 0x3f)) & 1;
    }

    static long murmur64A(byte[] key, int offset, int length) {
        long h = SEED ^ (length * M);
        int p = offset;
        int end = offset + (length & ~7);
        while (p != end) {
            long k = 0;
            for (int i = 7; i >= 0; i--) {
                k = k << 8 | (key[p + i] & 0xffL);
            }
            p += 8;
            k *= M;
            k ^= k >>> R;
            k *= M;
            h ^= k;
            h *= M;
        }
        int tail = length & 7;
        if (tail > 0) {
            for (int i = tail - 1; i >= 0; i--) {
                h ^= (key[p + i] & 0xffL) << (8 * i);
            }
            h *= M;
        }
        h ^= h >>> R;
        h *= M;
        h ^= h >>> R;
        return h;
    }

    private static long rehash(long k) {
        long h = SEED ^ (8 * M);
        k *= M;
        k ^= k >>> R;
        k *= M;
        h ^= k;
        h *= M;
        h ^= h >>> R;
        h *= M;
        h ^= h >>> R;
        return h;
    }
}
