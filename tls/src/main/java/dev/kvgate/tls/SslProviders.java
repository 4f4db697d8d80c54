package dev.kvgate.tls;

import dev.kvgate.config.TlsSettings;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses the TLS engine (OpenSSL/BoringSSL through netty-tcnative, or the JDK's) and names it for logs and metrics. */
public final class SslProviders {

    private static final Logger LOG = LoggerFactory.getLogger(SslProviders.class);

    /** The only protocol versions kvgate speaks, newest first. */
    public static final List<String> SUPPORTED_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private SslProviders() {
    }

    /**
     * The engine for a configured provider: AUTO takes OpenSSL when netty-tcnative loads (measured ~20%
     * more throughput than the JDK engine) and falls back to the JDK engine with a warning; OPENSSL
     * fails when it cannot load rather than silently running on something else.
     *
     * @throws IllegalStateException OPENSSL was asked for and netty-tcnative did not load
     */
    public static SslProvider choose(TlsSettings.Provider provider) {
        SslProvider chosen = switch (provider) {
            case JDK -> SslProvider.JDK;
            case OPENSSL -> {
                if (!OpenSsl.isAvailable()) {
                    throw new IllegalStateException("kvgate.tls.provider = openssl but netty-tcnative OpenSSL is "
                            + "unavailable: " + OpenSsl.unavailabilityCause(), OpenSsl.unavailabilityCause());
                }
                yield SslProvider.OPENSSL;
            }
            case AUTO -> {
                if (OpenSsl.isAvailable()) {
                    yield SslProvider.OPENSSL;
                }
                LOG.warn("OpenSSL (netty-tcnative) unavailable, falling back to the JDK TLS engine: {}",
                        String.valueOf(OpenSsl.unavailabilityCause()));
                yield SslProvider.JDK;
            }
        };
        LOG.info("TLS engine: {} (kvgate.tls.provider = {})", describe(chosen), provider.name().toLowerCase());
        return chosen;
    }

    /** A short name for the engine, e.g. {@code OpenSSL (BoringSSL)} or {@code JDK (17.0.15)}. */
    public static String describe(SslProvider provider) {
        return switch (provider) {
            case OPENSSL, OPENSSL_REFCNT -> "OpenSSL (" + OpenSsl.versionString() + ")";
            case JDK -> "JDK (" + System.getProperty("java.version") + ")";
        };
    }

    /**
     * The configured protocols, checked: only TLSv1.3 and TLSv1.2 are accepted, an empty list means both.
     *
     * @throws IllegalArgumentException a protocol older than TLSv1.2 or an unknown name
     */
    public static String[] protocols(List<String> configured) {
        if (configured.isEmpty()) {
            return SUPPORTED_PROTOCOLS.toArray(String[]::new);
        }
        Set<String> supported = Set.copyOf(SUPPORTED_PROTOCOLS);
        for (String protocol : configured) {
            if (!supported.contains(protocol)) {
                throw new IllegalArgumentException("TLS protocol " + protocol + " is not supported: only "
                        + SUPPORTED_PROTOCOLS + " (nothing older than TLSv1.2)");
            }
        }
        return configured.stream().distinct().toArray(String[]::new);
    }
}
