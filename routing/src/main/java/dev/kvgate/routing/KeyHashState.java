package dev.kvgate.routing;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.zip.CRC32;

/**
 * The scratch state of key hashing (an MD5 digest and its output, a CRC-32), owned by one thread
 * that hashes many keys: a gateway event loop keeps one and passes it to
 * {@link ShardLocator#shardOf(byte[], int, int, KeyHashState)}, so the hot path looks up no
 * ThreadLocal. Not thread-safe.
 */
public final class KeyHashState {
    private final MessageDigest md5;
    private final byte[] digest = new byte[16];
    private final CRC32 crc32 = new CRC32();
    private int[] codePoints = new int[256];

    public KeyHashState() {
        try {
            md5 = MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide MD5", e);
        }
    }

    /** Ketama's key hash: the first four MD5 bytes, little-endian, as an unsigned 32-bit value. */
    long ketamaHash(byte[] key, int offset, int length) {
        md5.update(key, offset, length);
        try {
            md5.digest(digest, 0, digest.length);
        } catch (DigestException e) {
            throw new IllegalStateException("MD5 output does not fit 16 bytes", e);
        }
        return Hashes.littleEndianUint32(digest, 0);
    }

    /** The full MD5 of {@code input}; allocates (only used while building a continuum). */
    byte[] md5(byte[] input) {
        return md5.digest(input);
    }

    /** Bits 16..30 of the CRC-32, in [0, 32767] (see {@link Hashes#crcHash}). */
    int crcHash(byte[] key, int offset, int length) {
        return (int) ((crc32Value(key, offset, length) >>> 16) & 0x7fff);
    }

    /** The whole CRC-32 (IEEE), as an unsigned value in an int's bits. */
    int crc32(byte[] key, int offset, int length) {
        return (int) crc32Value(key, offset, length);
    }

    private long crc32Value(byte[] key, int offset, int length) {
        crc32.reset();
        crc32.update(key, offset, length);
        return crc32.getValue();
    }

    /** A scratch array of at least {@code length} ints. */
    int[] codePoints(int length) {
        if (codePoints.length < length) {
            codePoints = new int[length];
        }
        return codePoints;
    }
}
