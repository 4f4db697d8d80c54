package dev.kvgate.it;

import dev.kvgate.client.McbpClient;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.it.compare.RealClients;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Real clients against kvgate on its default embedded shards: no memcached anywhere. */
@Timeout(120)
class EmbeddedClientsIT {
    private static GatewayFixture gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayFixture.start("");
    }

    @AfterAll
    static void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void spymemcachedInBinaryModeOverPlain() throws Exception {
        RealClients.spymemcached("127.0.0.1", gateway.port(TransportKind.PLAIN), "spy-");
    }

    @Test
    void xmemcachedInBinaryModeOverPlain() throws Exception {
        RealClients.xmemcached("127.0.0.1", gateway.port(TransportKind.PLAIN), "xm-");
    }

    @Test
    void projectClientPipelinedOverTls() throws Exception {
        try (McbpClient c = gateway.client(TransportKind.TLS)) {
            RealClients.mcbpPipelined(c, "mcbp-");
        }
    }
}
