package dev.kvgate.check;

import dev.kvgate.tls.Pem;
import dev.kvgate.tls.SslProviders;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The client side of check's TLS connections, from {@code --cacert}, {@code --cert} and {@code --key}:
 * the server's chain is verified against the CAs (the JDK's default trust store without
 * {@code --cacert}) and its host name checked; the client certificate, when given, is presented if the
 * server asks for one. The TLS cases build variants of it: other protocol versions, a trust manager
 * that counts full handshakes, a key manager that notices the server's certificate request.
 */
public final class TlsSetup {
    /** What check offers unless a case says otherwise: nothing older than TLS 1.2. */
    static final List<String> PROTOCOLS = SslProviders.SUPPORTED_PROTOCOLS;

    private final SslProvider provider;
    private final X509ExtendedTrustManager trust;
    private final PrivateKey clientKey;
    private final X509Certificate[] clientChain;

    private TlsSetup(SslProvider provider, X509ExtendedTrustManager trust, PrivateKey clientKey,
                     X509Certificate[] clientChain) {
        this.provider = provider;
        this.trust = trust;
        this.clientKey = clientKey;
        this.clientChain = clientChain;
        // Built once here so a problem with the files or the engine shows before any case runs.
        standard();
    }

    /**
     * Reads the files. The TLS engine is OpenSSL (BoringSSL) when netty-tcnative loads, as in the
     * gateway, else the JDK's.
     *
     * @throws IllegalArgumentException a file is missing or unreadable (named), or only one of the client
     *         certificate and key is given
     */
    public static TlsSetup load(Optional<Path> caCert, Optional<Path> clientCert, Optional<Path> clientKey) {
        if (clientCert.isPresent() != clientKey.isPresent()) {
            throw new IllegalArgumentException("--cert and --key go together");
        }
        X509ExtendedTrustManager trust = trustManager(caCert.map(Pem::readCertificates).orElse(null));
        PrivateKey key = clientKey.map(k -> Pem.readPrivateKey(k, Optional.empty())).orElse(null);
        X509Certificate[] chain = clientCert.map(c -> Pem.readCertificates(c).toArray(X509Certificate[]::new))
                .orElse(null);
        return new TlsSetup(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK, trust, key, chain);
    }

    /** The engine's name for the report, e.g. {@code OpenSSL (BoringSSL)}. */
    public String engine() {
        return SslProviders.describe(provider);
    }

    SslProvider provider() {
        return provider;
    }

    boolean hasClientCertificate() {
        return clientKey != null;
    }

    /**
     * A context for a connection of the suite that is not testing TLS itself: a new one each time, so
     * every such connection makes a full handshake. A server that cannot resume sessions then fails
     * the resumption case, not every case after the first connection.
     */
    SslContext standard() {
        return context(provider, PROTOCOLS, trust, clientKeys());
    }

    X509ExtendedTrustManager trust() {
        return trust;
    }

    /** The key manager presenting {@code --cert}, or null without one. */
    X509ExtendedKeyManager clientKeys() {
        return clientKey == null ? null : keyManager(clientKey, clientChain);
    }

    /** A client context verifying host names; {@code keys} null presents no certificate. */
    static SslContext context(SslProvider provider, List<String> protocols, X509ExtendedTrustManager trust,
                              X509ExtendedKeyManager keys) {
        return contextWithCiphers(provider, protocols, null, trust, keys);
    }

    /** As {@link #context}, offering {@code ciphers} (IANA names) instead of the engine's defaults. */
    static SslContext contextWithCiphers(SslProvider provider, List<String> protocols, List<String> ciphers,
                                         X509ExtendedTrustManager trust, X509ExtendedKeyManager keys) {
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(provider)
                .protocols(protocols)
                .ciphers(ciphers)
                .trustManager(trust)
                .endpointIdentificationAlgorithm("HTTPS");
        if (keys != null) {
            b.keyManager(keys);
        }
        try {
            return b.build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build a TLS client context offering " + protocols + ": "
                    + e.getMessage(), e);
        }
    }

    static X509ExtendedTrustManager trustManager(List<X509Certificate> cas) {
        try {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (cas == null) {
                f.init((KeyStore) null);
            } else {
                KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                for (int i = 0; i < cas.size(); i++) {
                    store.setCertificateEntry("ca-" + i, cas.get(i));
                }
                f.init(store);
            }
            for (TrustManager tm : f.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("the JDK offers no X509ExtendedTrustManager");
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build a trust manager: " + e.getMessage(), e);
        }
    }

    static X509ExtendedKeyManager keyManager(PrivateKey key, X509Certificate[] chain) {
        try {
            char[] none = new char[0];
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            store.setKeyEntry("client", key, none, chain);
            KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            f.init(store, none);
            for (KeyManager km : f.getKeyManagers()) {
                if (km instanceof X509ExtendedKeyManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("the JDK offers no X509ExtendedKeyManager");
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build a key manager: " + e.getMessage(), e);
        }
    }

    /**
     * Trust that counts the server certificate chains it is asked to verify: a resumed session
     * presents none, so a handshake that adds nothing here was a resumption.
     */
    static final class CountingTrust extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;
        final AtomicInteger serverChains = new AtomicInteger();

        CountingTrust(X509ExtendedTrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            serverChains.incrementAndGet();
            delegate.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            serverChains.incrementAndGet();
            delegate.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            serverChains.incrementAndGet();
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }

    /**
     * Keys that note whether the server asked for a client certificate (the engine consults them only
     * on a CertificateRequest), presenting {@code delegate}'s certificate or, without one, none. The
     * certificate is presented whatever issuers the server names: a check of what the server does with
     * a certificate it cannot trust needs it sent.
     */
    static final class NoticingKeys extends X509ExtendedKeyManager {
        private final X509ExtendedKeyManager delegate;
        volatile boolean asked;

        NoticingKeys(X509ExtendedKeyManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            asked = true;
            return delegate == null ? null : delegate.chooseEngineClientAlias(keyType, null, engine);
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            asked = true;
            return delegate == null ? null : delegate.chooseClientAlias(keyType, null, socket);
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return delegate == null ? null : delegate.getClientAliases(keyType, issuers);
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return delegate == null ? null : delegate.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return delegate == null ? null : delegate.getPrivateKey(alias);
        }
    }
}
