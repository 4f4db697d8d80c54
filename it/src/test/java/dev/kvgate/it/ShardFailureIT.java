package dev.kvgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.mcbp.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A shard that dies or hangs: its keys fail with 0x86 in bounded time, the others keep working. */
@Timeout(120)
class ShardFailureIT {
    private static final long REQUEST_TIMEOUT_MS = 500;
    private Shards shards;
    private GatewayFixture gateway;

    @BeforeEach
    void start() throws Exception {
        shards = Shards.start(3);
        gateway = GatewayFixture.start(shards.hocon()
                + "kvgate.backend { request-timeout = " + REQUEST_TIMEOUT_MS + "ms, connect-timeout = 200ms, handshake-timeout = 200ms, reconnect-min = 20ms,"
                + " reconnect-max = 200ms }\n");
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            if (shards != null) {
                shards.close();
            }
        }
    }

    private int owner(String key) {
        return shards.owner(key);
    }

    /** 200 keys and their owners, stored through the gateway. */
    private List<String> populate(McbpClient c, String prefix) throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            keys.add(prefix + i);
            assertEquals(0, c.set(prefix + i, "v" + i).status());
        }
        return keys;
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void killedShardGivesTemporaryFailureOnlyForItsKeysThenRecovers(TransportKind t) throws Exception {
        try (McbpClient c = gateway.client(t)) {
            List<String> keys = populate(c, t + "-kill-");
            shards.get(1).kill();
            int failed = 0;
            int served = 0;
            List<Request> gets = keys.stream().map(Request::get).toList();
            List<CompletableFuture<Response>> answers = c.sendAll(gets);
            for (int i = 0; i < keys.size(); i++) {
                Response r = McbpClient.await(answers.get(i));
                if (owner(keys.get(i)) == 1) {
                    assertEquals(Status.TEMPORARY_FAILURE.code(), r.status(), keys.get(i));
                    failed++;
                } else {
                    assertEquals("v" + i, r.valueString(), keys.get(i));
                    served++;
                }
            }
            assertTrue(failed > 0 && served > 0, failed + " failed, " + served + " served");

            shards.get(1).restart();
            // The shard comes back empty; its keys are writable again once kvgate has reconnected.
            String probe = keys.stream().filter(k -> owner(k) == 1).findFirst().orElseThrow();
            long deadline = System.nanoTime() + 10_000_000_000L;
            int status;
            do {
                status = c.set(probe, "again").status();
                if (status != 0) {
                    Thread.sleep(50);
                }
            } while (status != 0 && System.nanoTime() < deadline);
            assertEquals(0, status, "shard 1 serves again after restart");
            assertEquals("again", c.get(probe).valueString());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void stoppedShardTimesOutWithinTheRequestTimeout(TransportKind t) throws Exception {
        try (McbpClient c = gateway.client(t)) {
            List<String> keys = populate(c, t + "-stop-");
            String hung = keys.stream().filter(k -> owner(k) == 2).findFirst().orElseThrow();
            String fine = keys.stream().filter(k -> owner(k) == 0).findFirst().orElseThrow();
            shards.get(2).stop();
            try {
                long start = System.nanoTime();
                CompletableFuture<Response> slow = c.send(Request.get(hung));
                Response r = McbpClient.await(slow);
                long tookMs = (System.nanoTime() - start) / 1_000_000;
                assertEquals(Status.TEMPORARY_FAILURE.code(), r.status());
                // Generous bound: the timeout plus scheduling slack on a shared machine, never a hang.
                assertTrue(tookMs < REQUEST_TIMEOUT_MS + 5_000, "took " + tookMs + " ms");
                try (McbpClient other = gateway.client(t)) {
                    assertEquals(0, other.get(fine).status(), "other shards unaffected");
                }
            } finally {
                shards.get(2).resume();
            }
        }
    }
}
