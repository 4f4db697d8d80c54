package dev.kvgate.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The admin listener of a gateway on embedded shards: probes, metrics after traffic, memory, errors. */
@Timeout(60)
class AdminTest {
    private static GatewayFixture gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayFixture.start("kvgate.embedded.shards = 3\n");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return AdminHttp.get(gateway.server(), path);
    }

    /** The value of the one sample of {@code series} (name and labels exactly as written). */
    static double sample(String metrics, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        assertTrue(m.find(), series + " in\n" + metrics);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void healthAndReadiness() throws Exception {
        HttpResponse<String> health = get("/healthz");
        assertEquals(200, health.statusCode());
        assertEquals("ok\n", health.body());
        HttpResponse<String> ready = get("/readyz");
        assertEquals(200, ready.statusCode(), ready.body());
        assertEquals("ready: 3 of 3 shards reachable\n", ready.body());
        assertTrue(ready.headers().firstValue("content-type").orElse("").startsWith("text/plain"));
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void metricsCountTrafficOverEachTransport(TransportKind t) throws Exception {
        String listener = t.listener();
        double beforeSets = 0;
        String before = get("/metrics").body();
        if (before.contains("kvgate_requests_total{opcode=\"set\",status=\"success\"}")) {
            beforeSets = sample(before, "kvgate_requests_total{opcode=\"set\",status=\"success\"}");
        }
        double bytesBefore = before.contains("kvgate_received_bytes_total{listener=\"" + listener + "\"}")
                ? sample(before, "kvgate_received_bytes_total{listener=\"" + listener + "\"}") : 0;
        try (McbpClient c = gateway.client(t)) {
            for (int i = 0; i < 20; i++) {
                assertEquals(0, c.set("admin-" + t + "-" + i, "v" + i).status());
            }
            assertEquals(1, c.get("admin-missing-" + t).status(), "a miss");
            String m = get("/metrics").body();
            assertEquals(beforeSets + 20, sample(m, "kvgate_requests_total{opcode=\"set\",status=\"success\"}"));
            assertTrue(sample(m, "kvgate_requests_total{opcode=\"get\",status=\"key_not_found\"}") >= 1);
            assertTrue(sample(m, "kvgate_client_connections{listener=\"" + listener + "\"}") >= 1);
            assertTrue(sample(m, "kvgate_received_bytes_total{listener=\"" + listener + "\"}") > bytesBefore + 20 * 24);
            assertTrue(sample(m, "kvgate_sent_bytes_total{listener=\"" + listener + "\"}") > 20 * 24);
            double answered = 0;
            for (String shard : new String[] {"embedded-0", "embedded-1", "embedded-2"}) {
                answered += sample(m, "kvgate_shard_latency_seconds_count{shard=\"" + shard + "\"}");
                assertEquals(1, sample(m, "kvgate_shard_up{shard=\"" + shard + "\"}"));
                assertEquals(0, sample(m, "kvgate_backend_timeouts_total{shard=\"" + shard + "\"}"));
                assertTrue(m.contains("kvgate_shard_latency_seconds_bucket{shard=\"" + shard + "\",le=\"+Inf\"}"), m);
            }
            assertTrue(answered >= 21, "every answer is timed: " + answered);
            if (t == TransportKind.TLS) {
                assertTrue(m.contains("kvgate_tls_handshakes_total{cipher=\"TLS_"), m);
                assertTrue(m.contains("protocol=\"TLSv1.3\"") || m.contains("protocol=\"TLSv1.2\""), m);
            }
        }
    }

    @Test
    void metricsCoverTheServerAndTheJvm() throws Exception {
        HttpResponse<String> r = get("/metrics");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"),
                r.headers().toString());
        String m = r.body();
        for (String name : new String[] {"kvgate_certificate_expiry_seconds{role=\"server\"",
            "kvgate_netty_pooled_used_bytes{kind=\"direct\"}", "kvgate_netty_pooled_active_allocations{kind=\"direct\"}",
            "kvgate_backend_errors_total{shard=\"embedded-0\"}", "kvgate_backend_reconnects_total{shard=\"embedded-0\"}",
            "kvgate_shard_ejections_total{shard=\"embedded-0\"}", "kvgate_uptime_seconds ", "jvm_memory_used_bytes{",
            "jvm_threads_current ", "kvgate_client_connections_accepted_total{listener=\"plain\"}"}) {
            assertTrue(m.contains(name), name + " in\n" + m);
        }
        Matcher expiry = Pattern.compile("^kvgate_certificate_expiry_seconds\\{role=\"server\",serial=\"\\w+\",subject=\"[^\"]*\"} (\\S+)$",
                Pattern.MULTILINE).matcher(m);
        assertTrue(expiry.find(), m);
        assertTrue(Double.parseDouble(expiry.group(1)) > 86400, "the test server certificate is valid for days");
        HttpResponse<String> open = AdminHttp.send(HttpRequest.newBuilder(AdminHttp.uri(gateway.server(), "/metrics"))
                .header("Accept", "application/openmetrics-text; version=1.0.0; charset=utf-8").build());
        assertTrue(open.headers().firstValue("content-type").orElse("").startsWith("application/openmetrics-text"));
        assertTrue(open.body().endsWith("# EOF\n"));
    }

    @Test
    void plaintextOnTheTlsListenerIsAHandshakeFailureByReason() throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gateway.port(TransportKind.TLS))) {
            s.setSoTimeout(10_000);
            byte[] noop = new byte[24];
            noop[0] = (byte) 0x80;
            noop[1] = 0x0a;
            s.getOutputStream().write(noop);
            s.getOutputStream().flush();
            while (s.getInputStream().read() >= 0) {
                // until kvgate closes it
            }
        } catch (java.net.SocketException reset) {
            // closed with a reset: as good
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        String m;
        do {
            m = get("/metrics").body();
        } while (!m.contains("kvgate_tls_handshake_failures_total{reason=\"not_tls\"}") && System.nanoTime() < deadline);
        assertTrue(sample(m, "kvgate_tls_handshake_failures_total{reason=\"not_tls\"}") >= 1, m);
    }

    @Test
    void memoryDiagnosticIsJsonOnTheAdminSide() throws Exception {
        try (McbpClient c = gateway.client(TransportKind.PLAIN)) {
            assertEquals(0, c.noop().status());
            HttpResponse<String> r = get("/debug/memory");
            assertEquals(200, r.statusCode());
            assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
            Matcher m = Pattern.compile("\\{\"heap_used\":(\\d+),\"direct_used\":(-?\\d+),\"rss\":(-?\\d+),"
                    + "\"curr_connections\":(\\d+)}\\n").matcher(r.body());
            assertTrue(m.matches(), r.body());
            assertTrue(Long.parseLong(m.group(1)) > 0);
            assertTrue(Long.parseLong(m.group(3)) > Long.parseLong(m.group(1)) / 8, r.body());
            assertTrue(Long.parseLong(m.group(4)) >= 1, r.body());
        }
    }

    @Test
    void unknownPathsMethodsAndHead() throws Exception {
        HttpResponse<String> missing = get("/nope");
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("/metrics"), missing.body());
        HttpResponse<String> post = AdminHttp.send(HttpRequest.newBuilder(AdminHttp.uri(gateway.server(), "/readyz"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build());
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("allow").orElse(""));
        HttpResponse<String> head = AdminHttp.send(HttpRequest.newBuilder(AdminHttp.uri(gateway.server(), "/healthz"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("content-type").orElse("").startsWith("text/html"));
        assertFalse(page.body().contains("src=\"http"), "no external assets");
        assertFalse(page.body().contains("href=\"http"), "no external links");
    }
}
