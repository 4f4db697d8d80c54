package dev.kvgate.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.DSAPrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaMiscPEMGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

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

    @Test
    void chainReadsAroundCommentsOtherBlocksAndCrlf() {
        KeyPair caKeys = KeyType.RSA.generateKeyPair();
        X509Certificate ca = new CertificateBuilder("ca", caKeys.getPublic()).ca().selfSigned(caKeys.getPrivate());
        KeyPair leafKeys = KeyType.EC.generateKeyPair();
        X509Certificate leaf = new CertificateBuilder("leaf", leafKeys.getPublic()).issuedBy(ca, caKeys.getPrivate());
        // openssl x509 -text style comments, a key bundled in, the old "X509 CERTIFICATE" label, Windows line ends.
        String pem = "subject=CN = leaf\n" + Pem.certificates(leaf) + Pem.privateKey(leafKeys.getPrivate())
                + "  Certificate:\n" + Pem.certificates(ca).replace("CERTIFICATE", "X509 CERTIFICATE");
        Path file = Pem.write(dir.resolve("bundle.pem"), pem.replace("\n", "\r\n"));
        assertEquals(List.of(leaf, ca), Pem.readCertificates(file));
        assertKeyEquals(leafKeys.getPrivate(), Pem.readPrivateKey(file, Optional.empty()));
    }

    /** A key written in one PEM form; {@link #toString} names the case. */
    record KeyFile(String name, PrivateKey key, String pem, Optional<String> password) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Every key form the BouncyCastle reader (now BcPem) read, and its JDK algorithms. */
    static Stream<KeyFile> keyFiles() throws GeneralSecurityException, IOException {
        PrivateKey rsa = KeyType.RSA.generateKeyPair().getPrivate();
        PrivateKey p256 = KeyType.EC.generateKeyPair().getPrivate();
        PrivateKey p384 = generate("EC", new ECGenParameterSpec("secp384r1"));
        PrivateKey p521 = generate("EC", new ECGenParameterSpec("secp521r1"));
        PrivateKey dsa = generate("DSA", null);
        List<KeyFile> files = new ArrayList<>();
        for (PrivateKey key : List.of(rsa, p256, p384, p521, dsa, generate("RSASSA-PSS", null),
                generate("Ed25519", null), generate("Ed448", null), generate("X25519", null))) {
            files.add(new KeyFile("PKCS#8 " + describe(key), key, Pem.privateKey(key), Optional.empty()));
        }
        files.add(new KeyFile("PKCS#1 RSA", rsa, Pem.traditionalPrivateKey(rsa), Optional.empty()));
        for (PrivateKey key : List.of(p256, p384, p521)) {
            files.add(new KeyFile("SEC1 " + describe(key), key, Pem.traditionalPrivateKey(key), Optional.empty()));
        }
        // openssl ecparam -name prime256v1 -genkey writes the curve as a block of its own first.
        files.add(new KeyFile("SEC1 after EC PARAMETERS", p256, "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n"
                + "-----END EC PARAMETERS-----\n" + Pem.traditionalPrivateKey(p256), Optional.empty()));
        files.add(new KeyFile("PKCS#1 with CRLF", rsa, Pem.traditionalPrivateKey(rsa).replace("\n", "\r\n"),
                Optional.empty()));
        files.add(new KeyFile("DSA PRIVATE KEY", dsa, bouncyCastlePem(dsa, null), Optional.empty()));
        for (PrivateKey key : List.of(rsa, p256)) {
            files.add(new KeyFile("encrypted PKCS#8 " + describe(key), key,
                    Pem.encryptedPrivateKey(key, PASSWORD.toCharArray()), Optional.of(PASSWORD)));
        }
        files.add(new KeyFile("legacy encrypted PKCS#1", rsa, bouncyCastlePem(rsa, PASSWORD.toCharArray()),
                Optional.of(PASSWORD)));
        files.add(new KeyFile("legacy encrypted SEC1", p256,
                bouncyCastlePem(sec1WithCurve(p256), PASSWORD.toCharArray()), Optional.of(PASSWORD)));
        return files.stream();
    }

    @ParameterizedTest
    @MethodSource("keyFiles")
    void everyKeyFormatReadsToTheKeyTheBouncyCastleReaderRead(KeyFile file) {
        Path path = Pem.write(dir.resolve("key.pem"), file.pem());
        PrivateKey read = Pem.readPrivateKey(path, file.password());
        PrivateKey before = BcPem.readPrivateKey(file.pem(), "reference", file.password());
        assertEquals(before.getAlgorithm(), read.getAlgorithm());
        assertEquals(before.getClass(), read.getClass());
        assertArrayEquals(before.getEncoded(), read.getEncoded());
        assertKeyEquals(file.key(), read);
    }

    @Test
    void sec1KeyWithoutCurveFailsAsBeforeNamingTheFile() throws Exception {
        ECPrivateKey key = (ECPrivateKey) KeyType.EC.generateKeyPair().getPrivate();
        // SEC1 without the optional [0] parameters: the curve is unknown, no KeyFactory can take it.
        String pem = pem("EC PRIVATE KEY", new org.bouncycastle.asn1.sec.ECPrivateKey(256, key.getS()).getEncoded());
        Path file = Pem.write(dir.resolve("no-curve.pem"), pem);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pem.readPrivateKey(file, Optional.empty()));
        IllegalArgumentException before = assertThrows(IllegalArgumentException.class,
                () -> BcPem.readPrivateKey(pem, file.toString(), Optional.empty()));
        assertEquals(before.getMessage(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
    }

    @Test
    void truncatedBase64IsNamed() {
        KeyPair keys = KeyType.EC.generateKeyPair();
        X509Certificate cert = new CertificateBuilder("leaf", keys.getPublic()).selfSigned(keys.getPrivate());
        // 3 characters off: not Base64 any more. A whole line off: Base64 of a truncated structure.
        for (int cut : new int[] {3, 64}) {
            Path chain = Pem.write(dir.resolve("chain-" + cut + ".pem"), cutBody(Pem.certificates(cert), cut));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pem.readCertificates(chain));
            assertTrue(e.getMessage().startsWith(chain + ": not a readable PEM certificate file: CERTIFICATE block"),
                    e.getMessage());
            for (String key : List.of(Pem.privateKey(keys.getPrivate()), Pem.traditionalPrivateKey(keys.getPrivate()))) {
                Path keyFile = Pem.write(dir.resolve("key-" + cut + ".pem"), cutBody(key, cut));
                e = assertThrows(IllegalArgumentException.class, () -> Pem.readPrivateKey(keyFile, Optional.empty()));
                assertTrue(e.getMessage().startsWith(keyFile + ": not a readable PEM private key: "), e.getMessage());
                assertTrue(e.getMessage().contains(cut == 3 ? "bad Base64" : "runs past the end"), e.getMessage());
            }
        }
    }

    @Test
    void blockWithoutEndOrWithBytesAfterTheCertificateIsNamed() {
        KeyPair keys = KeyType.EC.generateKeyPair();
        String cert = Pem.certificates(new CertificateBuilder("leaf", keys.getPublic()).selfSigned(keys.getPrivate()));
        Path noEnd = Pem.write(dir.resolve("no-end.pem"), cert.substring(0, cert.indexOf("-----END")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pem.readCertificates(noEnd));
        assertTrue(e.getMessage().startsWith(noEnd + ": not a readable PEM certificate file: "), e.getMessage());
        assertTrue(e.getMessage().contains("no -----END CERTIFICATE----- line"), e.getMessage());

        String body = cert.substring(cert.indexOf('\n') + 1, cert.indexOf("-----END")).replace("\n", "");
        byte[] der = Base64.getDecoder().decode(body);
        byte[] longer = java.util.Arrays.copyOf(der, der.length + 2);
        Path trailing = Pem.write(dir.resolve("trailing.pem"), pem("CERTIFICATE", longer));
        e = assertThrows(IllegalArgumentException.class, () -> Pem.readCertificates(trailing));
        assertTrue(e.getMessage().startsWith(trailing + ": not a readable PEM certificate file: "), e.getMessage());
        assertTrue(e.getMessage().contains("2 bytes after the certificate"), e.getMessage());
    }

    @Test
    void wrongKeyTypeIsNamed() throws Exception {
        PrivateKey ec = KeyType.EC.generateKeyPair().getPrivate();
        // SEC1 content under the PKCS#1 label: the RSA KeyFactory refuses it.
        String sec1AsRsa = Pem.traditionalPrivateKey(ec).replace("EC PRIVATE KEY", "RSA PRIVATE KEY");
        Path mislabelled = Pem.write(dir.resolve("mislabelled.pem"), sec1AsRsa);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Pem.readPrivateKey(mislabelled, Optional.empty()));
        assertTrue(e.getMessage().startsWith(mislabelled + ": not a usable private key: "), e.getMessage());

        // PKCS#8 of an algorithm no JDK KeyFactory knows (an arbitrary OID under 1.3.6.1.4.1.99999).
        byte[] unknown = Der.privateKeyInfo(Der.tlv(Der.SEQUENCE, Der.oid("1.3.6.1.4.1.99999.1")), new byte[] {1});
        Path odd = Pem.write(dir.resolve("odd.pem"), pem("PRIVATE KEY", unknown));
        e = assertThrows(IllegalArgumentException.class, () -> Pem.readPrivateKey(odd, Optional.empty()));
        assertTrue(e.getMessage().startsWith(odd + ": not a usable private key: "), e.getMessage());

        Path publicKey = Pem.write(dir.resolve("public.pem"),
                pem("PUBLIC KEY", KeyType.EC.generateKeyPair().getPublic().getEncoded()));
        e = assertThrows(IllegalArgumentException.class, () -> Pem.readPrivateKey(publicKey, Optional.empty()));
        assertEquals(publicKey + ": no PRIVATE KEY block found", e.getMessage());
    }

    @Test
    void emptyFileAndKeyFileWithOnlyACertificateAreNamed() {
        Path empty = Pem.write(dir.resolve("empty.pem"), "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pem.readCertificates(empty));
        assertEquals(empty + ": no CERTIFICATE block found", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Pem.readPrivateKey(empty, Optional.empty()));
        assertEquals(empty + ": no PRIVATE KEY block found", e.getMessage());

        KeyPair keys = KeyType.RSA.generateKeyPair();
        Path certOnly = Pem.write(dir.resolve("cert-only.pem"),
                Pem.certificates(new CertificateBuilder("leaf", keys.getPublic()).selfSigned(keys.getPrivate())));
        e = assertThrows(IllegalArgumentException.class, () -> Pem.readPrivateKey(certOnly, Optional.empty()));
        assertEquals(certOnly + ": no PRIVATE KEY block found", e.getMessage());
    }

    /**
     * What the JDK-only reader is for: a server reading an unencrypted chain and key (PKCS#8, PKCS#1, SEC1)
     * and checking the pair loads no BouncyCastle class (the old reader loaded about 150). Checked in the
     * class loading log of a fresh JVM, as this one has BouncyCastle loaded already. The same JVM then reads
     * an encrypted key, which must show BouncyCastle in the log: the check cannot pass by not seeing it.
     */
    @Test
    @Timeout(120)
    void readingUnencryptedFilesLoadsNoBouncyCastle() throws Exception {
        TestFiles rsa = new TestFiles(Files.createDirectories(dir.resolve("rsa")), KeyType.RSA);
        TestFiles ec = new TestFiles(Files.createDirectories(dir.resolve("ec")), KeyType.EC);
        Path rsaPkcs1 = Pem.write(dir.resolve("rsa-pkcs1.pem"), Pem.traditionalPrivateKey(rsa.serverKeys.getPrivate()));
        Path ecSec1 = Pem.write(dir.resolve("ec-sec1.pem"), Pem.traditionalPrivateKey(ec.serverKeys.getPrivate()));
        Path encrypted = Pem.write(dir.resolve("encrypted.pem"),
                Pem.encryptedPrivateKey(ec.clientKeys.getPrivate(), PASSWORD.toCharArray()));
        String classPath = System.getProperty("java.class.path");
        assertTrue(classPath.contains("test-classes"), "the test class path, for the child JVM: " + classPath);

        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-verbose:class", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", classPath,
                StartPathReads.class.getName(),
                rsa.serverChain + "=" + rsa.serverKey, rsa.serverChain + "=" + rsaPkcs1,
                ec.serverChain + "=" + ec.serverKey, ec.serverChain + "=" + ecSec1,
                "--", encrypted.toString(), PASSWORD).redirectErrorStream(true).start();
        List<String> lines;
        try (BufferedReader output = child.inputReader()) {
            lines = output.lines().toList();
        }
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM still running");
        String all = String.join("\n", lines);
        assertEquals(0, child.exitValue(), all);

        int marker = lines.indexOf(StartPathReads.UNENCRYPTED_DONE);
        assertTrue(marker > 0, all);
        List<String> startPath = lines.subList(0, marker);
        List<String> afterwards = lines.subList(marker, lines.size());
        assertEquals(4, startPath.stream().filter(line -> line.startsWith("kvgate-test: read ")).count(), all);
        assertTrue(startPath.stream().anyMatch(line -> line.contains(" dev.kvgate.tls.Pem ")),
                "no class loading log: " + all);
        assertEquals(List.of(), startPath.stream().filter(line -> line.contains(" org.bouncycastle.")).toList());
        assertTrue(afterwards.contains(StartPathReads.ENCRYPTED_DONE), all);
        assertTrue(afterwards.stream().anyMatch(line -> line.contains(" org.bouncycastle.")),
                "reading the encrypted key showed no BouncyCastle class in the log: " + all);
    }

    private static PrivateKey generate(String algorithm, ECGenParameterSpec curve) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        if (curve != null) {
            generator.initialize(curve);
        }
        return generator.generateKeyPair().getPrivate();
    }

    private static String describe(PrivateKey key) {
        return key instanceof ECPrivateKey ec ? "EC-" + ec.getParams().getOrder().bitLength() : key.getAlgorithm();
    }

    /** A block as BouncyCastle's own writer makes it, encrypted the OpenSSL legacy way when password is set. */
    private static String bouncyCastlePem(Object object, char[] password) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(password == null ? new JcaMiscPEMGenerator(object)
                    : new JcaMiscPEMGenerator(object, new JcePEMEncryptorBuilder("AES-256-CBC")
                            // OpenSSL's key derivation is BouncyCastle's own: an instance, never registered.
                            .setProvider(new BouncyCastleProvider()).build(password)));
        }
        return out.toString();
    }

    /** The key as a BouncyCastle PrivateKeyInfo whose SEC1 part names the curve, as OpenSSL writes it. */
    private static org.bouncycastle.asn1.pkcs.PrivateKeyInfo sec1WithCurve(PrivateKey ec) throws IOException {
        String sec1 = Pem.traditionalPrivateKey(ec);
        byte[] der = Base64.getMimeDecoder().decode(sec1.replaceAll("-----[A-Z ]+-----", ""));
        var parsed = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(der);
        return new org.bouncycastle.asn1.pkcs.PrivateKeyInfo(new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                org.bouncycastle.asn1.x9.X9ObjectIdentifiers.id_ecPublicKey, parsed.getParametersObject()), parsed);
    }

    private static String pem(String label, byte[] der) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + label + "-----\n";
    }

    /** The PEM text with the last {@code characters} of its Base64 body removed. */
    private static String cutBody(String pem, int characters) {
        int end = pem.indexOf("\n-----END");
        String body = pem.substring(0, end);
        StringBuilder cut = new StringBuilder(body);
        for (int removed = 0; removed < characters && cut.length() > 0; ) {
            char c = cut.charAt(cut.length() - 1);
            cut.setLength(cut.length() - 1);
            if (c != '\n') {
                removed++;
            }
        }
        return cut + pem.substring(end);
    }

    private static void assertKeyEquals(PrivateKey expected, PrivateKey actual) {
        // Compared by value: a SEC1 key re-read carries its public point, so encodings may differ.
        assertEquals(expected.getAlgorithm(), actual.getAlgorithm());
        if (expected instanceof RSAPrivateKey rsa) {
            assertEquals(rsa.getModulus(), ((RSAPrivateKey) actual).getModulus());
            assertEquals(rsa.getPrivateExponent(), ((RSAPrivateKey) actual).getPrivateExponent());
        } else if (expected instanceof ECPrivateKey ec) {
            assertEquals(ec.getS(), ((ECPrivateKey) actual).getS());
            assertEquals(ec.getParams().getOrder(), ((ECPrivateKey) actual).getParams().getOrder());
        } else if (expected instanceof DSAPrivateKey dsa) {
            assertEquals(dsa.getX(), ((DSAPrivateKey) actual).getX());
        } else {
            assertArrayEquals(expected.getEncoded(), actual.getEncoded());
        }
    }
}
