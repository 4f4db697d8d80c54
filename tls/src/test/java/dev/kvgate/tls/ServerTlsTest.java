package dev.kvgate.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.config.TlsSettings;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.security.spec.RSAPrivateKeySpec;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ServerTlsTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void selfSignedCertificateIsGeneratedWithMatchingFingerprint(TlsSettings.Provider provider) throws Exception {
        ServerTls tls = ServerTls.create(TestFiles.selfSigned(provider));

        X509Certificate[] chain = tls.chain();
        assertEquals(1, chain.length);
        X509Certificate cert = chain[0];
        cert.checkValidity();
        cert.verify(cert.getPublicKey());
        assertEquals("CN=" + ServerTls.SELF_SIGNED_CN, cert.getSubjectX500Principal().getName());
        assertEquals("EC", cert.getPublicKey().getAlgorithm());
        assertEquals(Optional.of(Fingerprints.sha256(cert)), tls.selfSignedFingerprint());
        Set<String> sans = new HashSet<>();
        cert.getSubjectAlternativeNames().forEach(san -> sans.add(String.valueOf(san.get(1))));
        assertEquals(Set.of("localhost", "127.0.0.1", "0:0:0:0:0:0:0:1"), sans);
        assertTrue(tls.context().isServer());
        assertEquals(provider == TlsSettings.Provider.JDK, tls.provider().startsWith("JDK"), tls.provider());
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void sessionCacheIsBoundedAsConfigured(TlsSettings.Provider provider) throws Exception {
        TlsSettings d = TestFiles.selfSigned(provider);
        ServerTls defaults = ServerTls.create(d);
        assertEquals(TlsSettings.DEFAULT_SESSION_CACHE_SIZE, defaults.context().sessionCacheSize());
        assertEquals(TlsSettings.DEFAULT_SESSION_TIMEOUT.toSeconds(), defaults.context().sessionTimeout());

        ServerTls small = ServerTls.create(new TlsSettings(d.certChain(), d.privateKey(), d.keyPassword(),
                d.provider(), d.protocols(), d.ciphers(), d.clientAuth(), d.trust(), d.handshakeTimeout(),
                d.reloadInterval(), d.expiryWarning(), 16, java.time.Duration.ofSeconds(90)));
        assertEquals(16, small.context().sessionCacheSize());
        assertEquals(90, small.context().sessionTimeout());
        assertEquals(16, small.context().sessionContext().getSessionCacheSize());
        assertEquals(90, small.context().sessionContext().getSessionTimeout());
    }

    @Test
    void configuredCertificateHasNoSelfSignedFingerprint() {
        TestFiles files = new TestFiles(dir, KeyType.EC);
        ServerTls tls = ServerTls.create(files.serverSettings(TlsSettings.Provider.AUTO));
        assertEquals(Optional.empty(), tls.selfSignedFingerprint());
        assertEquals(List.of(files.server, files.ca), List.of(tls.chain()));
        assertTrue(tls.provider().startsWith("OpenSSL"), tls.provider());
    }

    @Test
    void missingCertChainFileIsNamed() {
        TestFiles files = new TestFiles(dir, KeyType.EC);
        Path absent = dir.resolve("no-such-chain.pem");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerTls.create(
                TestFiles.settings(Optional.of(absent), Optional.of(files.serverKey), Optional.empty(),
                        TlsSettings.Provider.AUTO, List.of(), TlsSettings.ClientAuth.NONE, Optional.empty())));
        assertTrue(e.getMessage().contains(absent.toString()), e.getMessage());
    }

    @Test
    void chainWithoutKeyIsRejected() {
        TestFiles files = new TestFiles(dir, KeyType.EC);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerTls.create(
                TestFiles.settings(Optional.of(files.serverChain), Optional.empty(), Optional.empty(),
                        TlsSettings.Provider.AUTO, List.of(), TlsSettings.ClientAuth.NONE, Optional.empty())));
        assertTrue(e.getMessage().contains("private-key"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void keyOfAnotherCertificateIsRejected(KeyType type) {
        TestFiles files = new TestFiles(dir, type);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerTls.create(
                TestFiles.settings(Optional.of(files.serverChain), Optional.of(files.clientKey), Optional.empty(),
                        TlsSettings.Provider.AUTO, List.of(), TlsSettings.ClientAuth.NONE, Optional.empty())));
        assertEquals(files.clientKey + ": private key does not match the certificate CN=tls-test-server in "
                + files.serverChain, e.getMessage());
    }

    @Test
    void keyOfAnotherAlgorithmIsRejected() {
        TestFiles ec = new TestFiles(dir, KeyType.EC);
        Path rsaKey = Pem.write(dir.resolve("rsa-key.pem"), Pem.privateKey(KeyType.RSA.generateKeyPair().getPrivate()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerTls.create(
                TestFiles.settings(Optional.of(ec.serverChain), Optional.of(rsaKey), Optional.empty(),
                        TlsSettings.Provider.AUTO, List.of(), TlsSettings.ClientAuth.NONE, Optional.empty())));
        assertEquals(rsaKey + ": RSA private key does not match the EC certificate CN=tls-test-server in "
                + ec.serverChain, e.getMessage());
    }

    @Test
    void rsaKeyWithoutCrtFieldsIsCheckedBySignature() throws Exception {
        TestFiles files = new TestFiles(dir, KeyType.RSA);
        KeyFactory rsa = KeyFactory.getInstance("RSA");
        for (KeyPair keys : List.of(files.serverKeys, files.clientKeys)) {
            RSAPrivateKey crt = (RSAPrivateKey) keys.getPrivate();
            PrivateKey plain = rsa.generatePrivate(new RSAPrivateKeySpec(crt.getModulus(), crt.getPrivateExponent()));
            assertFalse(plain instanceof RSAPrivateCrtKey, plain.getClass().getName());
            if (keys == files.serverKeys) {
                ServerTls.requireMatch(plain, files.server, files.serverKey, files.serverChain);
            } else {
                assertMismatch(plain, files);
            }
        }
    }

    @Test
    void rsaCrtKeyWhosePrimesAreNotOfItsModulusIsRejected() throws Exception {
        TestFiles files = new TestFiles(dir, KeyType.RSA);
        RSAPrivateCrtKey server = (RSAPrivateCrtKey) files.serverKeys.getPrivate();
        RSAPrivateCrtKey other = (RSAPrivateCrtKey) files.clientKeys.getPrivate();
        // The certificate's modulus and exponent, another key's private parts: what signs is the CRT part.
        PrivateKey spliced = KeyFactory.getInstance("RSA").generatePrivate(new RSAPrivateCrtKeySpec(
                server.getModulus(), server.getPublicExponent(), other.getPrivateExponent(), other.getPrimeP(),
                other.getPrimeQ(), other.getPrimeExponentP(), other.getPrimeExponentQ(), other.getCrtCoefficient()));
        assertMismatch(spliced, files);
        ServerTls.requireMatch(server, files.server, files.serverKey, files.serverChain);
    }

    @Test
    void ed25519KeyIsCheckedBySignature() throws Exception {
        TestFiles files = new TestFiles(dir, KeyType.EC);
        KeyPairGenerator ed25519 = KeyPairGenerator.getInstance("Ed25519");
        KeyPair keys = ed25519.generateKeyPair();
        X509Certificate leaf = new CertificateBuilder("tls-test-server", keys.getPublic()).serverAuth()
                .issuedBy(files.ca, files.caKeys.getPrivate());
        ServerTls.requireMatch(keys.getPrivate(), leaf, files.serverKey, files.serverChain);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerTls.requireMatch(
                ed25519.generateKeyPair().getPrivate(), leaf, files.serverKey, files.serverChain));
        assertEquals(files.serverKey + ": private key does not match the certificate CN=tls-test-server in "
                + files.serverChain, e.getMessage());
    }

    private static void assertMismatch(PrivateKey key, TestFiles files) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerTls.requireMatch(key, files.server, files.serverKey, files.serverChain));
        assertEquals(files.serverKey + ": private key does not match the certificate CN=tls-test-server in "
                + files.serverChain, e.getMessage());
    }

    @Test
    void clientAuthWithoutTrustIsRejected() {
        TestFiles files = new TestFiles(dir, KeyType.EC);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServerTls.create(
                TestFiles.settings(Optional.of(files.serverChain), Optional.of(files.serverKey), Optional.empty(),
                        TlsSettings.Provider.AUTO, List.of(), TlsSettings.ClientAuth.REQUIRE, Optional.empty())));
        assertTrue(e.getMessage().contains("kvgate.tls.trust"), e.getMessage());
    }

    @Test
    void protocolOlderThanTls12IsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ServerTls.create(TestFiles.settings(Optional.empty(),
                Optional.empty(), Optional.empty(), TlsSettings.Provider.AUTO, List.of("TLSv1.2", "TLSv1.1"),
                TlsSettings.ClientAuth.NONE, Optional.empty())));
    }

    enum KeyFormat { PKCS8, TRADITIONAL, ENCRYPTED_PKCS8 }

    @ParameterizedTest
    @EnumSource(KeyFormat.class)
    void everyKeyFormatLoadsOnBothProviders(KeyFormat format) {
        for (KeyType type : KeyType.values()) {
            TestFiles files = new TestFiles(dir, type);
            PrivateKey key = files.serverKeys.getPrivate();
            String pem = switch (format) {
                case PKCS8 -> Pem.privateKey(key);
                case TRADITIONAL -> Pem.traditionalPrivateKey(key);
                case ENCRYPTED_PKCS8 -> Pem.encryptedPrivateKey(key, "pw".toCharArray());
            };
            Path keyFile = Pem.write(dir.resolve("key-" + format + "-" + type + ".pem"), pem);
            Optional<String> password = format == KeyFormat.ENCRYPTED_PKCS8 ? Optional.of("pw") : Optional.empty();
            for (TlsSettings.Provider provider : List.of(TlsSettings.Provider.OPENSSL, TlsSettings.Provider.JDK)) {
                ServerTls tls = ServerTls.create(TestFiles.settings(Optional.of(files.serverChain),
                        Optional.of(keyFile), password, provider, List.of(), TlsSettings.ClientAuth.NONE,
                        Optional.empty()));
                assertEquals(files.server, tls.chain()[0], format + " " + type + " " + provider);
            }
        }
    }
}
