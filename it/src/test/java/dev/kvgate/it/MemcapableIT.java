package dev.kvgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** libmemcached's memccapable text-protocol suite against kvgate in front of three real memcached shards. */
@Timeout(180)
class MemcapableIT {
    private static final Path TOOL = Path.of("/usr/bin/memccapable");

    @Test
    void theAsciiSuitePasses() throws Exception {
        assertTrue(Files.isExecutable(TOOL), "memccapable not installed (.ci/run installs libmemcached-tools)");
        try (Shards shards = Shards.start(3); GatewayFixture gateway = GatewayFixture.start(shards.hocon())) {
            Process p = new ProcessBuilder(TOOL.toString(), "-h", "127.0.0.1", "-p",
                    Integer.toString(gateway.port(TransportKind.PLAIN)), "-a", "-t", "10")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("All tests passed"), out);
        }
    }
}
