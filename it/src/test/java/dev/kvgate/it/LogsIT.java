package dev.kvgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvgate.client.McbpClient;
import dev.kvgate.testkit.FreePorts;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The shipped jar with kvgate.log.format = json set in its configuration file, and the access log on. */
@Timeout(120)
class LogsIT {
    private static final Path JAR = Path.of("..", "gateway", "target", "kvgate.jar").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyLineIsOneJsonObjectWithPeerAndListenerOnConnectionLines(@TempDir Path dir) throws Exception {
        int plain = FreePorts.next();
        int tls = FreePorts.next();
        Path conf = dir.resolve("kvgate.conf");
        Files.writeString(conf, "kvgate { io-threads = 1, embedded.shards = 1\n"
                + "  listeners = [ { name = plain, host = \"127.0.0.1\", port = " + plain + " },"
                + " { name = tls, host = \"127.0.0.1\", port = " + tls + ", tls = true } ]\n"
                + "  admin { host = \"127.0.0.1\", port = 0 }\n"
                + "  log { format = json, access { enabled = true, sample = 1 } } }\n");
        Path logFile = dir.resolve("kvgate.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-jar", JAR.toString(), "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(logFile.toFile()).start();
        try {
            Await.until(Duration.ofSeconds(30), "kvgate listening", () -> {
                assertTrue(p.isAlive(), Files.readString(logFile));
                return Files.readString(logFile).contains("kvgate listening");
            });
            try (McbpClient c = McbpClient.connect("127.0.0.1", plain)) {
                assertEquals(0, c.set("log-key", "v").status());
                assertEquals(1, c.get("log-missing").status());
            }
            SslContext trustAll = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
            try (McbpClient c = McbpClient.connect("127.0.0.1", tls, trustAll)) {
                assertEquals("v", c.get("log-key").valueString());
            }
            // The three answers' access lines are written before the process is stopped.
            Await.until(Duration.ofSeconds(30), "three access lines",
                    () -> Files.readString(logFile).split("\"kvgate.access\"", -1).length - 1 >= 3);
        } finally {
            p.destroy();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(logFile, StandardCharsets.UTF_8)) {
            JsonNode n = JSON.readTree(line); // throws on a line that is not one JSON object
            assertTrue(n.isObject(), line);
            assertTrue(n.hasNonNull("@timestamp") && n.hasNonNull("level") && n.hasNonNull("message"), line);
            lines.add(n);
        }
        assertTrue(lines.stream().anyMatch(n -> n.get("message").asText().startsWith("kvgate listening")), lines.toString());
        assertTrue(lines.stream().anyMatch(n -> n.get("message").asText().equals("kvgate stopped")), lines.toString());
        JsonNode handshake = lines.stream().filter(n -> n.get("message").asText().contains("TLS connected")).findFirst()
                .orElseThrow(() -> new AssertionError(lines.toString()));
        assertEquals("tls", handshake.path("listener").asText(), handshake.toString());
        assertTrue(handshake.path("peer").asText().contains("127.0.0.1:"), handshake.toString());
        List<JsonNode> access = lines.stream().filter(n -> n.path("logger_name").asText().equals("kvgate.access")).toList();
        assertEquals(3, access.size(), "sample = 1: every answer: " + access);
        assertEquals("set", access.get(0).path("opcode").asText(), access.get(0).toString());
        assertEquals("success", access.get(0).path("status").asText());
        assertEquals("plain", access.get(0).path("listener").asText());
        assertEquals("key_not_found", access.get(1).path("status").asText());
        assertEquals("tls", access.get(2).path("listener").asText());
        assertTrue(access.get(2).path("peer").asText().startsWith("/127.0.0.1:"), access.get(2).toString());
    }
}
