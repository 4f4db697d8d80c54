package dev.kvgate.tls;

import dev.kvgate.config.BackendTlsSettings;
import dev.kvgate.config.TlsSettings;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * Client-side TLS contexts: kvgate's connections to TLS backends ({@code memcached -Z}) and test clients.
 *
 * <p>Every context verifies the server's certificate chain against the given CAs and its host name
 * (endpoint identification "HTTPS": the DNS or IP subject alternative names). The name checked is the one
 * passed when the handler is made, so callers must use {@code context.newHandler(alloc, host, port)};
 * {@code newHandler(alloc)} knows no peer host and cannot verify it. The host is also sent as SNI.
 */
public final class ClientTls {

    private ClientTls() {
    }

    /**
     * A context trusting the CAs in {@code caPem}, presenting a client certificate when both
     * {@code clientCertChain} and {@code clientKey} are given (key in any format {@link Pem} reads, unencrypted).
     *
     * @param protocols TLSv1.3 and/or TLSv1.2; empty means both
     * @throws IllegalArgumentException a file is missing or unreadable (named in the message), only one of
     *         the client certificate and key is given, or a protocol older than TLSv1.2 is asked for
     */
    public static SslContext forTrust(Path caPem, Optional<Path> clientCertChain, Optional<Path> clientKey,
                                      TlsSettings.Provider provider, List<String> protocols) {
        if (clientCertChain.isPresent() != clientKey.isPresent()) {
            throw new IllegalArgumentException("a client certificate needs both its chain and its key, got "
                    + clientCertChain.map(Path::toString).orElse("no chain") + " and "
                    + clientKey.map(Path::toString).orElse("no key"));
        }
        X509Certificate[] cas = Pem.readCertificates(caPem).toArray(X509Certificate[]::new);
        SslContextBuilder builder = builder(provider, protocols, cas);
        if (clientCertChain.isPresent()) {
            X509Certificate[] chain = Pem.readCertificates(clientCertChain.get()).toArray(X509Certificate[]::new);
            PrivateKey key = Pem.readPrivateKey(clientKey.get(), Optional.empty());
            builder.keyManager(key, chain);
        }
        return build(builder, caPem.toString());
    }

    /**
     * The context for kvgate's connections to TLS shards ({@code memcached -Z}), from
     * {@code kvgate.backend-tls}: shard certificates verified against {@code trust} (or the JDK's default
     * trust store when it is not set), the host name checked unless {@code verify-hostname = false}, and
     * a client certificate presented when one is configured.
     *
     * @throws IllegalArgumentException a file is missing or unreadable (named in the message), or the
     *         client key does not load
     */
    public static SslContext forBackend(BackendTlsSettings settings, TlsSettings.Provider provider,
                                        List<String> protocols) {
        if (settings.certChain().isPresent() != settings.privateKey().isPresent()) {
            throw new IllegalArgumentException("kvgate.backend-tls: cert-chain and private-key go together");
        }
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(SslProviders.choose(provider))
                .protocols(SslProviders.protocols(protocols))
                // Netty 4.2 checks host names by default; null turns it off when asked to.
                .endpointIdentificationAlgorithm(settings.verifyHostname() ? "HTTPS" : null);
        if (settings.trust().isPresent()) {
            builder.trustManager(Pem.readCertificates(settings.trust().get()).toArray(X509Certificate[]::new));
        }
        if (settings.certChain().isPresent()) {
            X509Certificate[] chain = Pem.readCertificates(settings.certChain().get())
                    .toArray(X509Certificate[]::new);
            PrivateKey key = Pem.readPrivateKey(settings.privateKey().get(), Optional.empty());
            builder.keyManager(key, chain);
        }
        return build(builder, settings.trust().map(Path::toString).orElse("the JDK's default trust store"));
    }

    /** A context trusting exactly {@code cas}, with the AUTO provider and TLSv1.3/TLSv1.2. */
    public static SslContext trustingCertificates(X509Certificate... cas) {
        return trustingCertificates(TlsSettings.Provider.AUTO, cas);
    }

    /** A context trusting exactly {@code cas} on the given provider, with TLSv1.3/TLSv1.2. */
    public static SslContext trustingCertificates(TlsSettings.Provider provider, X509Certificate... cas) {
        if (cas.length == 0) {
            throw new IllegalArgumentException("no trusted certificates given");
        }
        return build(builder(provider, List.of(), cas), cas.length + " trusted certificate(s)");
    }

    private static SslContextBuilder builder(TlsSettings.Provider provider, List<String> protocols,
                                             X509Certificate[] cas) {
        return SslContextBuilder.forClient()
                .sslProvider(SslProviders.choose(provider))
                .protocols(SslProviders.protocols(protocols))
                .trustManager(cas)
                .endpointIdentificationAlgorithm("HTTPS");
    }

    private static SslContext build(SslContextBuilder builder, String source) {
        try {
            return builder.build();
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot build a client TLS context trusting " + source
                    + ": " + e.getMessage(), e);
        }
    }
}
