package dev.kvgate.it.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.config.TlsSettings;
import dev.kvgate.it.Await;
import dev.kvgate.tls.ClientTls;
import dev.kvgate.tls.Fingerprints;
import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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

                // The renewal writes the key, then the chain: a check between the two may have refused the
                // pair once already. Count from here; the garbage replaces the chain in one atomic move.
                int before = logs.matching("do not load").size();
                long failedBefore = gw.server.tls().failedReloads();
                Path garbage = gw.servedChain.resolveSibling("garbage.tmp");
                Files.writeString(garbage, "this is not a certificate\n", StandardCharsets.US_ASCII);
                Files.move(garbage, gw.servedChain, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                Await.until(WAIT, "the garbage chain refused", () -> logs.matching("do not load").size() > before);
                List<String> warned = logs.matching("do not load", gw.servedChain.toString());
                String last = warned.get(warned.size() - 1);
                assertTrue(last.startsWith("WARN"), last);
                // More checks of the unchanged garbage, run here rather than waited for: no new warning.
                for (int i = 0; i < 3; i++) {
                    assertFalse(gw.server.tls().checkNow());
                }
                assertEquals(before + 1, logs.matching("do not load").size(), "one warning per change, not per check");
                assertEquals(failedBefore + 1, gw.server.tls().failedReloads());
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
