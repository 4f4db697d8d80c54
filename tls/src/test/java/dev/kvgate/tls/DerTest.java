package dev.kvgate.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Der} against BouncyCastle's ASN.1 encoder, which the PEM reader used before. */
class DerTest {

    @ParameterizedTest
    @ValueSource(strings = {"1.2.840.113549.1.1.1", "1.2.840.10045.2.1", "1.2.840.10045.3.1.7", "1.3.132.0.34",
            "1.3.101.112", "2.5.4.3", "0.9.2342.19200300.100.1.1", "2.999.1", "1.2.3.9223372036854775807"})
    void objectIdentifiersEncodeAsBouncyCastleDoes(String oid) throws Exception {
        byte[] expected = new ASN1ObjectIdentifier(oid).getEncoded();
        assertArrayEquals(expected, Der.oid(oid));
        Der.Reader reader = new Der.Reader(expected);
        assertEquals(Der.OBJECT_IDENTIFIER, reader.next());
        assertEquals(oid, Der.oidString(reader.content()));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 127, 128, 255, 256, 65_535, 65_536, 70_000})
    void privateKeyInfoEncodesAsBouncyCastleDoes(int keyLength) throws Exception {
        byte[] key = new byte[keyLength];
        Arrays.fill(key, (byte) 0x5A);
        AlgorithmIdentifier rsa = new AlgorithmIdentifier(new ASN1ObjectIdentifier("1.2.840.113549.1.1.1"),
                DERNull.INSTANCE);
        // What BouncyCastle's PEMParser built around a PKCS#1 key (DER: definite lengths, minimal).
        byte[] expected = new DERSequence(new ASN1Encodable[] {new ASN1Integer(0), rsa, new DEROctetString(key)})
                .getEncoded();
        byte[] actual = Der.privateKeyInfo(rsa.getEncoded(), key);
        assertEquals(HexFormat.of().formatHex(expected), HexFormat.of().formatHex(actual));
        assertEquals(keyLength, PrivateKeyInfo.getInstance(actual).getPrivateKey().getOctets().length);
    }

    @Test
    void readerWalksNestedStructures() {
        byte[] der = Der.tlv(Der.SEQUENCE, Der.tlv(Der.INTEGER, new byte[] {1}),
                Der.tlv(Der.CONTEXT_0, Der.oid("1.2.840.10045.3.1.7")), Der.tlv(Der.OCTET_STRING, new byte[300]));
        Der.Reader top = new Der.Reader(der);
        Der.Reader fields = top.expect(Der.SEQUENCE, "outer").children();
        assertFalse(top.hasNext());
        assertArrayEquals(new byte[] {1}, fields.expect(Der.INTEGER, "version").content());
        Der.Reader parameters = fields.expect(Der.CONTEXT_0, "parameters").children();
        assertEquals(Der.OBJECT_IDENTIFIER, parameters.next());
        assertArrayEquals(Der.oid("1.2.840.10045.3.1.7"), parameters.encoded());
        assertEquals(300, fields.expect(Der.OCTET_STRING, "key").content().length);
        assertFalse(fields.hasNext());
        assertThrows(IllegalArgumentException.class, fields::next);
    }

    @Test
    void malformedInputIsRejected() {
        // Truncated: a SEQUENCE of 5 bytes with 2 present.
        assertMessage("runs past the end", new byte[] {0x30, 0x05, 0x02, 0x01});
        // Indefinite length (BER, not DER).
        assertMessage("bad length", new byte[] {0x30, (byte) 0x80, 0x00, 0x00});
        // A length of length that is not there.
        assertMessage("bad length", new byte[] {0x30, (byte) 0x82, 0x01});
        assertMessage("truncated length", new byte[] {0x30});
        assertMessage("multi-byte tag", new byte[] {0x1F, 0x01, 0x00});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Der.Reader(new byte[] {0x02, 0x01, 0x00}).expect(Der.SEQUENCE, "PrivateKeyInfo"));
        assertTrue(e.getMessage().startsWith("PrivateKeyInfo: expected tag 0x30, found 0x2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Der.oidString(new byte[] {(byte) 0x86}));
        assertThrows(IllegalArgumentException.class, () -> Der.oidString(new byte[0]));
    }

    private static void assertMessage(String expected, byte[] der) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Der.Reader(der).next());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
