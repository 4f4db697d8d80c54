package dev.kvgate.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Server-side TLS: certificate source, engine, protocol versions, client authentication, and the bounds
 * of the server's session cache (TLS 1.2 session ids; TLS 1.3 resumes with stateless tickets, which
 * hold nothing on the server).
 */
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
        Duration expiryWarning,
        int sessionCacheSize,
        Duration sessionTimeout) {

    /** {@code session-cache-size} and {@code session-timeout} as reference.conf has them. */
    public static final int DEFAULT_SESSION_CACHE_SIZE = 1024;
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofMinutes(5);

    /** Which SSLEngine implementation to use; AUTO prefers OpenSSL (BoringSSL via netty-tcnative). */
    public enum Provider { AUTO, OPENSSL, JDK }

    public enum ClientAuth { NONE, OPTIONAL, REQUIRE }

    public TlsSettings {
        protocols = List.copyOf(protocols);
        ciphers = List.copyOf(ciphers);
        if (sessionCacheSize < 1) {
            throw new IllegalArgumentException("session cache size must be at least 1: " + sessionCacheSize);
        }
    }

    /** With reference.conf's session cache bounds. */
    public TlsSettings(Optional<Path> certChain, Optional<Path> privateKey, Optional<String> keyPassword,
                       Provider provider, List<String> protocols, List<String> ciphers, ClientAuth clientAuth,
                       Optional<Path> trust, Duration handshakeTimeout, Duration reloadInterval,
                       Duration expiryWarning) {
        this(certChain, privateKey, keyPassword, provider, protocols, ciphers, clientAuth, trust, handshakeTimeout,
                reloadInterval, expiryWarning, DEFAULT_SESSION_CACHE_SIZE, DEFAULT_SESSION_TIMEOUT);
    }
}
