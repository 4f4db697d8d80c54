package dev.kvgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TextClient;
import dev.kvgate.gateway.TransportKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A dead shard fails a text client's commands for its keys only, in their place in the answer. */
@Timeout(60)
class TextShardFailureIT {
    private Shards shards;
    private GatewayFixture gateway;

    @BeforeEach
    void start() throws Exception {
        shards = Shards.start(3);
        gateway = GatewayFixture.start(shards.hocon()
                + "kvgate.backend { request-timeout = 1s, connect-timeout = 500ms, handshake-timeout = 500ms, reconnect-min = 20ms, reconnect-max = 200ms }\n");
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            if (shards != null) {
                shards.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void aDeadShardGivesServerErrorForItsKeysOnly(TransportKind t) throws Exception {
        String k0 = shards.keysOn(0, t + "-a", 1).get(0);
        String k1 = shards.keysOn(1, t + "-b", 1).get(0);
        String k2 = shards.keysOn(2, t + "-c", 1).get(0);
        try (TextClient c = gateway.textClient(t)) {
            assertEquals("STORED\r\nSTORED\r\nSTORED\r\n", c.exchange("set " + k0 + " 0 0 1\r\n0\r\nset " + k1
                    + " 0 0 1\r\n1\r\nset " + k2 + " 0 0 1\r\n2\r\n"));
            shards.get(1).kill();
            assertEquals("VALUE " + k0 + " 0 1\r\n0\r\nSERVER_ERROR backend failure\r\nVALUE " + k2
                    + " 0 1\r\n2\r\nEND\r\n", c.exchange("get " + k0 + " " + k1 + " " + k2 + "\r\n"));
            assertEquals("SERVER_ERROR backend failure\r\nSTORED\r\nDELETED\r\n", c.exchange("set " + k1
                    + " 0 0 1\r\nx\r\nset " + k2 + " 0 0 1\r\ny\r\ndelete " + k0 + "\r\n"));
        }
    }
}
