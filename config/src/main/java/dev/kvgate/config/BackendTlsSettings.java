package dev.kvgate.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * TLS to shards served by {@code memcached -Z}: the CAs their certificates are checked against (empty:
 * the JDK's default trust store), an optional client certificate, and whether the host name is checked.
 */
public record BackendTlsSettings(
        Optional<Path> trust,
        Optional<Path> certChain,
        Optional<Path> privateKey,
        boolean verifyHostname) {
}
