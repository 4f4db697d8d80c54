package dev.kvgate.routing;

import java.util.List;

/**
 * pymemcache's {@code HashClient} with its default {@code RendezvousHash}: every node scores
 * {@code murmur3_32("%s-%s" % (node, key))} and the highest wins; a tie goes to the greater node
 * name. pymemcache's murmur3 is pure Python over the characters of a str: each code point masked to
 * its low 8 bits, the length counted in code points. The key is taken as the str whose UTF-8
 * encoding the client sent (a key that is not UTF-8 is read as Latin-1).
 */
final class RendezvousLocator implements ShardLocator {

    private static final ThreadLocal<int[]> CODE_POINTS = ThreadLocal.withInitial(() -> new int[1024]);

    private final int[][] prefixes;
    private final String[] names;

    RendezvousLocator(List<String> nodeNames) {
        if (nodeNames.isEmpty()) {
            throw new IllegalArgumentException("need at least one node");
        }
        prefixes = new int[nodeNames.size()][];
        names = nodeNames.toArray(new String[0]);
        for (int i = 0; i < names.length; i++) {
            prefixes[i] = (names[i] + "-").codePoints().toArray();
        }
    }

    @Override
    public int shardOf(byte[] key, int offset, int length) {
        int[] cp = CODE_POINTS.get();
        if (cp.length < length) {
            cp = new int[length];
            CODE_POINTS.set(cp);
        }
        return shardOf(key, offset, length, cp);
    }

    @Override
    public int shardOf(byte[] key, int offset, int length, KeyHashState state) {
        return shardOf(key, offset, length, state.codePoints(length));
    }

    private int shardOf(byte[] key, int offset, int length, int[] cp) {
        int n = decodeUtf8(key, offset, length, cp);
        if (n < 0) {
            n = length;
            for (int i = 0; i < length; i++) {
                cp[i] = key[offset + i] & 0xff;
            }
        }
        long best = -1;
        int winner = -1;
        for (int node = 0; node < prefixes.length; node++) {
            long score = murmur3(prefixes[node], cp, n) & 0xffffffffL;
            if (score > best) {
                best = score;
                winner = node;
            } else if (score == best && names[node].compareTo(names[winner]) > 0) {
                winner = node;
            }
        }
        return winner;
    }

    @Override
    public int shardCount() {
        return prefixes.length;
    }

    /** Code points of well-formed UTF-8, or -1. */
    static int decodeUtf8(byte[] b, int offset, int length, int[] out) {
        int n = 0;
        int i = offset;
        int end = offset + length;
        while (i < end) {
            int c = b[i] & 0xff;
            int extra;
            int cp;
            if (c < 0x80) {
                out[n++] = c;
                i++;
                continue;
            } else if (c >= 0xc2 && c < 0xe0) {
                extra = 1;
                cp = c & 0x1f;
            } else if (c >= 0xe0 && c < 0xf0) {
                extra = 2;
                cp = c & 0x0f;
            } else if (c >= 0xf0 && c < 0xf5) {
                extra = 3;
                cp = c & 0x07;
            } else {
                return -1;
            }
            if (i + extra >= end) {
                return -1;
            }
            for (int k = 1; k <= extra; k++) {
                int cc = b[i + k] & 0xff;
                if ((cc & 0xc0) != 0x80) {
                    return -1;
                }
                cp = cp << 6 | (cc & 0x3f);
            }
            if ((extra == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (extra == 3 && (cp < 0x10000 || cp > 0x10ffff))) {
                return -1;
            }
            out[n++] = cp;
            i += extra + 1;
        }
        return n;
    }

    private static int at(int[] prefix, int[] key, int i) {
        return (i < prefix.length ? prefix[i] : key[i - prefix.length]) & 0xff;
    }

    /** MurmurHash3 x86_32, seed 0, over the low bytes of prefix + key. */
    static int murmur3(int[] prefix, int[] key, int keyLength) {
        final int c1 = 0xcc9e2d51;
        final int c2 = 0x1b873593;
        int length = prefix.length + keyLength;
        int h1 = 0;
        int rounded = length & ~3;
        for (int i = 0; i < rounded; i += 4) {
            int k1 = at(prefix, key, i) | at(prefix, key, i + 1) << 8 | at(prefix, key, i + 2) << 16
                    | at(prefix, key, i + 3) << 24;
            k1 *= c1;
            k1 = Integer.rotateLeft(k1, 15);
            k1 *= c2;
            h1 ^= k1;
            h1 = Integer.rotateLeft(h1, 13);
            h1 = h1 * 5 + 0xe6546b64;
        }
        int k1 = 0;
        switch (length & 3) {
            case 3:
                k1 = at(prefix, key, rounded + 2) << 16;
                // fall through
            case 2:
                k1 |= at(prefix, key, rounded + 1) << 8;
                // fall through
            case 1:
                k1 |= at(prefix, key, rounded);
                k1 *= c1;
                k1 = Integer.rotateLeft(k1, 15);
                k1 *= c2;
                h1 ^= k1;
                break;
            default:
                break;
        }
        h1 ^= length;
        h1 ^= h1 >>> 16;
        h1 *= 0x85ebca6b;
        h1 ^= h1 >>> 13;
        h1 *= 0xc2b2ae35;
        h1 ^= h1 >>> 16;
        return h1;
    }
}
