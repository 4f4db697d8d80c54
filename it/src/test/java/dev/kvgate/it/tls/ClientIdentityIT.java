package dev.kvgate.it.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.config.TlsSettings;
import dev.kvgate.testcerts.TestPki;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** client-auth none | optional | require end to end through kvgate, and the identity it logs. */
@Timeout(60)
class ClientIdentityIT {
    private static final Duration WAIT = Duration.ofSeconds(5);

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void clientAuthNoneLogsProtocolAndCipher(TlsSettings.Provider provider) throws Exception {
        try (Logs logs = new Logs(); TlsGateway gw = TlsGateway.start(provider, "")) {
            try (McbpClient c = gw.tls()) {
                assertEquals(0, c.noop().status());
            }
            List<String> lines = logs.await(WAIT, "TLS connected: TLSv1.3 TLS_", "no client certificate");
            assertEquals(1, lines.size(), logs.lines().toString());
            assertTrue(lines.get(0).contains("R:/127.0.0.1:"), lines.get(0));
            assertEquals(1, gw.server.tlsStats().handshakes.sum());
            assertEquals(0, gw.server.tlsStats().clientCertificates.sum());
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void clientAuthOptionalTakesACertificateOrNone(TlsSettings.Provider provider) throws Exception {
        try (Logs logs = new Logs(); TlsGateway gw = TlsGateway.start(provider, "kvgate.tls.client-auth = optional\n")) {
            TestPki pki = gw.pki;
            try (McbpClient c = McbpClient.connect("127.0.0.1", gw.tlsPort(),
                    gw.clientContext(pki.clientChain(), pki.clientKey()))) {
                assertEquals(0, c.noop().status());
            }
            List<String> lines = logs.await(WAIT, "TLS connected", "CN=" + TestPki.CLIENT_CN,
                    "URI:" + TestPki.CLIENT_URI);
            assertEquals(1, lines.size(), logs.lines().toString());
            try (McbpClient c = gw.tls()) {
                assertEquals(0, c.noop().status());
            }
            assertEquals(1, logs.await(WAIT, "TLS connected", "no client certificate").size());
            assertEquals(2, gw.server.tlsStats().handshakes.sum());
            assertEquals(1, gw.server.tlsStats().clientCertificates.sum());
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void clientAuthRequireRefusesMissingUntrustedAndExpiredCertificates(TlsSettings.Provider provider)
            throws Exception {
        try (Logs logs = new Logs(); TlsGateway gw = TlsGateway.start(provider, "kvgate.tls.client-auth = require\n")) {
            TestPki pki = gw.pki;
            refused(gw, logs, gw.clientContext(), "no certificate");
            refused(gw, logs, gw.clientContext(pki.untrustedClientChain(), pki.untrustedClientKey()), "untrusted");
            refused(gw, logs, gw.clientContext(pki.expiredClientChain(), pki.expiredClientKey()), "expired");
            assertEquals(3, gw.server.tlsStats().handshakeFailures.sum());

            try (McbpClient c = McbpClient.connect("127.0.0.1", gw.tlsPort(),
                    gw.clientContext(pki.clientChain(), pki.clientKey()))) {
                assertEquals(0, c.set("identity", "ok").status());
                assertEquals("ok", c.get("identity").valueString());
            }
            assertEquals(1, logs.await(WAIT, "TLS connected", "CN=" + TestPki.CLIENT_CN).size());
        }
    }

    /** The handshake fails (TLS 1.3 clients may only learn it at their first read), with one log line. */
    private static void refused(TlsGateway gw, Logs logs, SslContext context, String what) throws Exception {
        logs.clear();
        long failures = gw.server.tlsStats().handshakeFailures.sum();
        assertThrows(IOException.class, () -> {
            try (McbpClient c = McbpClient.connect("127.0.0.1", gw.tlsPort(), context)) {
                c.noop();
            }
        }, what);
        List<String> lines = logs.await(WAIT, "TLS handshake failed");
        assertEquals(1, lines.size(), what + ": " + logs.lines());
        assertFalse(lines.get(0).contains("Exception:\n"), lines.get(0));
        assertEquals(failures + 1, gw.server.tlsStats().handshakeFailures.sum(), what);
        // kvgate keeps serving: a plain client right after.
        try (McbpClient c = gw.plain()) {
            assertEquals(0, c.noop().status());
        }
    }

}
