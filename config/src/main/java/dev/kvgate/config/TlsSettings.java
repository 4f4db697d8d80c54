package dev.kvgate.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Server-side TLS: certificate source, engine, protocol versions, client authentication. */
public record TlsSettings(
        Optional<Path> certChain,
        Optional<Path> privateKey,
        Optional<String> keyPassword,
        Provider provider,
        List<String> protocols,
        List<String> ciphers,
        ClientAuth clientAuth,
        Optional<Path> trust,
        Duration handshakeTimeout,
        Duration reloadInterval,
        Duration expiryWarning) {

    /** Which SSLEngine implementation to use; AUTO prefers OpenSSL (BoringSSL via netty-tcnative). */
    public enum Provider { AUTO, OPENSSL, JDK }

    public enum ClientAuth { NONE, OPTIONAL, REQUIRE }

    public TlsSettings {
        protocols = List.copyOf(protocols);
        ciphers = List.copyOf(ciphers);
    }
}
