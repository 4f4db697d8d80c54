package dev.kvgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.it.compare.RealClients;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Real clients through kvgate to three real memcached shards (the same workloads as EmbeddedClientsIT). */
@Timeout(120)
class ClientsIT {
    private static Shards shards;
    private static GatewayFixture gateway;

    @BeforeAll
    static void start() throws Exception {
        shards = Shards.start(3);
        gateway = GatewayFixture.start(shards.hocon());
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        if (shards != null) {
            shards.close();
        }
    }

    @Test
    void spymemcachedInBinaryMode() throws Exception {
        RealClients.spymemcached("127.0.0.1", gateway.port(TransportKind.PLAIN), "spy-");
    }

    @Test
    void xmemcachedInBinaryMode() throws Exception {
        RealClients.xmemcached("127.0.0.1", gateway.port(TransportKind.PLAIN), "xm-");
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void projectClientPipelined(TransportKind t) throws Exception {
        try (McbpClient c = gateway.client(t)) {
            List<Request> batch = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                batch.add(Request.set(t + "-pc-" + i, "value-" + i));
            }
            for (int i = 0; i < 500; i++) {
                batch.add(Request.get(t + "-pc-" + i));
            }
            batch.add(Request.counter(Opcode.INCREMENT, t + "-pc-counter", 2, 40, 0));
            batch.add(Request.counter(Opcode.INCREMENT, t + "-pc-counter", 2, 0, 0));
            batch.add(Request.delete(t + "-pc-0"));
            batch.add(Request.get(t + "-pc-0"));
            List<CompletableFuture<Response>> answers = c.sendAll(batch);
            for (int i = 0; i < 500; i++) {
                assertEquals(0, McbpClient.await(answers.get(i)).status());
                assertEquals("value-" + i, McbpClient.await(answers.get(500 + i)).valueString());
            }
            assertEquals(40, McbpClient.await(answers.get(1000)).counterValue());
            assertEquals(42, McbpClient.await(answers.get(1001)).counterValue());
            assertEquals(0, McbpClient.await(answers.get(1002)).status());
            assertEquals(Status.KEY_NOT_FOUND.code(), McbpClient.await(answers.get(1003)).status());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void eachKeyIsOnTheShardKetamaNames(TransportKind t) throws Exception {
        Map<Integer, Integer> perShard = new HashMap<>();
        try (McbpClient c = gateway.client(t)) {
            for (int i = 0; i < 300; i++) {
                assertEquals(0, c.set(t + "-placed-" + i, "p").status());
            }
        }
        List<McbpClient> direct = new ArrayList<>();
        try {
            for (int s = 0; s < 3; s++) {
                direct.add(McbpClient.connect("127.0.0.1", shards.get(s).port()));
            }
            for (int i = 0; i < 300; i++) {
                String key = t + "-placed-" + i;
                int owner = shards.owner(key);
                perShard.merge(owner, 1, Integer::sum);
                for (int s = 0; s < 3; s++) {
                    int status = direct.get(s).get(key).status();
                    assertEquals(s == owner ? 0 : Status.KEY_NOT_FOUND.code(), status, key + " on shard " + s);
                }
            }
        } finally {
            direct.forEach(McbpClient::close);
        }
        assertEquals(3, perShard.size(), "every shard owns some keys: " + perShard);
    }
}
