package dev.kvgate.it.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.config.TlsSettings;
import dev.kvgate.tls.ClientTls;
import dev.kvgate.tls.Fingerprints;
import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Renewed certificate files under a running kvgate: new connections get them, old ones carry on. */
@Timeout(60)
class CertificateReloadIT {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void renewedCertificateServedToNewConnectionsGarbageKeepsTheOld(TlsSettings.Provider provider)
            throws Exception {
        try (Logs logs = new Logs();
             TlsGateway gw = TlsGateway.start(provider, "kvgate.tls.reload-interval = 100ms\n")) {
            // The raw client is a JDK engine whatever the server runs: it exposes the peer certificate.
            SslContext jdkClient = ClientTls.forTrust(gw.pki.caCert(), Optional.empty(), Optional.empty(),
                    TlsSettings.Provider.JDK, List.of());
            X509Certificate original;
            try (RawTlsClient old = RawTlsClient.connect(gw.tlsPort(), jdkClient);
                 McbpClient oldClient = gw.tls()) {
                original = old.peerCertificate();
                assertEquals("CN=kvgate-test-server", original.getSubjectX500Principal().getName());
                assertEquals(0, oldClient.set("reload", "before").status());

                X509Certificate renewed = gw.pki.renewServer(gw.servedChain, gw.servedKey);
                assertFalse(logs.await(WAIT, "new connections get certificate CN=kvgate-test-renewed-server").isEmpty(),
                        logs.lines().toString());
                try (RawTlsClient fresh = RawTlsClient.connect(gw.tlsPort(), jdkClient)) {
                    assertEquals(renewed.getSerialNumber(), fresh.peerCertificate().getSerialNumber());
                    assertEquals(Fingerprints.sha256(renewed), Fingerprints.sha256(fresh.peerCertificate()));
                    assertNotEquals(original.getSerialNumber(), fresh.peerCertificate().getSerialNumber());
                    exchangeNoop(fresh, 7);
                }
                // Established connections are untouched: both still answer, on their old session.
                exchangeNoop(old, 8);
                assertEquals(original, old.peerCertificate());
                assertEquals("before", oldClient.get("reload").valueString());

                Files.writeString(gw.servedChain, "this is not a certificate\n", StandardCharsets.US_ASCII);
                List<String> warned = logs.await(WAIT, "do not load", gw.servedChain.toString());
                assertEquals(1, warned.size(), logs.lines().toString());
                assertTrue(warned.get(0).startsWith("WARN"), warned.get(0));
                Thread.sleep(500);
                assertEquals(1, logs.matching("do not load").size(), "one warning per change, not per check");
                try (RawTlsClient fresh = RawTlsClient.connect(gw.tlsPort(), jdkClient)) {
                    assertEquals(renewed.getSerialNumber(), fresh.peerCertificate().getSerialNumber(),
                            "the last good certificate is still served");
                    exchangeNoop(fresh, 9);
                }
                assertEquals(1, gw.server.tls().reloads());
            }
        }
    }

    static void exchangeNoop(RawTlsClient client, int opaque) throws Exception {
        client.sendRaw(client.record(Mcbp.noop(opaque)));
        byte[] response = client.read(Mcbp.HEADER);
        assertEquals(0x81, response[0] & 0xff);
        assertEquals(0x0a, Mcbp.opcode(response));
        assertEquals(0, Mcbp.status(response));
        assertEquals(opaque, Mcbp.opaque(response));
    }
}
