package dev.kvgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kvgate.client.McbpClient;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.testkit.MemcachedProcess;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A shard named by host name, not address: resolved by Netty's asynchronous resolver (the hosts file
 * here) at the first connection and again at the reconnect after memcached restarts.
 */
@Timeout(60)
class ShardByNameIT {

    @Test
    void aShardNamedLocalhostIsResolvedAndResolvedAgainOnReconnect() throws Exception {
        try (MemcachedProcess memcached = MemcachedProcess.builder().start();
             GatewayFixture gateway = GatewayFixture.start("kvgate.shards = [\"localhost:" + memcached.port() + "\"]\n"
                     + "kvgate.backend { reconnect-min = 20ms, reconnect-max = 100ms }\n");
             McbpClient c = gateway.client(TransportKind.PLAIN)) {
            assertEquals(0, c.set("by-name", "resolved").status());
            assertEquals("resolved", c.get("by-name").valueString());
            try (Await.LogLine again = Await.logLine("connected again to localhost")) {
                memcached.restart();
                // The reconnect resolves the name once more; its log line is the event waited for.
                again.await(Duration.ofSeconds(20), "kvgate reconnects to localhost");
            }
            Await.until(Duration.ofSeconds(10), "the restarted shard takes writes",
                    () -> c.set("by-name", "again").status() == 0);
            assertEquals("again", c.get("by-name").valueString());
        }
    }
}
