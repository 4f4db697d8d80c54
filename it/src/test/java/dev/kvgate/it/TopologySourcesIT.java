package dev.kvgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.kvgate.client.McbpClient;
import dev.kvgate.config.Settings;
import dev.kvgate.config.ShardSettings;
import dev.kvgate.gateway.server.KvgateServer;
import dev.kvgate.gateway.topology.TestDnsServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The dns and http topology sources end to end: kvgate started from them, following their changes
 * with real memcached shards under an open client connection, and keeping its topology while the
 * source fails or only reorders its answer.
 */
@Timeout(120)
class TopologySourcesIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String BASE = "kvgate { io-threads = 2, admin.enabled = false, reload.watch-interval = 0s,"
            + " listeners = [ { name = plain, host = \"127.0.0.1\", port = 0 } ],"
            + " backend { request-timeout = 1s, connect-timeout = 500ms, handshake-timeout = 500ms } }\n";

    private static List<String> addresses(List<ShardSettings> shards) {
        return shards.stream().map(ShardSettings::address).toList();
    }

    private static void awaitShards(KvgateServer server, List<String> want) throws Exception {
        Await.until(WAIT, "topology " + want, () -> addresses(server.shards()).equals(want)
                && server.drainingShards() == 0);
    }

    /** Writes through kvgate a key that the full three-shard ring gives to {@code shard}, and reads it there. */
    private static void landsOn(McbpClient c, Shards shards, int shard, String prefix) throws Exception {
        String key = shards.keysOn(shard, prefix, 1).get(0);
        assertEquals(0, c.set(key, "on-" + shard).status());
        try (McbpClient direct = McbpClient.connect("127.0.0.1", shards.get(shard).port())) {
            assertEquals("on-" + shard, direct.get(key).valueString(), key + " is stored on shard " + shard);
        }
    }

    @Test
    void dnsSrvRecordsAddRemoveAndReorderShards() throws Exception {
        try (Shards shards = Shards.start(3);
             TestDnsServer dns = new TestDnsServer()) {
            String name = "_memcached._tcp.cache.test";
            // SRV targets that are address literals: the shards' names on the ring are then "127.0.0.1:port".
            dns.set(name, TestDnsServer.Rr.srv(shards.get(0).port(), "127.0.0.1"),
                    TestDnsServer.Rr.srv(shards.get(1).port(), "127.0.0.1"));
            KvgateServer server = KvgateServer.start(Settings.parseWithConfig(BASE + "kvgate.topology { source = dns,"
                    + " dns { name = \"" + name + "\", record = srv, interval = 100ms, timeout = 500ms,"
                    + " servers = [\"127.0.0.1:" + dns.port() + "\"] } }\n"));
            try (McbpClient c = McbpClient.connect("127.0.0.1", server.port("plain"))) {
                List<String> two = sorted(shards, 0, 1);
                assertEquals(two, addresses(server.shards()), "the start waited for the first answer");

                dns.set(name, TestDnsServer.Rr.srv(shards.get(2).port(), "127.0.0.1"),
                        TestDnsServer.Rr.srv(shards.get(0).port(), "127.0.0.1"),
                        TestDnsServer.Rr.srv(shards.get(1).port(), "127.0.0.1"));
                awaitShards(server, sorted(shards, 0, 1, 2));
                landsOn(c, shards, 2, "dns-added-");
                long changes = server.topologyChanges();

                dns.shuffle = true;
                awaitQueries(dns, 20);
                dns.mode = TestDnsServer.Mode.SERVFAIL;
                awaitQueries(dns, 10);
                dns.mode = TestDnsServer.Mode.SILENT;
                awaitQueries(dns, 4);
                dns.mode = TestDnsServer.Mode.ANSWER;
                assertEquals(changes, server.topologyChanges(), "reordered answers and failures change nothing");
                assertEquals(sorted(shards, 0, 1, 2), addresses(server.shards()));
                landsOn(c, shards, 2, "dns-kept-");

                dns.set(name, TestDnsServer.Rr.srv(shards.get(1).port(), "127.0.0.1"),
                        TestDnsServer.Rr.srv(shards.get(2).port(), "127.0.0.1"));
                awaitShards(server, sorted(shards, 1, 2));
                assertEquals(0, c.set("dns-after-removal", "x").status(), "the client connection goes on");
            } finally {
                server.close();
            }
        }
    }

    @Test
    void httpDocumentPolledWithItsEtag() throws Exception {
        AtomicReference<String> document = new AtomicReference<>();
        AtomicReference<String> etag = new AtomicReference<>("\"1\"");
        AtomicInteger requests = new AtomicInteger();
        AtomicInteger notModified = new AtomicInteger();
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/topology", exchange -> {
            requests.incrementAndGet();
            String tag = etag.get();
            if (tag.equals(exchange.getRequestHeaders().getFirst("If-None-Match"))) {
                notModified.incrementAndGet();
                exchange.getResponseHeaders().set("ETag", tag);
                exchange.sendResponseHeaders(304, -1);
            } else {
                byte[] body = document.get().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("ETag", tag);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
            exchange.close();
        });
        http.start();
        try (Shards shards = Shards.start(3)) {
            document.set(json(shards, 0, 1, 2));
            KvgateServer server = KvgateServer.start(Settings.parseWithConfig(BASE + "kvgate.topology { source = http,"
                    + " http { url = \"http://127.0.0.1:" + http.getAddress().getPort() + "/topology\","
                    + " interval = 50ms, timeout = 1s } }\n"));
            try (McbpClient c = McbpClient.connect("127.0.0.1", server.port("plain"))) {
                assertEquals(List.of(shards.get(0).address(), shards.get(1).address(), shards.get(2).address()),
                        addresses(server.shards()));
                landsOn(c, shards, 1, "http-");
                int seen = requests.get();
                Await.until(WAIT, "ten more polls", () -> requests.get() >= seen + 10);
                assertTrue(notModified.get() >= 9, "every poll after the first is conditional: " + notModified.get());

                document.set(json(shards, 2, 0));
                etag.set("\"2\"");
                awaitShards(server, List.of(shards.get(2).address(), shards.get(0).address()));
                assertEquals(0, c.set("http-after-removal", "x").status());
                assertEquals(1, server.topologyChanges(), "the start's list is no change; the new document is one");
            } finally {
                server.close();
            }
        } finally {
            http.stop(0);
        }
    }

    private static String json(Shards shards, int... which) {
        return "{\"shards\": [" + java.util.Arrays.stream(which).mapToObj(i -> "\"" + shards.get(i).address() + "\"")
                .collect(Collectors.joining(", ")) + "]}";
    }

    /** The addresses in the order the DNS source lists them: by host, then port. */
    private static List<String> sorted(Shards shards, int... which) {
        return java.util.Arrays.stream(which).mapToObj(shards::get)
                .sorted(java.util.Comparator.comparingInt(dev.kvgate.testkit.MemcachedProcess::port))
                .map(dev.kvgate.testkit.MemcachedProcess::address).toList();
    }

    private static void awaitQueries(TestDnsServer dns, int n) throws Exception {
        int until = dns.queries.get() + n;
        Await.until(WAIT, n + " DNS queries", () -> dns.queries.get() >= until);
    }
}
