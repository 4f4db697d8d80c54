package dev.kvgate.gateway.auth;

import dev.kvgate.gateway.log.LogSafe;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What a TLS client connection negotiated and who the client's certificate says it is; stored on the
 * channel under {@link #KEY} when the handshake completes, for logging and for certificate auth.
 *
 * @param subject the client certificate's subject DN, empty without a client certificate
 * @param uris URI subject alternative names; a SPIFFE id is one of them
 */
public record ClientIdentity(
        String protocol,
        String cipher,
        Optional<X509Certificate> certificate,
        Optional<String> subject,
        Optional<String> commonName,
        List<String> dnsNames,
        List<String> ipAddresses,
        List<String> uris) {

    public static final AttributeKey<ClientIdentity> KEY = AttributeKey.valueOf("kvgate.client-identity");

    private static final int SAN_DNS = 2;
    private static final int SAN_URI = 6;
    private static final int SAN_IP = 7;
    /** Room for a real DN; what a CA signs is still the client's choice. */
    private static final int SUBJECT_MAX = 256;
    private static final int SAN_MAX = 128;
    /** A certificate may carry thousands of SANs; a log line names the first few. */
    private static final int SANS_SHOWN = 8;

    public ClientIdentity {
        dnsNames = List.copyOf(dnsNames);
        ipAddresses = List.copyOf(ipAddresses);
        uris = List.copyOf(uris);
    }

    /** The identity of an established TLS session. */
    public static ClientIdentity of(SSLSession session) {
        X509Certificate leaf = null;
        try {
            Certificate[] peer = session.getPeerCertificates();
            if (peer.length > 0 && peer[0] instanceof X509Certificate x509) {
                leaf = x509;
            }
        } catch (SSLPeerUnverifiedException noClientCertificate) {
            // client-auth none, or optional and the client sent none
        }
        if (leaf == null) {
            return new ClientIdentity(session.getProtocol(), session.getCipherSuite(), Optional.empty(),
                    Optional.empty(), Optional.empty(), List.of(), List.of(), List.of());
        }
        List<String> dns = new ArrayList<>();
        List<String> ips = new ArrayList<>();
        List<String> uris = new ArrayList<>();
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    Object value = san.get(1);
                    if (!(value instanceof String text)) {
                        continue;
                    }
                    switch (type) {
                        case SAN_DNS -> dns.add(text);
                        case SAN_IP -> ips.add(text);
                        case SAN_URI -> uris.add(text);
                        default -> { }
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // A certificate the trust manager accepted but whose SANs do not parse: identify by subject only.
        }
        String subject = leaf.getSubjectX500Principal().getName();
        return new ClientIdentity(session.getProtocol(), session.getCipherSuite(), Optional.of(leaf),
                Optional.of(subject), commonName(subject), dns, ips, uris);
    }

    /**
     * The identity of a channel: the stored one, or, when the handshake is done but the handler that
     * stores it has not run yet, read from the SslHandler; empty on a plain connection or mid-handshake.
     */
    public static Optional<ClientIdentity> of(Channel channel) {
        ClientIdentity stored = channel.attr(KEY).get();
        if (stored != null) {
            return Optional.of(stored);
        }
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        if (tls == null || !tls.handshakeFuture().isSuccess()) {
            return Optional.empty();
        }
        return Optional.of(of(tls.engine().getSession()));
    }

    /** The first URI SAN with the {@code spiffe://} scheme. */
    public Optional<String> spiffeId() {
        return uris.stream().filter(u -> u.startsWith("spiffe://")).findFirst();
    }

    /** Every name a certificate-auth rule may match: CN, DNS SANs, IP SANs, URI SANs. */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        commonName.ifPresent(out::add);
        out.addAll(dnsNames);
        out.addAll(ipAddresses);
        out.addAll(uris);
        return out;
    }

    /**
     * One line for logs: subject and SANs (escaped and cut with {@link LogSafe}, the first
     * eight SANs), or that there is no client certificate.
     */
    public String describeClient() {
        if (subject.isEmpty()) {
            return "no client certificate";
        }
        List<String> sans = new ArrayList<>();
        dnsNames.forEach(n -> sans.add("DNS:" + n));
        ipAddresses.forEach(n -> sans.add("IP:" + n));
        uris.forEach(n -> sans.add("URI:" + n));
        StringBuilder out = new StringBuilder("client ").append(LogSafe.text(subject.get(), SUBJECT_MAX));
        if (!sans.isEmpty()) {
            out.append(" [");
            for (int i = 0; i < Math.min(sans.size(), SANS_SHOWN); i++) {
                out.append(i == 0 ? "" : ", ").append(LogSafe.text(sans.get(i), SAN_MAX));
            }
            if (sans.size() > SANS_SHOWN) {
                out.append(", ...(+").append(sans.size() - SANS_SHOWN).append(" more)");
            }
            out.append(']');
        }
        return out.toString();
    }

    private static Optional<String> commonName(String subject) {
        try {
            List<Rdn> rdns = new LdapName(subject).getRdns();
            // Most specific last in LdapName order: take the last CN.
            for (int i = rdns.size() - 1; i >= 0; i--) {
                if ("CN".equalsIgnoreCase(rdns.get(i).getType())) {
                    return Optional.of(String.valueOf(rdns.get(i).getValue()));
                }
            }
        } catch (InvalidNameException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
