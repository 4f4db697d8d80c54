package dev.kvgate.tls;

import dev.kvgate.config.TlsSettings;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A minimal CA, server (localhost) and client certificate written as PEM files, for this module's tests. */
final class TestFiles {

    final KeyType keyType;
    final KeyPair caKeys;
    final X509Certificate ca;
    final KeyPair serverKeys;
    final X509Certificate server;
    final KeyPair clientKeys;
    final X509Certificate client;
    final Path caPem;
    final Path serverChain;
    final Path serverKey;
    final Path clientChain;
    final Path clientKey;

    TestFiles(Path dir, KeyType keyType) {
        this.keyType = keyType;
        caKeys = keyType.generateKeyPair();
        ca = new CertificateBuilder("tls-test-ca", caKeys.getPublic()).ca().selfSigned(caKeys.getPrivate());
        serverKeys = keyType.generateKeyPair();
        server = new CertificateBuilder("tls-test-server", serverKeys.getPublic())
                .dnsName("localhost").ipAddress("127.0.0.1").ipAddress("::1").serverAuth()
                .issuedBy(ca, caKeys.getPrivate());
        clientKeys = keyType.generateKeyPair();
        client = new CertificateBuilder("tls-test-client", clientKeys.getPublic())
                .uri("spiffe://kvgate.test/client").clientAuth()
                .issuedBy(ca, caKeys.getPrivate());
        caPem = Pem.write(dir.resolve("ca.pem"), Pem.certificates(ca));
        serverChain = Pem.write(dir.resolve("server-chain.pem"), Pem.certificates(server, ca));
        serverKey = Pem.write(dir.resolve("server-key.pem"), Pem.privateKey(serverKeys.getPrivate()));
        clientChain = Pem.write(dir.resolve("client-chain.pem"), Pem.certificates(client));
        clientKey = Pem.write(dir.resolve("client-key.pem"), Pem.privateKey(clientKeys.getPrivate()));
    }

    TlsSettings serverSettings(TlsSettings.Provider provider) {
        return settings(Optional.of(serverChain), Optional.of(serverKey), Optional.empty(), provider,
                List.of("TLSv1.3", "TLSv1.2"), TlsSettings.ClientAuth.NONE, Optional.empty());
    }

    static TlsSettings settings(Optional<Path> chain, Optional<Path> key, Optional<String> password,
                                TlsSettings.Provider provider, List<String> protocols,
                                TlsSettings.ClientAuth clientAuth, Optional<Path> trust) {
        return new TlsSettings(chain, key, password, provider, protocols, List.of(), clientAuth, trust,
                Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofDays(14));
    }

    static TlsSettings selfSigned(TlsSettings.Provider provider) {
        return settings(Optional.empty(), Optional.empty(), Optional.empty(), provider,
                List.of("TLSv1.3", "TLSv1.2"), TlsSettings.ClientAuth.NONE, Optional.empty());
    }
}
