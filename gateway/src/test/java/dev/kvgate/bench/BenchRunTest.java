package dev.kvgate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.config.Settings;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.gateway.server.KvgateServer;
import dev.kvgate.testkit.FreePorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Short real runs against a kvgate in this JVM (embedded shards), plain and TLS. No timing assertions. */
class BenchRunTest {
    private static final String[] FIELDS = {"target", "tls", "connections", "pipeline", "getRatio", "valueSize",
        "valueSizeMax", "keys", "durationSeconds", "operations", "throughput", "p50Us", "p99Us", "p999Us", "maxUs", "errors",
        "misses"};
    /** A flat JSON object of numbers, booleans and simple strings: all the bench writes. */
    private static final Pattern FLAT_OBJECT = Pattern.compile(
            "\\{\"\\w+\":(?:-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?|true|false|\"[^\"\\\\]*\")"
            + "(?:,\"\\w+\":(?:-?\\d+(?:\\.\\d+)?(?:[eE][-+]?\\d+)?|true|false|\"[^\"\\\\]*\"))*}\\s*");

    private static KvgateServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startKvgate() throws Exception {
        server = KvgateServer.start(Settings.parse("kvgate { io-threads = 1, listeners = ["
                + " { name = plain, host = \"127.0.0.1\", port = 0 },"
                + " { name = tls, host = \"127.0.0.1\", port = 0, tls = true } ],"
                + " admin { host = \"127.0.0.1\", port = 0 } }"));
    }

    @AfterAll
    static void stopKvgate() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @Timeout(60)
    void plainRun() throws Exception {
        Path json = dir.resolve("plain.json");
        BenchOptionsTest.Captured c = BenchOptionsTest.Captured.run(new String[] {"--port",
                String.valueOf(server.port("plain")), "--connections", "4", "--pipeline", "4", "--keys", "500",
                "--duration", "1s", "--warmup", "0", "--json", json.toString()});
        assertEquals(Bench.OK, c.status(), c.err());
        String text = Files.readString(json, StandardCharsets.UTF_8);
        assertValidResult(text);
        assertEquals("\"127.0.0.1:" + server.port("plain") + "\"", field(text, "target"));
        assertEquals("false", field(text, "tls"));
        assertEquals("4", field(text, "pipeline"));
        assertEquals("0", field(text, "misses"), "every key was preloaded");
        assertTrue(c.out().contains("throughput"), c.out());
        assertTrue(c.err().contains("preloading 500 keys"), c.err());
    }

    @Test
    @Timeout(60)
    void tlsRunTrustingAnyCertificate() throws Exception {
        Path json = dir.resolve("tls.json");
        BenchOptionsTest.Captured c = BenchOptionsTest.Captured.run(new String[] {"--port",
                String.valueOf(server.port("tls")), "--tls", "--connections", "3", "--get-ratio", "0.5",
                "--value-size", "2000-70000", "--keys", "100", "--duration", "1s", "--warmup", "0", "--threads", "2",
                "--quiet", "--json", json.toString()});
        assertEquals(Bench.OK, c.status(), c.err());
        assertTrue(c.err().contains("--insecure"), "warns that the certificate is not verified: " + c.err());
        String text = Files.readString(json, StandardCharsets.UTF_8);
        assertValidResult(text);
        assertEquals("true", field(text, "tls"));
        assertEquals("2000", field(text, "valueSize"));
        assertEquals("70000", field(text, "valueSizeMax"));
    }

    @Test
    @Timeout(60)
    void tlsRunVerifyingTheServerAgainstCa() throws Exception {
        try (GatewayFixture gateway = GatewayFixture.start("")) {
            Path json = dir.resolve("verified.json");
            BenchOptionsTest.Captured c = BenchOptionsTest.Captured.run(new String[] {"--port",
                    String.valueOf(gateway.port(TransportKind.TLS)), "--tls", "--ca",
                    gateway.pki().caCert().toString(), "--connections", "2", "--keys", "50", "--duration", "1s",
                    "--warmup", "0", "--quiet", "--json", json.toString()});
            assertEquals(Bench.OK, c.status(), c.err());
            assertTrue(!c.err().contains("--insecure"), c.err());
            assertValidResult(Files.readString(json, StandardCharsets.UTF_8));

            // The same server checked against a CA that did not sign it: the handshake fails, exit 1.
            c = BenchOptionsTest.Captured.run(new String[] {"--port", String.valueOf(gateway.port(TransportKind.TLS)),
                "--tls", "--ca", gateway.pki().untrustedCaCert().toString(), "--connections", "1", "--duration", "1s",
                "--warmup", "0", "--quiet"});
            assertEquals(Bench.FAILED, c.status(), c.err());
            assertTrue(c.err().contains("TLS handshake failed"), c.err());
        }
    }

    @Test
    @Timeout(60)
    void nothingListeningExitsWithStatusOne() {
        BenchOptionsTest.Captured c = BenchOptionsTest.Captured.run(new String[] {"--port",
                String.valueOf(FreePorts.next()), "--connections", "2", "--duration", "1s", "--quiet"});
        assertEquals(Bench.FAILED, c.status());
        assertEquals("", c.out());
        assertEquals(1, c.err().lines().count(), c.err());
        assertTrue(c.err().startsWith("kvgate bench: cannot connect to 127.0.0.1:"), c.err());
    }

    private static void assertValidResult(String text) {
        assertTrue(FLAT_OBJECT.matcher(text).matches(), text);
        for (String f : FIELDS) {
            assertTrue(text.contains("\"" + f + "\":"), f + " in " + text);
        }
        assertTrue(Long.parseLong(field(text, "operations")) > 0, text);
        assertEquals("0", field(text, "errors"), text);
        assertEquals("0", field(text, "opaqueMismatches"), text);
        assertEquals("0", field(text, "closedConnections"), text);
        assertTrue(Double.parseDouble(field(text, "throughput")) > 0, text);
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":(\"[^\"]*\"|[^,}]+)").matcher(json);
        assertTrue(m.find(), name + " in " + json);
        return m.group(1);
    }
}
