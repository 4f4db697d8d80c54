package dev.kvgate.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PemTest {

    private static final String PASSWORD = "s3cret";

    @TempDir
    Path dir;

    @Test
    void certificateChainRoundTripsInOrder() {
        KeyPair caKeys = KeyType.EC.generateKeyPair();
        X509Certificate ca = new CertificateBuilder("ca", caKeys.getPublic()).ca().selfSigned(caKeys.getPrivate());
        KeyPair leafKeys = KeyType.EC.generateKeyPair();
        X509Certificate leaf = new CertificateBuilder("leaf", leafKeys.getPublic()).issuedBy(ca, caKeys.getPrivate());

        String pem = Pem.certificates(leaf, ca);
        assertTrue(pem.startsWith("-----BEGIN CERTIFICATE-----"), pem);
        Path file = Pem.write(dir.resolve("chain.pem"), "# a comment before the blocks\n" + pem);
        assertEquals(List.of(leaf, ca), Pem.readCertificates(file));
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void pkcs8KeyRoundTrips(KeyType type) {
        PrivateKey key = type.generateKeyPair().getPrivate();
        String pem = Pem.privateKey(key);
        assertTrue(pem.startsWith("-----BEGIN PRIVATE KEY-----"), pem);
        assertKeyEquals(key, Pem.readPrivateKey(Pem.write(dir.resolve("k.pem"), pem), Optional.empty()));
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void traditionalKeyLoads(KeyType type) {
        PrivateKey key = type.generateKeyPair().getPrivate();
        String pem = Pem.traditionalPrivateKey(key);
        String header = type == KeyType.RSA ? "-----BEGIN RSA PRIVATE KEY-----" : "-----BEGIN EC PRIVATE KEY-----";
        assertTrue(pem.startsWith(header), pem);
        assertKeyEquals(key, Pem.readPrivateKey(Pem.write(dir.resolve("k.pem"), pem), Optional.empty()));
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void encryptedPkcs8KeyLoadsWithPassword(KeyType type) {
        PrivateKey key = type.generateKeyPair().getPrivate();
        String pem = Pem.encryptedPrivateKey(key, PASSWORD.toCharArray());
        assertTrue(pem.startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"), pem);
        Path file = Pem.write(dir.resolve("k.pem"), pem);
        assertKeyEquals(key, Pem.readPrivateKey(file, Optional.of(PASSWORD)));

        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> Pem.readPrivateKey(file, Optional.of("wrong")));
        assertTrue(wrong.getMessage().startsWith(file.toString()), wrong.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> Pem.readPrivateKey(file, Optional.empty()));
        assertTrue(missing.getMessage().contains("no key password"), missing.getMessage());
    }

    @Test
    void missingFileIsNamed() {
        Path absent = dir.resolve("absent.pem");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pem.readCertificates(absent));
        assertTrue(e.getMessage().contains(absent.toString()), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pem.readPrivateKey(absent, Optional.empty()));
        assertTrue(e.getMessage().contains(absent.toString()), e.getMessage());
    }

    @Test
    void fileWithoutTheExpectedBlockIsNamed() {
        Path keyOnly = Pem.write(dir.resolve("key-only.pem"), Pem.privateKey(KeyType.EC.generateKeyPair().getPrivate()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pem.readCertificates(keyOnly));
        assertTrue(e.getMessage().startsWith(keyOnly.toString()), e.getMessage());

        Path garbage = Pem.write(dir.resolve("garbage.pem"),
                "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
        e = assertThrows(IllegalArgumentException.class, () -> Pem.readPrivateKey(garbage, Optional.empty()));
        assertTrue(e.getMessage().startsWith(garbage.toString()), e.getMessage());
    }

    private static void assertKeyEquals(PrivateKey expected, PrivateKey actual) {
        // Compared by value: a SEC1 key re-read carries its public point, so encodings may differ.
        assertEquals(expected.getAlgorithm(), actual.getAlgorithm());
        if (expected instanceof RSAPrivateKey rsa) {
            assertEquals(rsa.getModulus(), ((RSAPrivateKey) actual).getModulus());
            assertEquals(rsa.getPrivateExponent(), ((RSAPrivateKey) actual).getPrivateExponent());
        } else {
            assertEquals(((ECPrivateKey) expected).getS(), ((ECPrivateKey) actual).getS());
        }
    }
}
