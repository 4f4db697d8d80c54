package dev.kvgate.routing;


/**
 * Key hashes for callers without a {@link KeyHashState} of their own (tools, tests, building a
 * continuum): a per-thread state. The gateway's event loops pass their own state instead.
 */
final class Hashes {

    private static final ThreadLocal<KeyHashState> CURRENT = ThreadLocal.withInitial(KeyHashState::new);

    private Hashes() {
    }

    /** Ketama's key hash: the first four MD5 bytes, little-endian, as an unsigned 32-bit value. */
    static long ketamaHash(byte[] key, int offset, int length) {
        return CURRENT.get().ketamaHash(key, offset, length);
    }

    /** The full MD5 of a node name; only used while building a continuum, so it may allocate. */
    static byte[] md5(byte[] input) {
        return CURRENT.get().md5(input);
    }

    /**
     * libmemcached's MEMCACHED_HASH_CRC and spymemcached's CRC_HASH, also the Couchbase vbucket hash:
     * bits 16..30 of the CRC32, so always in [0, 32767].
     */
    static int crcHash(byte[] key, int offset, int length) {
        return CURRENT.get().crcHash(key, offset, length);
    }

    /** The whole CRC-32 (IEEE), as an unsigned value in an int's bits. */
    static int crc32(byte[] key, int offset, int length) {
        return CURRENT.get().crc32(key, offset, length);
    }

    static long littleEndianUint32(byte[] bytes, int offset) {
        return (bytes[offset + 3] & 0xffL) << 24
                | (bytes[offset + 2] & 0xffL) << 16
                | (bytes[offset + 1] & 0xffL) << 8
                | (bytes[offset] & 0xffL);
    }
}
