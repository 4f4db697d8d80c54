package dev.kvgate.it.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Response;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.gateway.admin.AdminHttp;
import dev.kvgate.it.Await;
import dev.kvgate.it.Shards;
import dev.kvgate.testkit.FreePorts;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The admin listener in front of real memcached shards: readiness per policy, drain, metrics after traffic. */
@Timeout(90)
class AdminIT {

    private static HttpResponse<String> get(GatewayFixture g, String path) throws Exception {
        return AdminHttp.get(g.server(), path);
    }

    private static HttpResponse<String> await(GatewayFixture g, String path, Predicate<HttpResponse<String>> until)
            throws Exception {
        AtomicReference<HttpResponse<String>> last = new AtomicReference<>();
        Await.until(Duration.ofSeconds(20), "the expected answer from " + path, () -> {
            last.set(get(g, path));
            return until.test(last.get());
        });
        return last.get();
    }

    static double sample(String metrics, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        assertTrue(m.find(), series + " in\n" + metrics);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void readinessFollowsTheShardPolicy() throws Exception {
        try (Shards shards = Shards.start(1)) {
            String dead = "127.0.0.1:" + FreePorts.next();
            String both = "kvgate.shards = [\"" + shards.get(0).address() + "\", \"" + dead + "\"]\n";
            try (GatewayFixture all = GatewayFixture.start(both)) {
                HttpResponse<String> r = await(all, "/readyz", x -> x.statusCode() == 503);
                assertEquals("not ready: 1 of 2 shards reachable, 2 needed (admin.ready-shards = all); not reachable: "
                        + dead + "\n", r.body());
                assertEquals(200, get(all, "/healthz").statusCode(), "alive all the same");
            }
            try (GatewayFixture any = GatewayFixture.start(both + "kvgate.admin.ready-shards = any\n")) {
                assertEquals("ready: 1 of 2 shards reachable\n", await(any, "/readyz", x -> x.statusCode() == 200).body());
            }
            try (GatewayFixture half = GatewayFixture.start(both + "kvgate.admin.ready-shards = 0.5\n")) {
                assertEquals(200, await(half, "/readyz", x -> x.statusCode() == 200).statusCode());
            }
        }
    }

    @Test
    void aShardThatDiesAndComesBackTurnsReadinessOffAndOn() throws Exception {
        try (Shards shards = Shards.start(1);
             GatewayFixture g = GatewayFixture.start(shards.hocon() + "kvgate.backend.reconnect-max = 200ms\n")) {
            assertEquals(200, await(g, "/readyz", x -> x.statusCode() == 200).statusCode());
            shards.get(0).kill();
            HttpResponse<String> down = await(g, "/readyz", x -> x.statusCode() == 503);
            assertTrue(down.body().contains(shards.get(0).address()), down.body());
            shards.get(0).restart();
            await(g, "/readyz", x -> x.statusCode() == 200);
            String m = get(g, "/metrics").body();
            String shard = "shard=\"" + shards.get(0).address() + "\"";
            assertTrue(sample(m, "kvgate_backend_reconnects_total{" + shard + "}") >= 1, m);
            assertTrue(sample(m, "kvgate_backend_errors_total{" + shard + "}") >= 1, m);
            assertEquals(1, sample(m, "kvgate_shard_up{" + shard + "}"));
        }
    }

    @Test
    void timeoutsAndEjectionsAreCounted() throws Exception {
        try (Shards shards = Shards.start(2);
             GatewayFixture g = GatewayFixture.start(shards.hocon() + "kvgate.backend { request-timeout = 300ms, connect-timeout = 200ms, handshake-timeout = 200ms, "
                     + "on-shard-failure = eject, eject-after = 1, retry-after = 60s }\n")) {
            shards.get(1).stop(); // hung: requests to it time out, and the timeout ejects it
            try {
                try (McbpClient c = g.client(TransportKind.PLAIN)) {
                    Response r = c.get(shards.keysOn(1, "admin-timeout", 1).get(0));
                    assertEquals(0x86, r.status());
                }
                String m = get(g, "/metrics").body();
                String shard = "shard=\"" + shards.get(1).address() + "\"";
                assertTrue(sample(m, "kvgate_backend_timeouts_total{" + shard + "}") >= 1, m);
                assertEquals(1, sample(m, "kvgate_shard_ejections_total{" + shard + "}"), m);
                assertEquals(0, sample(m, "kvgate_shard_up{" + shard + "}"));
                assertTrue(sample(m, "kvgate_requests_total{opcode=\"get\",status=\"temporary_failure\"}") >= 1, m);
                assertTrue(get(g, "/").body().contains(">ejected<"), "the status page shows it");
            } finally {
                shards.get(1).resume();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void duringDrainReadinessTurnsOffBeforeTheListenersClose(TransportKind t) throws Exception {
        GatewayFixture g = GatewayFixture.start("kvgate.shutdown.not-ready-delay = 2s\n");
        int port = g.port(t);
        try (McbpClient c = g.client(t)) {
            assertEquals(0, c.set("drain-" + t, "v").status());
        }
        assertEquals(200, get(g, "/readyz").statusCode());
        CompletableFuture<Void> closing = CompletableFuture.runAsync(() -> {
            try {
                g.close();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        try {
            HttpResponse<String> r = await(g, "/readyz", x -> x.statusCode() == 503);
            assertEquals("not ready: shutting down: draining connections\n", r.body());
            assertEquals(200, get(g, "/healthz").statusCode());
            try (McbpClient late = g.client(t)) {
                assertEquals(0, late.noop().status(), "the listener still accepts while /readyz says 503");
                assertEquals("v", late.get("drain-" + t).valueString());
            }
            assertFalse(closing.isDone());
            closing.get(30, TimeUnit.SECONDS);
            assertThrows(IOException.class, () -> McbpClient.connect("127.0.0.1", port).close());
        } finally {
            closing.get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void metricsAfterTrafficOverBothTransports() throws Exception {
        try (Shards shards = Shards.start(2);
             GatewayFixture g = GatewayFixture.start(shards.hocon())) {
            for (TransportKind t : TransportKind.values()) {
                try (McbpClient c = g.client(t)) {
                    for (int i = 0; i < 50; i++) {
                        assertEquals(0, c.set("m-" + t + "-" + i, "value-" + i).status());
                        assertEquals("value-" + i, c.get("m-" + t + "-" + i).valueString());
                    }
                    assertEquals(1, c.get("m-missing-" + t).status());
                    c.stats();
                }
            }
            String m = get(g, "/metrics").body();
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target", "metrics-sample.txt"), m);
            assertEquals(100, sample(m, "kvgate_requests_total{opcode=\"set\",status=\"success\"}"));
            assertEquals(100, sample(m, "kvgate_requests_total{opcode=\"get\",status=\"success\"}"));
            assertEquals(2, sample(m, "kvgate_requests_total{opcode=\"get\",status=\"key_not_found\"}"));
            assertEquals(2, sample(m, "kvgate_requests_total{opcode=\"stat\",status=\"success\"}"));
            for (int s = 0; s < 2; s++) {
                String shard = "shard=\"" + shards.get(s).address() + "\"";
                assertTrue(sample(m, "kvgate_shard_latency_seconds_count{" + shard + "}") > 10, m);
                assertTrue(sample(m, "kvgate_shard_latency_seconds_sum{" + shard + "}") > 0, m);
            }
            for (TransportKind t : TransportKind.values()) {
                assertEquals(1, sample(m, "kvgate_client_connections_accepted_total{listener=\"" + t.listener() + "\"}"));
                assertTrue(sample(m, "kvgate_received_bytes_total{listener=\"" + t.listener() + "\"}") > 100 * 24);
            }
            Matcher hs = Pattern.compile("^kvgate_tls_handshakes_total\\{cipher=\"(\\w+)\",protocol=\"(TLSv1\\.[23])\"} 1\\.0$",
                    Pattern.MULTILINE).matcher(m);
            assertTrue(hs.find(), m);
            assertTrue(sample(m, "kvgate_sent_bytes_total{listener=\"tls\"}")
                    > sample(m, "kvgate_sent_bytes_total{listener=\"plain\"}"), "TLS records are counted on the wire");
            String page = get(g, "/").body();
            assertTrue(page.contains(shards.get(0).address()), page);
        }
    }
}
