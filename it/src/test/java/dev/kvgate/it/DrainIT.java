package dev.kvgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.it.Await;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Graceful drain: stop accepting, answer what is in flight, then close. */
@Timeout(60)
class DrainIT {

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void requestsInFlightAreAnsweredBeforeClose(TransportKind t) throws Exception {
        try (Shards shards = Shards.start(1)) {
            GatewayFixture gateway = GatewayFixture.start(shards.hocon()
                    + "kvgate.backend.request-timeout = 20s\nkvgate.shutdown.drain-timeout = 10s\n");
            int port = gateway.port(t);
            McbpClient c = gateway.client(t);
            try {
                assertEquals(0, c.set("drain-key", "drained").status());
                shards.get(0).stop(); // the shard hangs: the next GET stays in flight
                CompletableFuture<Response> inFlight = c.send(Request.get("drain-key"));
                Await.until(Duration.ofSeconds(10), "kvgate holds the GET in flight",
                        () -> gateway.server().stats().inFlight() == 1);
                assertFalse(inFlight.isDone());
                CompletableFuture<Void> closing;
                try (Await.LogLine draining = Await.logLine("draining 1 connections with 1 requests in flight")) {
                    closing = CompletableFuture.runAsync(() -> {
                        try {
                            gateway.close();
                        } catch (IOException e) {
                            throw new RuntimeException(e);
                        }
                    });
                    draining.await(Duration.ofSeconds(10), "the drain starts");
                }
                assertFalse(closing.isDone(), "close waits for the request in flight");
                assertThrows(IOException.class, () -> McbpClient.connect("127.0.0.1", port).close(),
                        "no new connections while draining");
                shards.get(0).resume();
                Response r = McbpClient.await(inFlight, Duration.ofSeconds(10));
                assertEquals("drained", r.valueString());
                closing.get(15, TimeUnit.SECONDS);
                assertTrue(c.awaitClosed(Duration.ofSeconds(5)), "then the connection is closed");
            } finally {
                shards.get(0).resume();
                c.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void drainGivesUpAfterItsTimeout(TransportKind t) throws Exception {
        try (Shards shards = Shards.start(1)) {
            GatewayFixture gateway = GatewayFixture.start(shards.hocon()
                    + "kvgate.backend.request-timeout = 20s\nkvgate.shutdown.drain-timeout = 500ms\n");
            McbpClient c = gateway.client(t);
            try {
                shards.get(0).stop();
                CompletableFuture<Response> stuck = c.send(Request.get("never"));
                Await.until(Duration.ofSeconds(10), "kvgate holds the GET in flight",
                        () -> gateway.server().stats().inFlight() == 1);
                try (Await.LogLine gaveUp = Await.logLine("drain timeout: closing with 1 requests unanswered")) {
                    gateway.close(); // returns: the 20 s request timeout is not waited for
                    assertTrue(gaveUp.seen(), "the drain gave up at its timeout, not because the request ended");
                }
                assertThrows(IOException.class, () -> McbpClient.await(stuck, Duration.ofSeconds(5)),
                        "the unanswered request ends with the connection, not with a hang");
            } finally {
                shards.get(0).resume();
                c.close();
            }
        }
    }
}
