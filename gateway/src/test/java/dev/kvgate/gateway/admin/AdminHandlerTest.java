package dev.kvgate.gateway.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The metrics registry is made by the first scrape, not when the admin listener starts. */
class AdminHandlerTest {

    private static int get(EmbeddedChannel ch, String path) {
        ch.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path));
        FullHttpResponse r = ch.readOutbound();
        try {
            return r.status().code();
        } finally {
            r.release();
        }
    }

    @Test
    void metricsRegistryIsMadeAtTheFirstScrapeOnly() {
        AtomicInteger made = new AtomicInteger();
        AdminHandler handler = new AdminHandler(null, null, () -> {
            made.incrementAndGet();
            throw new IllegalStateException("no sources in this test");
        }, Clock.systemUTC());
        EmbeddedChannel ch = new EmbeddedChannel(handler);
        try {
            assertEquals(200, get(ch, "/healthz"));
            assertEquals(404, get(ch, "/nowhere"));
            assertEquals(0, made.get(), "probes make no registry");
            assertFalse(handler.metricsMade());
            assertEquals(500, get(ch, "/metrics"), "the registry's failure is the scrape's");
            assertEquals(1, made.get());
            assertFalse(handler.metricsMade(), "a failed attempt is tried again at the next scrape");
        } finally {
            ch.finishAndReleaseAll();
        }
    }
}
