package dev.kvgate.testcerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.tls.KeyType;
import dev.kvgate.tls.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TestPkiTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void serverAndClientChainsVerifyToTheRoot(KeyType type) throws Exception {
        TestPki pki = TestPki.create(dir, type);

        List<X509Certificate> server = Pem.readCertificates(pki.serverChain());
        assertEquals(2, server.size(), "leaf + intermediate");
        validate(pki, server);
        validate(pki, Pem.readCertificates(pki.clientChain()));
        assertEquals(List.of(pki.caCertificate()), Pem.readCertificates(pki.caCert()));
        assertEquals(type.name().equals("EC") ? "EC" : "RSA", server.get(0).getPublicKey().getAlgorithm());
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void keysMatchTheirCertificates(KeyType type) throws Exception {
        TestPki pki = TestPki.create(dir, type);
        assertKeyMatches(pki.serverKey(), pki.serverChain(), type);
        assertKeyMatches(pki.clientKey(), pki.clientChain(), type);
        assertKeyMatches(pki.expiredServerKey(), pki.expiredServerChain(), type);
        assertKeyMatches(pki.expiredClientKey(), pki.expiredClientChain(), type);
        assertKeyMatches(pki.notYetValidServerKey(), pki.notYetValidServerChain(), type);
        assertKeyMatches(pki.untrustedServerKey(), pki.untrustedServerChain(), type);
        assertKeyMatches(pki.untrustedClientKey(), pki.untrustedClientChain(), type);
        assertTrue(Files.readString(pki.serverKey()).startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8");
    }

    @Test
    void serverCarriesLocalhostSansAndClientItsSpiffeId() throws Exception {
        TestPki pki = TestPki.create(dir, KeyType.EC);
        X509Certificate server = Pem.readCertificates(pki.serverChain()).get(0);
        assertEquals(Set.of("2:localhost", "7:127.0.0.1", "7:0:0:0:0:0:0:0:1"), sans(server));
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), server.getExtendedKeyUsage());

        X509Certificate client = Pem.readCertificates(pki.clientChain()).get(0);
        assertEquals("CN=" + TestPki.CLIENT_CN, client.getSubjectX500Principal().getName());
        assertEquals(Set.of("6:" + TestPki.CLIENT_URI), sans(client));
        assertEquals(List.of("1.3.6.1.5.5.7.3.2"), client.getExtendedKeyUsage());
    }

    @Test
    void expiredAndNotYetValidAreSoAndFailValidation() throws Exception {
        TestPki pki = TestPki.create(dir, KeyType.EC);
        for (Path chain : List.of(pki.expiredServerChain(), pki.expiredClientChain())) {
            List<X509Certificate> certificates = Pem.readCertificates(chain);
            assertThrows(CertificateExpiredException.class, () -> certificates.get(0).checkValidity(), chain::toString);
            assertThrows(CertPathValidatorException.class, () -> validate(pki, certificates), chain::toString);
        }
        List<X509Certificate> future = Pem.readCertificates(pki.notYetValidServerChain());
        assertThrows(CertificateNotYetValidException.class, () -> future.get(0).checkValidity());
        assertThrows(CertPathValidatorException.class, () -> validate(pki, future));
    }

    @Test
    void untrustedLeavesDoNotVerifyAgainstTheRoot() throws Exception {
        TestPki pki = TestPki.create(dir, KeyType.EC);
        for (Path chain : List.of(pki.untrustedServerChain(), pki.untrustedClientChain())) {
            List<X509Certificate> certificates = Pem.readCertificates(chain);
            certificates.get(0).checkValidity();
            assertThrows(CertPathValidatorException.class, () -> validate(pki, certificates), chain::toString);
        }
    }

    @Test
    void rsaPkiIsFastOnceKeysAreCached() {
        TestPki.create(dir.resolve("first"), KeyType.RSA);
        long start = System.nanoTime();
        TestPki.create(dir.resolve("second"), KeyType.RSA);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 2_000, "second RSA PKI took " + millis + " ms");
    }

    private static void validate(TestPki pki, List<X509Certificate> chain) throws Exception {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(pki.caCertificate(), null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(chain), parameters);
    }

    private static Set<String> sans(X509Certificate certificate) throws Exception {
        Set<String> sans = new HashSet<>();
        certificate.getSubjectAlternativeNames().forEach(san -> sans.add(san.get(0) + ":" + san.get(1)));
        return sans;
    }

    private static void assertKeyMatches(Path keyFile, Path chainFile, KeyType type) throws Exception {
        PrivateKey key = Pem.readPrivateKey(keyFile, Optional.empty());
        X509Certificate leaf = Pem.readCertificates(chainFile).get(0);
        byte[] data = {1, 2, 3};
        Signature signer = Signature.getInstance(type.signatureAlgorithm());
        signer.initSign(key);
        signer.update(data);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(type.signatureAlgorithm());
        verifier.initVerify(leaf.getPublicKey());
        verifier.update(data);
        assertTrue(verifier.verify(signature), keyFile + " does not match " + chainFile);
    }
}
