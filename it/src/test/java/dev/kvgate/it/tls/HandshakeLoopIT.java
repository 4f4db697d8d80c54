package dev.kvgate.it.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kvgate.client.McbpClient;
import dev.kvgate.config.TlsSettings;
import dev.kvgate.testkit.LeakDetectionExtension;
import io.netty.handler.ssl.SslContext;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * 2,000 TLS connections in a row (connect, handshake, NOOP, close), one at a time: all succeed and
 * nothing leaks (paranoid leak detection fails the test on a report). Logs the rate it saw; no timing
 * is asserted.
 */
@Timeout(600)
class HandshakeLoopIT {
    private static final Logger log = LoggerFactory.getLogger(HandshakeLoopIT.class);
    private static final int CONNECTIONS = 2_000;

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void twoThousandHandshakesInARow(TlsSettings.Provider provider) throws Exception {
        // Per-connection INFO lines would be 2,000 lines of noise here.
        ch.qos.logback.classic.Logger info = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(
                "dev.kvgate.gateway.pipeline");
        ch.qos.logback.classic.Level previous = info.getLevel();
        info.setLevel(ch.qos.logback.classic.Level.WARN);
        try (TlsGateway gw = TlsGateway.start(provider, "")) {
            SslContext client = gw.clientContext();
            int ok = 0;
            long start = System.nanoTime();
            for (int i = 0; i < CONNECTIONS; i++) {
                try (McbpClient c = McbpClient.connect("127.0.0.1", gw.tlsPort(), client)) {
                    if (c.noop().status() == 0) {
                        ok++;
                    }
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            log.info("{} sequential TLS connect+handshake+NOOP+close against the {} engine: {} s, {} per second",
                    CONNECTIONS, provider, String.format("%.2f", seconds), String.format("%.0f", CONNECTIONS / seconds));
            assertEquals(CONNECTIONS, ok);
            assertEquals(CONNECTIONS, gw.server.tlsStats().handshakes.sum());
            assertEquals(0, gw.server.tlsStats().handshakeFailures.sum());
        } finally {
            info.setLevel(previous);
        }
        LeakDetectionExtension.assertNoLeaks();
    }
}
