package dev.kvgate.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CertificateBuilderTest {

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void caIsSelfSignedWithCaConstraints(KeyType type) throws Exception {
        KeyPair keys = type.generateKeyPair();
        X509Certificate ca = new CertificateBuilder("root", keys.getPublic()).ca().selfSigned(keys.getPrivate());

        ca.verify(keys.getPublic());
        assertEquals("CN=root", ca.getSubjectX500Principal().getName());
        assertEquals(ca.getSubjectX500Principal(), ca.getIssuerX500Principal());
        assertEquals(Integer.MAX_VALUE, ca.getBasicConstraints());
        assertTrue(ca.getKeyUsage()[5], "keyCertSign");
        assertEquals(type.signatureAlgorithm(), ca.getSigAlgName());
        assertTrue(ca.getSerialNumber().signum() > 0);
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void leafCarriesSansKeyUsageAndEku(KeyType type) throws Exception {
        KeyPair caKeys = type.generateKeyPair();
        X509Certificate ca = new CertificateBuilder("root", caKeys.getPublic()).ca().selfSigned(caKeys.getPrivate());
        KeyPair leafKeys = type.generateKeyPair();
        X509Certificate leaf = new CertificateBuilder("leaf", leafKeys.getPublic())
                .dnsName("localhost").ipAddress("127.0.0.1").ipAddress("::1").uri("spiffe://kvgate.test/x")
                .serverAuth().clientAuth()
                .issuedBy(ca, caKeys.getPrivate());

        leaf.verify(ca.getPublicKey());
        assertEquals(ca.getSubjectX500Principal(), leaf.getIssuerX500Principal());
        assertEquals(-1, leaf.getBasicConstraints());
        assertTrue(leaf.getKeyUsage()[0], "digitalSignature");
        assertEquals(type == KeyType.RSA, leaf.getKeyUsage()[2], "keyEncipherment only for RSA");
        assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), leaf.getExtendedKeyUsage());
        Set<String> sans = new HashSet<>();
        leaf.getSubjectAlternativeNames().forEach(san -> sans.add(san.get(0) + ":" + san.get(1)));
        assertEquals(Set.of("2:localhost", "7:127.0.0.1", "7:0:0:0:0:0:0:0:1", "6:spiffe://kvgate.test/x"), sans);
    }

    @Test
    void validityIsAsRequestedAndSerialsDiffer() {
        KeyPair keys = KeyType.EC.generateKeyPair();
        Instant from = Instant.now().minus(Duration.ofDays(10)).truncatedTo(ChronoUnit.SECONDS);
        Instant until = from.plus(Duration.ofDays(5));
        X509Certificate expired = new CertificateBuilder("old", keys.getPublic())
                .validity(from, until).selfSigned(keys.getPrivate());
        assertEquals(from, expired.getNotBefore().toInstant());
        assertEquals(until, expired.getNotAfter().toInstant());
        assertThrows(CertificateExpiredException.class, expired::checkValidity);

        X509Certificate future = new CertificateBuilder("future", keys.getPublic())
                .validity(Instant.now().plus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(2)))
                .selfSigned(keys.getPrivate());
        assertThrows(CertificateNotYetValidException.class, future::checkValidity);

        X509Certificate again = new CertificateBuilder("old", keys.getPublic())
                .validity(from, until).selfSigned(keys.getPrivate());
        assertNotEquals(expired.getSerialNumber(), again.getSerialNumber());
    }

    @Test
    void emptyValidityIsRejected() {
        KeyPair keys = KeyType.EC.generateKeyPair();
        Instant now = Instant.now();
        assertThrows(IllegalArgumentException.class, () -> new CertificateBuilder("x", keys.getPublic())
                .validity(now, now).selfSigned(keys.getPrivate()));
    }

    @Test
    void fingerprintIsColonSeparatedSha256() throws Exception {
        KeyPair keys = KeyType.EC.generateKeyPair();
        X509Certificate cert = new CertificateBuilder("x", keys.getPublic()).selfSigned(keys.getPrivate());
        String fingerprint = Fingerprints.sha256(cert);
        assertTrue(fingerprint.matches("([0-9A-F]{2}:){31}[0-9A-F]{2}"), fingerprint);
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
        assertEquals(HexFormat.of().withUpperCase().formatHex(digest), fingerprint.replace(":", ""));
        assertFalse(fingerprint.isEmpty());
    }
}
