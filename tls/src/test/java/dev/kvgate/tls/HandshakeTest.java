package dev.kvgate.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.config.TlsSettings;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Real TLS handshakes over loopback TCP, with the server and the client on each engine. */
@Timeout(60)
class HandshakeTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void defaultNegotiatesTls13AndCarriesData(TlsSettings.Provider provider) throws Exception {
        TestFiles files = new TestFiles(dir, KeyType.EC);
        ServerTls server = ServerTls.create(files.serverSettings(provider));
        SslContext client = ClientTls.forTrust(files.caPem, Optional.empty(), Optional.empty(), provider, List.of());

        Loopback.Outcome outcome = Loopback.run(server.context(), client, "localhost");

        assertTrue(outcome.succeeded(), () -> String.valueOf(outcome));
        assertEquals("TLSv1.3", outcome.clientSession().getProtocol());
        assertEquals("TLSv1.3", outcome.serverSession().getProtocol());
        assertEquals(Loopback.PING, outcome.echoed());
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void serverLimitedToTls12NegotiatesTls12WithRsa(TlsSettings.Provider provider) throws Exception {
        TestFiles files = new TestFiles(dir, KeyType.RSA);
        ServerTls server = ServerTls.create(TestFiles.settings(Optional.of(files.serverChain),
                Optional.of(files.serverKey), Optional.empty(), provider, List.of("TLSv1.2"),
                TlsSettings.ClientAuth.NONE, Optional.empty()));
        SslContext client = ClientTls.forTrust(files.caPem, Optional.empty(), Optional.empty(), provider, List.of());

        Loopback.Outcome outcome = Loopback.run(server.context(), client, "127.0.0.1");

        assertTrue(outcome.succeeded(), () -> String.valueOf(outcome));
        assertEquals("TLSv1.2", outcome.clientSession().getProtocol());
        assertEquals(Loopback.PING, outcome.echoed());
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void tls11OnlyClientIsRefused(TlsSettings.Provider provider) throws Exception {
        TestFiles files = new TestFiles(dir, KeyType.RSA);
        ServerTls server = ServerTls.create(files.serverSettings(provider));
        // Built directly: ClientTls refuses TLSv1.1 itself. BoringSSL still speaks it, so the server must refuse.
        SslContext client = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
                .protocols("TLSv1.1").trustManager(files.ca).build();

        Loopback.Outcome outcome = Loopback.run(server.context(), client, "localhost");

        assertNotNull(outcome.clientFailure(), () -> String.valueOf(outcome));
        assertNotNull(outcome.serverFailure(), () -> String.valueOf(outcome));
        assertTrue(outcome.serverFailure() instanceof SSLException, () -> String.valueOf(outcome.serverFailure()));
        assertCause(outcome.serverFailure(), provider == TlsSettings.Provider.JDK ? "protocol" : "PROTOCOL");
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void hostNameIsVerified(TlsSettings.Provider provider) throws Exception {
        TestFiles files = new TestFiles(dir, KeyType.EC);
        ServerTls server = ServerTls.create(files.serverSettings(provider));
        SslContext client = ClientTls.forTrust(files.caPem, Optional.empty(), Optional.empty(), provider, List.of());

        Loopback.Outcome outcome = Loopback.run(server.context(), client, "not-the-server.example");

        assertNotNull(outcome.clientFailure(), () -> String.valueOf(outcome));
        assertCause(outcome.clientFailure(), "not-the-server.example");
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void untrustedServerIsRefused(TlsSettings.Provider provider) throws Exception {
        TestFiles files = new TestFiles(dir, KeyType.EC);
        ServerTls server = ServerTls.create(TestFiles.selfSigned(provider));
        SslContext client = ClientTls.trustingCertificates(provider, files.ca);

        Loopback.Outcome outcome = Loopback.run(server.context(), client, "localhost");

        assertNotNull(outcome.clientFailure(), () -> String.valueOf(outcome));
        assertCause(outcome.clientFailure(), "PKIX path building failed");
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void selfSignedServerIsTrustedByItsCertificate(TlsSettings.Provider provider) throws Exception {
        ServerTls server = ServerTls.create(TestFiles.selfSigned(provider));
        SslContext client = ClientTls.trustingCertificates(provider, server.chain());

        Loopback.Outcome outcome = Loopback.run(server.context(), client, "localhost");

        assertTrue(outcome.succeeded(), () -> String.valueOf(outcome));
        assertEquals(server.chain()[0], outcome.clientSession().getPeerCertificates()[0]);
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void requiredClientCertificateIsCheckedAndSeen(TlsSettings.Provider provider) throws Exception {
        TestFiles files = new TestFiles(dir, KeyType.EC);
        ServerTls server = ServerTls.create(TestFiles.settings(Optional.of(files.serverChain),
                Optional.of(files.serverKey), Optional.empty(), provider, List.of(),
                TlsSettings.ClientAuth.REQUIRE, Optional.of(files.caPem)));

        SslContext withCert = ClientTls.forTrust(files.caPem, Optional.of(files.clientChain),
                Optional.of(files.clientKey), provider, List.of());
        Loopback.Outcome ok = Loopback.run(server.context(), withCert, "localhost");
        assertTrue(ok.succeeded(), () -> String.valueOf(ok));
        Certificate[] peer = ok.serverSession().getPeerCertificates();
        assertEquals(files.client, peer[0]);

        SslContext withoutCert = ClientTls.forTrust(files.caPem, Optional.empty(), Optional.empty(), provider, List.of());
        Loopback.Outcome refused = Loopback.run(server.context(), withoutCert, "localhost");
        // In TLS 1.3 the client may finish its handshake before the server checks its (missing) certificate.
        assertNotNull(refused.serverFailure(), () -> String.valueOf(refused));
        assertFalse(refused.succeeded());
    }

    private static void assertCause(Throwable failure, String expected) {
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            messages.append(t).append(" <- ");
        }
        assertTrue(messages.toString().contains(expected), () -> "expected '" + expected + "' in " + messages);
    }
}
