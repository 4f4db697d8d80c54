package dev.kvgate.gateway.topology;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import dev.kvgate.config.ShardSettings;
import dev.kvgate.config.TopologySettings;
import dev.kvgate.gateway.log.LogCapture;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP topology source against WireMock: changes of the document, conditional requests with the
 * ETag (304 is no change), and the failures that keep the last good list: 5xx, a timeout, garbage,
 * a document that is not a topology, an empty list.
 */
@Timeout(60)
class HttpSourceTest {
    private static final String PATH = "/topology";
    private static final Duration TIMEOUT = Duration.ofMillis(300);

    private WireMockServer http;
    /** One permit per request WireMock has answered: what tests wait on. */
    private final Semaphore served = new Semaphore(0);
    private final BlockingQueue<List<ShardSettings>> lists = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() {
        http = new WireMockServer(options().dynamicPort().bindAddress("127.0.0.1"));
        http.addMockServiceRequestListener((request, response) -> served.release());
        http.start();
    }

    @AfterEach
    void stop() {
        http.stop();
    }

    private HttpSource source(List<String> headers) {
        HttpSource s = new HttpSource(new TopologySettings.Http(URI.create(http.baseUrl() + PATH),
                Duration.ofMillis(50), TIMEOUT, Optional.empty(), headers));
        s.start(lists::add);
        return s;
    }

    private List<ShardSettings> next() throws InterruptedException {
        List<ShardSettings> l = lists.poll(10, TimeUnit.SECONDS);
        if (l == null) {
            throw new AssertionError("no new list from the source within 10 s");
        }
        return l;
    }

    private static List<String> names(List<ShardSettings> shards) {
        return shards.stream().map(ShardSettings::ringName).toList();
    }

    /** Waits until WireMock has served {@code rounds} more requests. */
    private void rounds(int rounds) throws InterruptedException {
        served.drainPermits();
        if (!served.tryAcquire(rounds, 10, TimeUnit.SECONDS)) {
            throw new AssertionError("the source stopped asking");
        }
    }

    private void serve(String etag, String body) {
        http.resetAll();
        MappingBuilder document = get(urlEqualTo(PATH)).atPriority(5)
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withHeader("ETag", etag).withBody(body));
        http.stubFor(document);
        http.stubFor(get(urlEqualTo(PATH)).withHeader("If-None-Match", equalTo(etag)).atPriority(1)
                .willReturn(aResponse().withStatus(304).withHeader("ETag", etag)));
    }

    private void fail(com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder answer) {
        http.resetAll();
        http.stubFor(get(urlEqualTo(PATH)).willReturn(answer));
    }

    @Test
    void changesAndConditionalRequests() throws Exception {
        serve("\"v1\"", "{\"shards\": [\"10.0.0.2:11211\", {\"address\": \"10.0.0.1:11211\", \"weight\": 2}]}");
        try (HttpSource s = source(List.of("Authorization: Bearer s3cret"))) {
            List<ShardSettings> first = next();
            assertEquals(List.of("10.0.0.2:11211", "10.0.0.1:11211"), names(first), "in the document's order");
            assertEquals(2, first.get(1).weight());

            rounds(10);
            assertNull(lists.poll(), "304 Not Modified is no change");
            http.verify(getRequestedFor(urlEqualTo(PATH)).withHeader("If-None-Match", equalTo("\"v1\"")));
            http.verify(getRequestedFor(urlEqualTo(PATH)).withHeader("Authorization", equalTo("Bearer s3cret")));
            assertTrue(http.findAll(getRequestedFor(urlEqualTo(PATH)).withHeader("If-None-Match", equalTo("\"v1\"")))
                    .size() >= 9, "every request after the first is conditional");

            serve("\"v2\"", "{\"shards\": [\"10.0.0.2:11211\", {\"address\": \"10.0.0.1:11211\", \"weight\": 2},"
                    + " {\"address\": \"cache-c:11211\", \"tls\": true, \"name\": \"c\"}]}");
            List<ShardSettings> second = next();
            assertEquals(List.of("10.0.0.2:11211", "10.0.0.1:11211", "c"), names(second), "a shard added");
            assertTrue(second.get(2).tls());

            serve("\"v3\"", "{\"shards\": [\"10.0.0.1:11211\", \"10.0.0.2:11211\"]}");
            assertEquals(List.of("10.0.0.1:11211", "10.0.0.2:11211"), names(next()), "removed and reweighted");

            // Without an ETag: every request is a plain GET, and the same document is no change.
            http.resetAll();
            http.stubFor(get(urlEqualTo(PATH)).willReturn(aResponse().withStatus(200)
                    .withBody("{\"shards\": [\"10.0.0.1:11211\", \"10.0.0.2:11211\"]}")));
            rounds(5);
            assertNull(lists.poll());
            assertNull(s.failure());
        }
    }

    @Test
    void failuresKeepTheLastGoodListAndAreLoggedOncePerState() throws Exception {
        serve("\"v1\"", "{\"shards\": [\"10.0.0.1:11211\", \"10.0.0.2:11211\", \"10.0.0.3:11211\"]}");
        try (LogCapture logs = new LogCapture("dev.kvgate.gateway.topology");
             HttpSource s = source(List.of())) {
            assertEquals(3, next().size());

            fail(aResponse().withStatus(503).withBody("maintenance"));
            rounds(6);
            fail(aResponse().withStatus(200).withBody("{\"shards\": [\"10.0.0.1:11211\"]}")
                    .withFixedDelay((int) TIMEOUT.toMillis() * 4));
            rounds(3);
            fail(aResponse().withStatus(200).withBody("<html>not json</html>"));
            rounds(6);
            fail(aResponse().withStatus(200).withBody("{\"nodes\": []}"));
            rounds(6);
            fail(aResponse().withStatus(200).withBody("{\"shards\": [\"10.0.0.1\"]}"));
            rounds(6);
            fail(aResponse().withStatus(200).withBody("{\"shards\": []}"));
            rounds(6);
            assertNull(lists.poll(), "nothing replaces the last good list");

            List<String> failing = logs.messages("topology source HTTP", "keeping the last good topology (3 shards)");
            assertEquals(6, failing.size(), "one line per change of state, not per request: " + failing);
            assertTrue(failing.get(0).contains("HTTP 503"), failing.get(0));
            assertTrue(failing.get(1).contains("no answer within 300 ms"), failing.get(1));
            assertTrue(failing.get(2).contains("not JSON"), failing.get(2));
            assertTrue(failing.get(3).contains("no \"shards\" list"), failing.get(3));
            assertTrue(failing.get(4).contains("shards[0]: \"10.0.0.1\" is not host:port"), failing.get(4));
            assertTrue(failing.get(5).contains("answered no shards"), failing.get(5));

            serve("\"v2\"", "{\"shards\": [\"10.0.0.1:11211\", \"10.0.0.2:11211\"]}");
            assertEquals(2, next().size(), "back, with a change");
            assertEquals(1, logs.messages("topology source HTTP", "answers again (2 shards)").size());
        }
    }
}
