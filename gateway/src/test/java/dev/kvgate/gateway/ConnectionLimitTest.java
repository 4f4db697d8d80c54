package dev.kvgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kvgate.client.McbpClient;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Connections past the global or per-IP limit are closed at once; the others carry on. */
@Timeout(60)
class ConnectionLimitTest {

    private static void assertRefused(McbpClient c) throws InterruptedException {
        // The socket is accepted by the kernel, then closed by kvgate before any exchange.
        assertEquals(true, c.awaitClosed(Duration.ofSeconds(5)));
        assertThrows(IOException.class, c::noop);
    }

    @Test
    void globalLimit() throws Exception {
        try (GatewayFixture gateway = GatewayFixture.start("kvgate.limits.max-connections = 2\n")) {
            try (McbpClient a = gateway.client(TransportKind.PLAIN); McbpClient b = gateway.client(TransportKind.PLAIN)) {
                assertEquals(0, a.noop().status());
                assertEquals(0, b.noop().status());
                try (McbpClient c = McbpClient.connect("127.0.0.1", gateway.port(TransportKind.PLAIN))) {
                    assertRefused(c);
                }
                assertEquals(0, a.noop().status(), "the admitted connections are unaffected");
            }
            // Closed connections give their places back.
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline) {
                try (McbpClient again = gateway.client(TransportKind.PLAIN)) {
                    if (again.noop().status() == 0) {
                        return;
                    }
                } catch (IOException e) {
                    Thread.sleep(20);
                }
            }
            throw new AssertionError("no connection admitted after the others closed");
        }
    }

    @Test
    void perIpLimitAppliesToTlsToo() throws Exception {
        try (GatewayFixture gateway = GatewayFixture.start("kvgate.limits.max-connections-per-ip = 1\n")) {
            try (McbpClient a = gateway.client(TransportKind.TLS)) {
                assertEquals(0, a.noop().status());
                assertThrows(IOException.class, () -> {
                    try (McbpClient b = gateway.client(TransportKind.TLS)) {
                        b.noop();
                    }
                });
                assertEquals(0, a.noop().status());
            }
        }
    }
}
