package dev.kvgate.tls;

import dev.kvgate.config.TlsSettings;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server-side TLS context of kvgate's listeners, built once from {@link TlsSettings}.
 *
 * <p>Callers make one handler per accepted connection with {@code context().newHandler(channel.alloc())}
 * and set {@link #handshakeTimeout()} on it. Session resumption: TLS 1.3 tickets, and for TLS 1.2 a
 * server session cache bounded by {@code tls.session-cache-size} and {@code tls.session-timeout}. Renegotiation (TLS 1.2 only) stays off: Netty's OpenSSL engine
 * (BoringSSL) never renegotiates as a server, and for the JDK engine, which by default accepts
 * client-initiated renegotiation, {@code jdk.tls.rejectClientInitiatedRenegotiation} is set to true
 * unless the operator set it.
 *
 * <p>With no certificate configured, a self-signed EC P-256 certificate for localhost is generated and a
 * warning with its SHA-256 fingerprint is logged, so a development gateway speaks TLS out of the box.
 */
public final class ServerTls {

    private static final Logger LOG = LoggerFactory.getLogger(ServerTls.class);

    /** Subject CN of the generated development certificate. */
    public static final String SELF_SIGNED_CN = "kvgate-dev";

    private static final String REJECT_RENEGOTIATION = "jdk.tls.rejectClientInitiatedRenegotiation";

    private static final String IN_MEMORY_KEY_STORE = "JKS";

    /** What requireMatch signs to test an EC, EdDSA, DSA or non-CRT RSA key against the certificate. */
    private static final byte[] PROBE = "kvgate: does this private key match its certificate?"
            .getBytes(StandardCharsets.US_ASCII);

    private final SslContext context;
    private final String provider;
    private final X509Certificate[] chain;
    private final Optional<String> selfSignedFingerprint;
    private final Duration handshakeTimeout;

    private ServerTls(SslContext context, String provider, X509Certificate[] chain,
                      Optional<String> selfSignedFingerprint, Duration handshakeTimeout) {
        this.context = context;
        this.provider = provider;
        this.chain = chain;
        this.selfSignedFingerprint = selfSignedFingerprint;
        this.handshakeTimeout = handshakeTimeout;
    }

    /**
     * Builds the server context: certificate chain and key from PEM files (PKCS#8, PKCS#1, SEC1, or
     * encrypted PKCS#8 with {@code key-password}), or a generated self-signed certificate when neither
     * is configured.
     *
     * @throws IllegalArgumentException a file is missing or unreadable (the message names it), only one
     *         of cert-chain and private-key is set, the key does not match the certificate, client auth is
     *         required without a trust bundle, or a protocol older than TLSv1.2 is configured
     * @throws IllegalStateException provider OPENSSL was configured and is unavailable
     */
    public static ServerTls create(TlsSettings settings) {
        String[] protocols = SslProviders.protocols(settings.protocols());
        X509Certificate[] chain;
        PrivateKey key;
        Optional<String> fingerprint;
        if (settings.certChain().isEmpty() && settings.privateKey().isEmpty()) {
            KeyPair keys = KeyType.EC.generateKeyPair();
            Instant now = Instant.now();
            X509Certificate certificate = new CertificateBuilder(SELF_SIGNED_CN, keys.getPublic())
                    .validity(now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(365)))
                    .dnsName("localhost").ipAddress("127.0.0.1").ipAddress("::1")
                    .serverAuth()
                    .selfSigned(keys.getPrivate());
            chain = new X509Certificate[] {certificate};
            key = keys.getPrivate();
            fingerprint = Optional.of(Fingerprints.sha256(certificate));
            LOG.warn("kvgate.tls.cert-chain is not set: serving a GENERATED SELF-SIGNED certificate CN={} "
                    + "(SAN localhost, 127.0.0.1, ::1), SHA-256 fingerprint {}; clients cannot verify it, "
                    + "configure a real certificate outside development", SELF_SIGNED_CN, fingerprint.get());
        } else {
            Path chainFile = settings.certChain().orElseThrow(() -> new IllegalArgumentException(
                    "kvgate.tls.private-key is set but kvgate.tls.cert-chain is not"));
            Path keyFile = settings.privateKey().orElseThrow(() -> new IllegalArgumentException(
                    "kvgate.tls.cert-chain is set but kvgate.tls.private-key is not"));
            chain = Pem.readCertificates(chainFile).toArray(X509Certificate[]::new);
            // Pem reads every key format (Netty's reader takes only PKCS#8), so keys always go through it.
            key = Pem.readPrivateKey(keyFile, settings.keyPassword());
            requireMatch(key, chain[0], keyFile, chainFile);
            fingerprint = Optional.empty();
        }

        SslProvider sslProvider = SslProviders.choose(settings.provider());
        if (sslProvider == SslProvider.JDK && System.getProperty(REJECT_RENEGOTIATION) == null) {
            // Read once by SunJSSE on its first server handshake; a client-driven renegotiation costs
            // the server a full handshake and buys a TLS 1.2 client nothing.
            System.setProperty(REJECT_RENEGOTIATION, "true");
        }
        SslContextBuilder builder = SslContextBuilder.forServer(key, chain)
                .sslProvider(sslProvider)
                .protocols(protocols)
                .clientAuth(clientAuth(settings.clientAuth()))
                // Netty passes the key to the engine through an in-memory KeyStore. The JDK's default
                // type, PKCS12, encrypts it with 10,000 PBKDF2 rounds going in and decrypts it coming out:
                // about a fifth of a cold start's main-thread time, for a store that never leaves the process.
                .keyStoreType(IN_MEMORY_KEY_STORE)
                // Bounded: the engines default to 20,480 sessions kept for a day.
                .sessionCacheSize(settings.sessionCacheSize())
                .sessionTimeout(settings.sessionTimeout().toSeconds());
        if (!settings.ciphers().isEmpty()) {
            builder.ciphers(settings.ciphers());
        }
        if (settings.clientAuth() != TlsSettings.ClientAuth.NONE) {
            Path trust = settings.trust().orElseThrow(() -> new IllegalArgumentException(
                    "kvgate.tls.client-auth = " + settings.clientAuth().name().toLowerCase()
                            + " needs kvgate.tls.trust (a PEM bundle of client CAs)"));
            // Parsed here first so a missing or malformed bundle is reported with its path.
            builder.trustManager(Pem.readCertificates(trust).toArray(X509Certificate[]::new));
        } else {
            // No client certificate is asked for, so none is ever checked. Without a trust list Netty's
            // OpenSSL context loads and parses the JDK's whole CA store (about 150 certificates) at every
            // build; an empty one trusts nobody and costs nothing.
            builder.trustManager(new X509Certificate[0]);
        }
        try {
            SslContext context = builder.build();
            return new ServerTls(context, SslProviders.describe(sslProvider), chain, fingerprint,
                    settings.handshakeTimeout());
        } catch (SSLException e) {
            throw new IllegalArgumentException("cannot build the server TLS context from "
                    + settings.certChain().map(Path::toString).orElse("the generated certificate")
                    + ": " + e.getMessage(), e);
        }
    }

    public SslContext context() {
        return context;
    }

    /** The TLS engine in use, as {@link SslProviders#describe} names it. */
    public String provider() {
        return provider;
    }

    /** The SHA-256 fingerprint of the generated certificate; empty when a configured one is in use. */
    public Optional<String> selfSignedFingerprint() {
        return selfSignedFingerprint;
    }

    /** The served chain, leaf first (a copy). */
    public X509Certificate[] chain() {
        return chain.clone();
    }

    /** From {@code kvgate.tls.handshake-timeout}: set it on every handler made from {@link #context()}. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /**
     * Fails unless {@code key} is the private half of the leaf certificate's public key. A mismatched pair
     * would otherwise surface only as failed handshakes (JDK) or an opaque native error (OpenSSL).
     *
     * <p>An RSA CRT key (what every PEM format holds) is compared by value: its modulus and public exponent
     * against the certificate's, and its primes against its modulus; arithmetic only, no JCA service to
     * load and initialise. Other keys sign a fixed probe that the certificate's key must verify.
     */
    static void requireMatch(PrivateKey key, X509Certificate leaf, Path keyFile, Path chainFile) {
        PublicKey publicKey = leaf.getPublicKey();
        if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
            throw new IllegalArgumentException(keyFile + ": " + key.getAlgorithm() + " private key does not match the "
                    + publicKey.getAlgorithm() + " certificate " + leaf.getSubjectX500Principal() + " in " + chainFile);
        }
        boolean matches;
        if (key instanceof RSAPrivateCrtKey rsa && publicKey instanceof RSAPublicKey certificateKey) {
            matches = rsa.getModulus().equals(certificateKey.getModulus())
                    && rsa.getPublicExponent().equals(certificateKey.getPublicExponent())
                    && rsa.getPrimeP().multiply(rsa.getPrimeQ()).equals(rsa.getModulus());
        } else {
            matches = signatureVerifies(key, publicKey, keyFile, chainFile);
        }
        if (!matches) {
            throw new IllegalArgumentException(keyFile + ": private key does not match the certificate "
                    + leaf.getSubjectX500Principal() + " in " + chainFile);
        }
    }

    private static boolean signatureVerifies(PrivateKey key, PublicKey publicKey, Path keyFile, Path chainFile) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            // The key's own parameters pick Ed25519 or Ed448.
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
        try {
            if (algorithm == null) {
                throw new NoSuchAlgorithmException("no signature to check a " + key.getAlgorithm() + " key with");
            }
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(PROBE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(keyFile + ": cannot use private key with certificate in "
                    + chainFile + ": " + e.getMessage(), e);
        }
    }

    static ClientAuth clientAuth(TlsSettings.ClientAuth clientAuth) {
        return switch (clientAuth) {
            case NONE -> ClientAuth.NONE;
            case OPTIONAL -> ClientAuth.OPTIONAL;
            case REQUIRE -> ClientAuth.REQUIRE;
        };
    }
}
