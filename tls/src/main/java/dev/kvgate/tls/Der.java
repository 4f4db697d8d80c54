package dev.kvgate.tls;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Just enough DER for {@link Pem} to read keys with the JDK alone: walking the outer structure of PKCS#8
 * and SEC1 keys, and writing the PKCS#8 {@code PrivateKeyInfo} that wraps a PKCS#1 or SEC1 key for a
 * {@link java.security.KeyFactory}. Not a general ASN.1 library: definite lengths only, single-byte tags,
 * and the content of what it wraps is checked by the KeyFactory, not here.
 *
 * <p>Malformed input throws {@link IllegalArgumentException} saying what was expected.
 */
final class Der {

    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int NULL = 0x05;
    static final int OBJECT_IDENTIFIER = 0x06;
    static final int SEQUENCE = 0x30;
    /** {@code [0]} constructed, context-specific: SEC1's {@code parameters}. */
    static final int CONTEXT_0 = 0xA0;

    private Der() {
    }

    /** A cursor over the TLVs in {@code buf[start, end)}: one level of a DER structure. */
    static final class Reader {
        private final byte[] buf;
        private final int end;
        private int pos;
        // The TLV last returned by next(): its tag and where its whole encoding and its content lie.
        private int tag;
        private int tlvStart;
        private int contentStart;
        private int contentEnd;

        Reader(byte[] der) {
            this(der, 0, der.length);
        }

        private Reader(byte[] buf, int start, int end) {
            this.buf = buf;
            this.pos = start;
            this.end = end;
        }

        boolean hasNext() {
            return pos < end;
        }

        /** Steps to the next TLV and returns its tag. */
        int next() {
            if (pos >= end) {
                throw new IllegalArgumentException("DER: unexpected end of data");
            }
            tlvStart = pos;
            tag = buf[pos++] & 0xFF;
            if ((tag & 0x1F) == 0x1F) {
                throw new IllegalArgumentException("DER: multi-byte tag at offset " + tlvStart);
            }
            if (pos >= end) {
                throw new IllegalArgumentException("DER: truncated length at offset " + tlvStart);
            }
            int first = buf[pos++] & 0xFF;
            long length;
            if (first < 0x80) {
                length = first;
            } else {
                int bytes = first & 0x7F;
                if (bytes == 0 || bytes > 4 || end - pos < bytes) {
                    throw new IllegalArgumentException("DER: bad length at offset " + tlvStart);
                }
                length = 0;
                for (int i = 0; i < bytes; i++) {
                    length = (length << 8) | (buf[pos++] & 0xFF);
                }
            }
            if (length > end - pos) {
                throw new IllegalArgumentException("DER: value at offset " + tlvStart + " runs past the end ("
                        + length + " bytes, " + (end - pos) + " left)");
            }
            contentStart = pos;
            contentEnd = pos + (int) length;
            pos = contentEnd;
            return tag;
        }

        /** Steps to the next TLV and checks its tag; {@code what} names it in the error. */
        Reader expect(int expectedTag, String what) {
            int actual = next();
            if (actual != expectedTag) {
                throw new IllegalArgumentException(what + ": expected tag 0x" + Integer.toHexString(expectedTag)
                        + ", found 0x" + Integer.toHexString(actual));
            }
            return this;
        }

        int tag() {
            return tag;
        }

        /** The current TLV's content, as a copy. */
        byte[] content() {
            return Arrays.copyOfRange(buf, contentStart, contentEnd);
        }

        /** The current TLV's whole encoding (tag, length, content), as a copy. */
        byte[] encoded() {
            return Arrays.copyOfRange(buf, tlvStart, contentEnd);
        }

        /** A reader over the current (constructed) TLV's content. */
        Reader children() {
            return new Reader(buf, contentStart, contentEnd);
        }
    }

    /** The dotted form ({@code 1.2.840.113549.1.1.1}) of an OBJECT IDENTIFIER's content bytes. */
    static String oidString(byte[] content) {
        if (content.length == 0) {
            throw new IllegalArgumentException("DER: empty OBJECT IDENTIFIER");
        }
        StringBuilder out = new StringBuilder();
        long arc = 0;
        boolean first = true;
        for (int i = 0; i < content.length; i++) {
            int b = content[i] & 0xFF;
            if (arc > (Long.MAX_VALUE >>> 7)) {
                throw new IllegalArgumentException("DER: OBJECT IDENTIFIER arc too large");
            }
            arc = (arc << 7) | (b & 0x7F);
            if ((b & 0x80) != 0) {
                if (i == content.length - 1) {
                    throw new IllegalArgumentException("DER: truncated OBJECT IDENTIFIER");
                }
                continue;
            }
            if (first) {
                // X.690: the first subidentifier packs the first two arcs as 40 * first + second.
                int top = arc < 40 ? 0 : arc < 80 ? 1 : 2;
                out.append(top).append('.').append(arc - 40L * top);
                first = false;
            } else {
                out.append('.').append(arc);
            }
            arc = 0;
        }
        return out.toString();
    }

    /** The encoding (tag, length, content) of an OBJECT IDENTIFIER given in dotted form. */
    static byte[] oid(String dotted) {
        String[] parts = dotted.split("\\.");
        if (parts.length < 2) {
            throw new IllegalArgumentException("OBJECT IDENTIFIER needs two arcs: " + dotted);
        }
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        base128(content, 40L * Long.parseLong(parts[0]) + Long.parseLong(parts[1]));
        for (int i = 2; i < parts.length; i++) {
            base128(content, Long.parseLong(parts[i]));
        }
        return tlv(OBJECT_IDENTIFIER, content.toByteArray());
    }

    private static void base128(ByteArrayOutputStream out, long value) {
        int groups = 1;
        while (groups < 10 && (value >>> (7 * groups)) != 0) {
            groups++;
        }
        for (int g = groups - 1; g >= 0; g--) {
            int b = (int) (value >>> (7 * g)) & 0x7F;
            out.write(g == 0 ? b : b | 0x80);
        }
    }

    /** One TLV whose content is the concatenation of {@code parts}. */
    static byte[] tlv(int tag, byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(length + 6);
        out.write(tag);
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = length > 0xFFFFFF ? 4 : length > 0xFFFF ? 3 : length > 0xFF ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        for (byte[] part : parts) {
            out.write(part, 0, part.length);
        }
        return out.toByteArray();
    }

    /**
     * A PKCS#8 {@code PrivateKeyInfo}: SEQUENCE { INTEGER 0, algorithm, OCTET STRING privateKey }, as
     * BouncyCastle's PEM reader built it for PKCS#1 and SEC1 keys (no attributes, no public key).
     */
    static byte[] privateKeyInfo(byte[] algorithmIdentifier, byte[] privateKey) {
        return tlv(SEQUENCE, tlv(INTEGER, new byte[] {0}), algorithmIdentifier, tlv(OCTET_STRING, privateKey));
    }
}
