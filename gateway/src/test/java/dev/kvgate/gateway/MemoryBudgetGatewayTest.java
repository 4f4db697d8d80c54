package dev.kvgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.mcbp.Status;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A budget far smaller than what clients send at once: large SETs from several connections all get
 * their answers (their connections wait for room, nothing is refused or closed), a frame larger than
 * the whole budget gets 0x03 and its connection goes on, and every reservation comes back.
 */
@Timeout(120)
class MemoryBudgetGatewayTest {
    private static final int VALUE = 300 * 1024;

    private static byte[] value(int seed, int size) {
        byte[] v = new byte[size];
        Arrays.fill(v, (byte) ('a' + seed % 26));
        return v;
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void largeValuesFromManyConnectionsWaitForRoomAndAreAllAnswered(TransportKind t) throws Exception {
        String conf = "kvgate.memory { budget = 1MiB, large-frame = 16KiB }\n"
                + "kvgate.embedded.max-item-size = 2MiB\n";
        try (GatewayFixture gateway = GatewayFixture.start(conf)) {
            List<McbpClient> clients = new ArrayList<>();
            List<CompletableFuture<Response>> sets = new ArrayList<>();
            try {
                for (int c = 0; c < 6; c++) {
                    McbpClient client = gateway.client(t);
                    clients.add(client);
                    List<Request> pipeline = new ArrayList<>();
                    for (int i = 0; i < 4; i++) {
                        pipeline.add(Request.set("big-" + c + "-" + i, value(c + i, VALUE)));
                    }
                    sets.addAll(client.sendAll(pipeline));
                }
                for (CompletableFuture<Response> f : sets) {
                    assertEquals(0, McbpClient.await(f).status());
                }
                McbpClient reader = clients.get(0);
                for (int c = 0; c < 6; c++) {
                    for (int i = 0; i < 4; i++) {
                        assertTrue(Arrays.equals(value(c + i, VALUE), reader.get("big-" + c + "-" + i).value()));
                    }
                }
                Response refused = reader.call(Request.set("too-big", value(0, 1536 * 1024)));
                assertEquals(Status.VALUE_TOO_LARGE.code(), refused.status(), "larger than the whole budget");
                assertEquals(0, reader.set("after", "ok").status(), "the connection goes on");
                assertEquals("ok", reader.get("after").valueString());
            } finally {
                clients.forEach(McbpClient::close);
            }
            var budget = gateway.server().budget();
            assertTrue(budget.peak() <= budget.limit(), "never past the budget: peak " + budget.peak());
            assertEquals(1, budget.refusals());
            assertEquals(0, budget.used(), "every reservation given back");
            var admin = gateway.server().adminAddress().orElseThrow();
            String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + admin.getPort() + "/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(metrics.contains("kvgate_memory_budget_bytes 1048576"), metrics);
            assertTrue(metrics.contains("kvgate_memory_refusals_total 1"), metrics);
            assertTrue(metrics.contains("kvgate_memory_used_bytes 0"), metrics);
        }
    }
}
