package dev.kvgate.routing;

/**
 * The 32-bit key hashes of libmemcached's libhashkit and twemproxy's hashkit, byte for byte as
 * those C functions compute them on x86-64 Linux.
 *
 * <p>Several of them read the key through a plain (signed) {@code char}, so a byte of 0x80 or more
 * enters the arithmetic sign-extended ({@code (uint32_t) key[i]} is 0xffffff80 for 0x80): keys that
 * are not ASCII hash differently than the textbook algorithm would, and differently on platforms
 * where {@code char} is unsigned (ARM). Each constant says which reading it copies.
 */
public enum KeyHash {
    /** Bob Jenkins' one-at-a-time, libmemcached's default hash; signed bytes. */
    ONE_AT_A_TIME {
        @Override
        public int hash(byte[] key, int offset, int length) {
            int value = 0;
            for (int i = offset; i < offset + length; i++) {
                value += key[i];
                value += value << 10;
                value ^= value >>> 6;
            }
            value += value << 3;
            value ^= value >>> 11;
            value += value << 15;
            return value;
        }
    },
    /** The first four bytes of MD5, little-endian: ketama's key hash. */
    MD5 {
        @Override
        public int hash(byte[] key, int offset, int length) {
            return (int) Hashes.ketamaHash(key, offset, length);
        }

        @Override
        public int hash(KeyHashState state, byte[] key, int offset, int length) {
            return (int) state.ketamaHash(key, offset, length);
        }
    },
    /** libmemcached's "crc" and twemproxy's "crc32": bits 16..30 of the CRC-32, in [0, 32767]. */
    CRC {
        @Override
        public int hash(byte[] key, int offset, int length) {
            return Hashes.crcHash(key, offset, length);
        }

        @Override
        public int hash(KeyHashState state, byte[] key, int offset, int length) {
            return state.crcHash(key, offset, length);
        }
    },
    /** The whole CRC-32 (IEEE): twemproxy's "crc32a", Go's {@code crc32.ChecksumIEEE}. */
    CRC32_FULL {
        @Override
        public int hash(byte[] key, int offset, int length) {
            return Hashes.crc32(key, offset, length);
        }

        @Override
        public int hash(KeyHashState state, byte[] key, int offset, int length) {
            return state.crc32(key, offset, length);
        }
    },
    /**
     * twemproxy's "crc16": CRC-16/XMODEM table steps on a 32-bit register that is never masked, so
     * the result keeps the bits shifted past 16.
     */
    CRC16 {
        @Override
        public int hash(byte[] key, int offset, int length) {
            int crc = 0;
            for (int i = offset; i < offset + length; i++) {
                crc = (crc << 8) ^ CRC16_TABLE[((crc >>> 8) ^ key[i]) & 0xff];
            }
            return crc;
        }
    },
    /** FNV-1 64-bit truncated to 32 bits; signed bytes XORed into all 64 bits. */
    FNV1_64 {
        @Override
        public int hash(byte[] key, int offset, int length) {
            long hash = 0xcbf29ce484222325L;
            for (int i = offset; i < offset + length; i++) {
                hash *= 0x100000001b3L;
                hash ^= key[i];
            }
            return (int) hash;
        }
    },
    /**
     * libmemcached's and twemproxy's "fnv1a_64": despite the name, a 32-bit FNV-1a started from the
     * low half of the 64-bit offset basis and multiplied by the low half of the 64-bit prime.
     */
    FNV1A_64 {
        @Override
        public int hash(byte[] key, int offset, int length) {
            int hash = (int) 0xcbf29ce484222325L;
            for (int i = offset; i < offset + length; i++) {
                hash ^= key[i];
                hash *= (int) 0x100000001b3L;
            }
            return hash;
        }
    },
    /** FNV-1 32-bit; signed bytes. */
    FNV1_32 {
        @Override
        public int hash(byte[] key, int offset, int length) {
            int hash = 0x811c9dc5;
            for (int i = offset; i < offset + length; i++) {
                hash *= 16777619;
                hash ^= key[i];
            }
            return hash;
        }
    },
    /** FNV-1a 32-bit; signed bytes. */
    FNV1A_32 {
        @Override
        public int hash(byte[] key, int offset, int length) {
            int hash = 0x811c9dc5;
            for (int i = offset; i < offset + length; i++) {
                hash ^= key[i];
                hash *= 16777619;
            }
            return hash;
        }
    },
    /**
     * Paul Hsieh's SuperFastHash as libmemcached and twemproxy copied it: started from 0, not from
     * the length, and the third byte of a 3-byte tail read signed.
     */
    HSIEH {
        @Override
        public int hash(byte[] key, int offset, int length) {
            if (length <= 0) {
                return 0;
            }
            int hash = 0;
            int rem = length & 3;
            int p = offset;
            for (int blocks = length >>> 2; blocks > 0; blocks--) {
                hash += get16(key, p);
                int tmp = (get16(key, p + 2) << 11) ^ hash;
                hash = (hash << 16) ^ tmp;
                p += 4;
                hash += hash >>> 11;
            }
            switch (rem) {
                case 3 -> {
                    hash += get16(key, p);
                    hash ^= hash << 16;
                    hash ^= key[p + 2] << 18;
                    hash += hash >>> 11;
                }
                case 2 -> {
                    hash += get16(key, p);
                    hash ^= hash << 11;
                    hash += hash >>> 17;
                }
                case 1 -> {
                    hash += key[p] & 0xff;
                    hash ^= hash << 10;
                    hash += hash >>> 1;
                }
                default -> {
                }
            }
            hash ^= hash << 3;
            hash += hash >>> 5;
            hash ^= hash << 4;
            hash += hash >>> 17;
            hash ^= hash << 25;
            hash += hash >>> 6;
            return hash;
        }
    },
    /** MurmurHash2 (32-bit) with libmemcached's seed {@code 0xdeadbeef * length}; unsigned bytes. */
    MURMUR {
        @Override
        public int hash(byte[] key, int offset, int length) {
            final int m = 0x5bd1e995;
            int h = (0xdeadbeef * length) ^ length;
            int p = offset;
            int remaining = length;
            while (remaining >= 4) {
                int k = littleEndianInt(key, p);
                k *= m;
                k ^= k >>> 24;
                k *= m;
                h *= m;
                h ^= k;
                p += 4;
                remaining -= 4;
            }
            switch (remaining) {
                case 3:
                    h ^= (key[p + 2] & 0xff) << 16;
                    // fall through
                case 2:
                    h ^= (key[p + 1] & 0xff) << 8;
                    // fall through
                case 1:
                    h ^= key[p] & 0xff;
                    h *= m;
                    break;
                default:
                    break;
            }
            h ^= h >>> 13;
            h *= m;
            h ^= h >>> 15;
            return h;
        }
    },
    /** Bob Jenkins' lookup3 {@code hashlittle} with initval 13, as little-endian machines compute it. */
    JENKINS {
        @Override
        public int hash(byte[] key, int offset, int length) {
            int a = 0xdeadbeef + length + 13;
            int b = a;
            int c = a;
            int p = offset;
            int remaining = length;
            while (remaining > 12) {
                a += littleEndianInt(key, p);
                b += littleEndianInt(key, p + 4);
                c += littleEndianInt(key, p + 8);
                a -= c; a ^= Integer.rotateLeft(c, 4); c += b;
                b -= a; b ^= Integer.rotateLeft(a, 6); a += c;
                c -= b; c ^= Integer.rotateLeft(b, 8); b += a;
                a -= c; a ^= Integer.rotateLeft(c, 16); c += b;
                b -= a; b ^= Integer.rotateLeft(a, 19); a += c;
                c -= b; c ^= Integer.rotateLeft(b, 4); b += a;
                remaining -= 12;
                p += 12;
            }
            if (remaining == 0) {
                return c;
            }
            switch (remaining) {
                case 12: c += (key[p + 11] & 0xff) << 24; // fall through
                case 11: c += (key[p + 10] & 0xff) << 16; // fall through
                case 10: c += (key[p + 9] & 0xff) << 8; // fall through
                case 9: c += key[p + 8] & 0xff; // fall through
                case 8: b += (key[p + 7] & 0xff) << 24; // fall through
                case 7: b += (key[p + 6] & 0xff) << 16; // fall through
                case 6: b += (key[p + 5] & 0xff) << 8; // fall through
                case 5: b += key[p + 4] & 0xff; // fall through
                case 4: a += (key[p + 3] & 0xff) << 24; // fall through
                case 3: a += (key[p + 2] & 0xff) << 16; // fall through
                case 2: a += (key[p + 1] & 0xff) << 8; // fall through
                default: a += key[p] & 0xff;
            }
            c ^= b; c -= Integer.rotateLeft(b, 14);
            a ^= c; a -= Integer.rotateLeft(c, 11);
            b ^= a; b -= Integer.rotateLeft(a, 25);
            c ^= b; c -= Integer.rotateLeft(b, 16);
            a ^= c; a -= Integer.rotateLeft(c, 4);
            b ^= a; b -= Integer.rotateLeft(a, 14);
            c ^= b; c -= Integer.rotateLeft(b, 24);
            return c;
        }
    };

    /** The hash as the C function returns it: an unsigned 32-bit value held in an int's bits. */
    public abstract int hash(byte[] key, int offset, int length);

    /** The same, with the caller's scratch state for the hashes that need one (MD5, CRC). */
    public int hash(KeyHashState state, byte[] key, int offset, int length) {
        return hash(key, offset, length);
    }

    private static int get16(byte[] key, int p) {
        return (key[p] & 0xff) | (key[p + 1] & 0xff) << 8;
    }

    private static int littleEndianInt(byte[] key, int p) {
        return (key[p] & 0xff) | (key[p + 1] & 0xff) << 8 | (key[p + 2] & 0xff) << 16 | (key[p + 3] & 0xff) << 24;
    }

    private static final int[] CRC16_TABLE = new int[256];

    static {
        // CRC-16/XMODEM (polynomial 0x1021), the table twemproxy ships.
        for (int i = 0; i < 256; i++) {
            int crc = i << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            CRC16_TABLE[i] = crc & 0xffff;
        }
    }
}
