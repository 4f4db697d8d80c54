package dev.kvgate.tls;

import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds X.509 v3 certificates (CAs and leaves) with BouncyCastle; the one place in kvgate that does.
 *
 * <p>Signing and conversion run on the JDK's own JCA providers: BouncyCastle is used only for its
 * ASN.1 builders and is never registered as a provider, so it cannot change which algorithms the
 * rest of the JVM (including the JDK TLS engine) picks.
 *
 * <pre>{@code
 * KeyPair caKeys = KeyType.EC.generateKeyPair();
 * X509Certificate ca = new CertificateBuilder("test-ca", caKeys.getPublic()).ca().selfSigned(caKeys.getPrivate());
 * X509Certificate server = new CertificateBuilder("server", serverKeys.getPublic())
 *         .dnsName("localhost").ipAddress("127.0.0.1").serverAuth()
 *         .issuedBy(ca, caKeys.getPrivate());
 * }</pre>
 */
public final class CertificateBuilder {

    /** Default validity when none is set: from one day back (clock skew) to one year ahead. */
    public static final Duration DEFAULT_BACKDATE = Duration.ofDays(1);
    public static final Duration DEFAULT_LIFETIME = Duration.ofDays(365);

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SERIAL_BITS = 127;

    private final String commonName;
    private final PublicKey publicKey;
    private Instant notBefore;
    private Instant notAfter;
    private final List<GeneralName> subjectAltNames = new ArrayList<>();
    private boolean ca;
    private boolean serverAuth;
    private boolean clientAuth;

    /** A certificate for {@code publicKey} with subject {@code CN=commonName}. */
    public CertificateBuilder(String commonName, PublicKey publicKey) {
        this.commonName = Objects.requireNonNull(commonName, "commonName");
        this.publicKey = Objects.requireNonNull(publicKey, "publicKey");
        Instant now = Instant.now();
        this.notBefore = now.minus(DEFAULT_BACKDATE);
        this.notAfter = now.plus(DEFAULT_LIFETIME);
    }

    public CertificateBuilder notBefore(Instant instant) {
        this.notBefore = Objects.requireNonNull(instant, "notBefore");
        return this;
    }

    public CertificateBuilder notAfter(Instant instant) {
        this.notAfter = Objects.requireNonNull(instant, "notAfter");
        return this;
    }

    /** Sets both ends of the validity period. */
    public CertificateBuilder validity(Instant from, Instant until) {
        return notBefore(from).notAfter(until);
    }

    public CertificateBuilder dnsName(String name) {
        subjectAltNames.add(new GeneralName(GeneralName.dNSName, name));
        return this;
    }

    /** An IPv4 or IPv6 literal, e.g. {@code 127.0.0.1} or {@code ::1}. */
    public CertificateBuilder ipAddress(String address) {
        subjectAltNames.add(new GeneralName(GeneralName.iPAddress, address));
        return this;
    }

    /** A URI, e.g. a SPIFFE id {@code spiffe://trust-domain/workload}. */
    public CertificateBuilder uri(String uri) {
        subjectAltNames.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
        return this;
    }

    /** Makes this a CA certificate: basicConstraints CA, keyCertSign and cRLSign. */
    public CertificateBuilder ca() {
        this.ca = true;
        return this;
    }

    /** A leaf for TLS servers (extended key usage serverAuth). */
    public CertificateBuilder serverAuth() {
        this.serverAuth = true;
        return this;
    }

    /** A leaf for TLS clients (extended key usage clientAuth). */
    public CertificateBuilder clientAuth() {
        this.clientAuth = true;
        return this;
    }

    /** Signs the certificate with the subject's own private key. */
    public X509Certificate selfSigned(PrivateKey subjectPrivateKey) {
        X500Name subject = name(commonName);
        return sign(new JcaX509v3CertificateBuilder(subject, serial(), Date.from(notBefore), Date.from(notAfter),
                subject, publicKey), subjectPrivateKey, publicKey);
    }

    /** Signs the certificate with an issuing CA's key; the issuer name is taken from its certificate. */
    public X509Certificate issuedBy(X509Certificate issuer, PrivateKey issuerPrivateKey) {
        Objects.requireNonNull(issuer, "issuer");
        return sign(new JcaX509v3CertificateBuilder(issuer, serial(), Date.from(notBefore), Date.from(notAfter),
                name(commonName), publicKey), issuerPrivateKey, issuer.getPublicKey());
    }

    private X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signingKey, PublicKey issuerPublicKey) {
        if (!notAfter.isAfter(notBefore)) {
            throw new IllegalArgumentException("notAfter " + notAfter + " is not after notBefore " + notBefore);
        }
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(publicKey));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    extensions.createAuthorityKeyIdentifier(issuerPublicKey));
            if (ca) {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                builder.addExtension(Extension.keyUsage, true,
                        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
            } else {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                int usage = KeyUsage.digitalSignature;
                if ("RSA".equals(publicKey.getAlgorithm())) {
                    // TLS 1.2 RSA key exchange encrypts the pre-master secret with the certificate's key.
                    usage |= KeyUsage.keyEncipherment;
                }
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
                List<KeyPurposeId> purposes = new ArrayList<>();
                if (serverAuth) {
                    purposes.add(KeyPurposeId.id_kp_serverAuth);
                }
                if (clientAuth) {
                    purposes.add(KeyPurposeId.id_kp_clientAuth);
                }
                if (!purposes.isEmpty()) {
                    builder.addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)));
                }
            }
            if (!subjectAltNames.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(subjectAltNames.toArray(GeneralName[]::new)));
            }
            ContentSigner signer = new JcaContentSignerBuilder(KeyType.of(signingKey).signatureAlgorithm())
                    .build(signingKey);
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (CertIOException | OperatorCreationException | CertificateException
                 | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot build certificate CN=" + commonName, e);
        }
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }

    private static BigInteger serial() {
        // Positive and non-zero, as RFC 5280 asks; 127 random bits keep serials unpredictable.
        return new BigInteger(SERIAL_BITS, RANDOM).setBit(0);
    }
}
