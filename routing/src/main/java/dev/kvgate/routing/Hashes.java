package dev.kvgate.routing;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.zip.CRC32;

/** Per-thread hash state, so the hot path reuses one digest and one output buffer per event loop. */
final class Hashes {

    private static final ThreadLocal<Hashes> CURRENT = ThreadLocal.withInitial(Hashes::new);

    private final MessageDigest md5;
    private final byte[] digest = new byte[16];
    private final CRC32 crc32 = new CRC32();

    private Hashes() {
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide MD5", e);
        }
    }

    /** Ketama's key hash: the first four MD5 bytes, little-endian, as an unsigned 32-bit value. */
    static long ketamaHash(byte[] key, int offset, int length) {
        Hashes h = CURRENT.get();
        h.md5.update(key, offset, length);
        try {
            h.md5.digest(h.digest, 0, h.digest.length);
        } catch (DigestException e) {
            throw new IllegalStateException("MD5 output does not fit 16 bytes", e);
        }
        return littleEndianUint32(h.digest, 0);
    }

    /** The full MD5 of a node name; only used while building a continuum, so it may allocate. */
    static byte[] md5(byte[] input) {
        Hashes h = CURRENT.get();
        return h.md5.digest(input);
    }

    /**
     * libmemcached's MEMCACHED_HASH_CRC and spymemcached's CRC_HASH, also the Couchbase vbucket hash:
     * bits 16..30 of the CRC32, so always in [0, 32767].
     */
    static int crcHash(byte[] key, int offset, int length) {
        CRC32 crc = CURRENT.get().crc32;
        crc.reset();
        crc.update(key, offset, length);
        return (int) ((crc.getValue() >>> 16) & 0x7fff);
    }

    /** The whole CRC-32 (IEEE), as an unsigned value in an int's bits. */
    static int crc32(byte[] key, int offset, int length) {
        CRC32 crc = CURRENT.get().crc32;
        crc.reset();
        crc.update(key, offset, length);
        return (int) crc.getValue();
    }

    static long littleEndianUint32(byte[] bytes, int offset) {
        return (bytes[offset + 3] & 0xffL) << 24
                | (bytes[offset + 2] & 0xffL) << 16
                | (bytes[offset + 1] & 0xffL) << 8
                | (bytes[offset] & 0xffL);
    }
}
