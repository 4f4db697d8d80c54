package dev.kvgate.testcerts;

import dev.kvgate.tls.CertificateBuilder;
import dev.kvgate.tls.KeyType;
import dev.kvgate.tls.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A test PKI built at test time and written as PEM files (PKCS#8 keys): a root CA (the trust bundle), an
 * intermediate CA, server and client leaves signed by the intermediate, expired and not-yet-valid leaves,
 * and a server and client signed by a separate CA nobody trusts. Chains hold leaf then intermediate.
 */
public final class TestPki {

    /** Host names the server certificates are valid for. */
    public static final String SERVER_DNS = "localhost";
    public static final List<String> SERVER_IPS = List.of("127.0.0.1", "::1");
    public static final String CLIENT_CN = "kvgate-test-client";
    public static final String CLIENT_URI = "spiffe://kvgate.test/client";

    // Key generation dominates (RSA 2048 takes ~100 ms a pair): reuse key pairs per role within a JVM run.
    // Certificates are still issued afresh, so validity windows are always relative to now.
    private static final Map<String, KeyPair> KEYS = new ConcurrentHashMap<>();

    private final KeyType keyType;
    private final Issuer issuing;
    private final X509Certificate caCertificate;
    private final Path caCert;
    private final Path intermediateCert;
    private final Path serverChain;
    private final Path serverKey;
    private final Path clientChain;
    private final Path clientKey;
    private final Path expiredServerChain;
    private final Path expiredServerKey;
    private final Path expiredClientChain;
    private final Path expiredClientKey;
    private final Path notYetValidServerChain;
    private final Path notYetValidServerKey;
    private final Path untrustedCaCert;
    private final Path untrustedServerChain;
    private final Path untrustedServerKey;
    private final Path untrustedClientChain;
    private final Path untrustedClientKey;

    private TestPki(Path dir, KeyType keyType) {
        this.keyType = keyType;
        Instant now = Instant.now();
        Instant caFrom = now.minus(Duration.ofDays(30));
        Instant caUntil = now.plus(Duration.ofDays(3650));
        Instant leafFrom = now.minus(Duration.ofDays(1));
        Instant leafUntil = now.plus(Duration.ofDays(365));

        KeyPair rootKeys = keys("root");
        caCertificate = new CertificateBuilder("kvgate test root CA", rootKeys.getPublic())
                .validity(caFrom, caUntil).ca().selfSigned(rootKeys.getPrivate());
        KeyPair intermediateKeys = keys("intermediate");
        X509Certificate intermediate = new CertificateBuilder("kvgate test intermediate CA",
                intermediateKeys.getPublic()).validity(caFrom, caUntil).ca()
                .issuedBy(caCertificate, rootKeys.getPrivate());
        issuing = new Issuer(intermediate, intermediateKeys);

        caCert = Pem.write(dir.resolve("ca.pem"), Pem.certificates(caCertificate));
        intermediateCert = Pem.write(dir.resolve("intermediate.pem"), Pem.certificates(intermediate));

        serverChain = dir.resolve("server-chain.pem");
        serverKey = dir.resolve("server-key.pem");
        server("server", issuing, leafFrom, leafUntil, serverChain, serverKey);
        clientChain = dir.resolve("client-chain.pem");
        clientKey = dir.resolve("client-key.pem");
        client("client", issuing, leafFrom, leafUntil, clientChain, clientKey);

        expiredServerChain = dir.resolve("expired-server-chain.pem");
        expiredServerKey = dir.resolve("expired-server-key.pem");
        server("expired-server", issuing, now.minus(Duration.ofDays(60)), now.minus(Duration.ofDays(1)),
                expiredServerChain, expiredServerKey);
        expiredClientChain = dir.resolve("expired-client-chain.pem");
        expiredClientKey = dir.resolve("expired-client-key.pem");
        client("expired-client", issuing, now.minus(Duration.ofDays(60)), now.minus(Duration.ofDays(1)),
                expiredClientChain, expiredClientKey);
        notYetValidServerChain = dir.resolve("not-yet-valid-server-chain.pem");
        notYetValidServerKey = dir.resolve("not-yet-valid-server-key.pem");
        server("not-yet-valid-server", issuing, now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)),
                notYetValidServerChain, notYetValidServerKey);

        KeyPair untrustedKeys = keys("untrusted-ca");
        X509Certificate untrustedCa = new CertificateBuilder("kvgate untrusted CA", untrustedKeys.getPublic())
                .validity(caFrom, caUntil).ca().selfSigned(untrustedKeys.getPrivate());
        Issuer untrusted = new Issuer(untrustedCa, untrustedKeys);
        untrustedCaCert = Pem.write(dir.resolve("untrusted-ca.pem"), Pem.certificates(untrustedCa));
        untrustedServerChain = dir.resolve("untrusted-server-chain.pem");
        untrustedServerKey = dir.resolve("untrusted-server-key.pem");
        server("untrusted-server", untrusted, leafFrom, leafUntil, untrustedServerChain, untrustedServerKey);
        untrustedClientChain = dir.resolve("untrusted-client-chain.pem");
        untrustedClientKey = dir.resolve("untrusted-client-key.pem");
        client("untrusted-client", untrusted, leafFrom, leafUntil, untrustedClientChain, untrustedClientKey);
    }

    /**
     * Builds the PKI and writes its PEM files into {@code dir} (created if missing; existing files replaced).
     */
    public static TestPki create(Path dir, KeyType type) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        return new TestPki(dir, type);
    }

    /**
     * Issues a new server leaf (fresh key pair and serial, same names, CN kvgate-test-renewed-server),
     * signed by the intermediate as {@link #serverChain()} is, and writes it: what a certificate renewal
     * looks like to a running server. The key is written first, then the chain.
     *
     * @return the new leaf
     */
    public X509Certificate renewServer(Path chain, Path key) {
        Instant now = Instant.now();
        KeyPair keys = keyType.generateKeyPair();
        CertificateBuilder builder = new CertificateBuilder("kvgate-test-renewed-server", keys.getPublic())
                .validity(now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365))).dnsName(SERVER_DNS)
                .serverAuth();
        SERVER_IPS.forEach(builder::ipAddress);
        X509Certificate leaf = builder.issuedBy(issuing.certificate(), issuing.keys().getPrivate());
        Pem.write(key, Pem.privateKey(keys.getPrivate()));
        Pem.write(chain, Pem.certificates(issuing.chainAbove(leaf)));
        return leaf;
    }

    private record Issuer(X509Certificate certificate, KeyPair keys) {
        /** Chain file contents below a leaf: the issuer itself unless it is a root. */
        List<X509Certificate> chainAbove(X509Certificate leaf) {
            boolean root = certificate.getSubjectX500Principal().equals(certificate.getIssuerX500Principal());
            return root ? List.of(leaf) : List.of(leaf, certificate);
        }
    }

    private void server(String role, Issuer issuer, Instant from, Instant until, Path chain, Path key) {
        KeyPair keys = keys(role);
        CertificateBuilder builder = new CertificateBuilder("kvgate-test-" + role, keys.getPublic())
                .validity(from, until).dnsName(SERVER_DNS).serverAuth();
        SERVER_IPS.forEach(builder::ipAddress);
        write(builder.issuedBy(issuer.certificate(), issuer.keys().getPrivate()), issuer, keys, chain, key);
    }

    private void client(String role, Issuer issuer, Instant from, Instant until, Path chain, Path key) {
        KeyPair keys = keys(role);
        String cn = "client".equals(role) ? CLIENT_CN : "kvgate-test-" + role;
        X509Certificate certificate = new CertificateBuilder(cn, keys.getPublic())
                .validity(from, until).uri(CLIENT_URI).clientAuth()
                .issuedBy(issuer.certificate(), issuer.keys().getPrivate());
        write(certificate, issuer, keys, chain, key);
    }

    private static void write(X509Certificate leaf, Issuer issuer, KeyPair keys, Path chain, Path key) {
        Pem.write(chain, Pem.certificates(issuer.chainAbove(leaf)));
        Pem.write(key, Pem.privateKey(keys.getPrivate()));
    }

    private KeyPair keys(String role) {
        return KEYS.computeIfAbsent(keyType + "/" + role, ignored -> keyType.generateKeyPair());
    }

    public KeyType keyType() {
        return keyType;
    }

    /** The root CA certificate: the trust bundle for servers and clients. */
    public X509Certificate caCertificate() {
        return caCertificate;
    }

    /** The root CA as a PEM file: the trust bundle. */
    public Path caCert() {
        return caCert;
    }

    public Path intermediateCert() {
        return intermediateCert;
    }

    /** Server leaf (SAN localhost, 127.0.0.1, ::1) then intermediate. */
    public Path serverChain() {
        return serverChain;
    }

    public Path serverKey() {
        return serverKey;
    }

    /** Client leaf (CN kvgate-test-client, SAN URI spiffe://kvgate.test/client) then intermediate. */
    public Path clientChain() {
        return clientChain;
    }

    public Path clientKey() {
        return clientKey;
    }

    public Path expiredServerChain() {
        return expiredServerChain;
    }

    public Path expiredServerKey() {
        return expiredServerKey;
    }

    public Path expiredClientChain() {
        return expiredClientChain;
    }

    public Path expiredClientKey() {
        return expiredClientKey;
    }

    public Path notYetValidServerChain() {
        return notYetValidServerChain;
    }

    public Path notYetValidServerKey() {
        return notYetValidServerKey;
    }

    /** The CA that signed the untrusted leaves; trusted by nothing unless a test chooses to. */
    public Path untrustedCaCert() {
        return untrustedCaCert;
    }

    public Path untrustedServerChain() {
        return untrustedServerChain;
    }

    public Path untrustedServerKey() {
        return untrustedServerKey;
    }

    public Path untrustedClientChain() {
        return untrustedClientChain;
    }

    public Path untrustedClientKey() {
        return untrustedClientKey;
    }

    /** Every file written, in a stable order. */
    public List<Path> files() {
        return List.of(caCert, intermediateCert, serverChain, serverKey, clientChain, clientKey,
                expiredServerChain, expiredServerKey, expiredClientChain, expiredClientKey,
                notYetValidServerChain, notYetValidServerKey, untrustedCaCert,
                untrustedServerChain, untrustedServerKey, untrustedClientChain, untrustedClientKey);
    }
}
