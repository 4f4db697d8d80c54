package dev.kvgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A pipeline far longer than max-in-flight, read in large batches, against the embedded engine
 * (which answers inside the dispatch): every request is answered, in order, over both transports.
 */
@Timeout(60)
class InFlightCapTest {

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void longPipelineThroughATinyCap(TransportKind t) throws Exception {
        try (GatewayFixture gateway = GatewayFixture.start(
                "kvgate.limits { max-in-flight = 2, frames-per-read = 100000 }\n");
             McbpClient c = gateway.client(t)) {
            assertEquals(0, c.set("cap", "v").status());
            List<Request> batch = new ArrayList<>();
            for (int i = 0; i < 20_000; i++) {
                batch.add(Request.get("cap"));
            }
            List<CompletableFuture<Response>> answers = c.sendAll(batch);
            for (CompletableFuture<Response> f : answers) {
                assertEquals("v", McbpClient.await(f).valueString());
            }
        }
    }
}
