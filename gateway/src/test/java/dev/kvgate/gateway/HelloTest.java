package dev.kvgate.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.mcbp.Frames;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** HELLO negotiation and the features kvgate honours after it, over both transports. */
@Timeout(60)
class HelloTest {
    private static GatewayFixture gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayFixture.start("kvgate.embedded.shards = 2\n");
    }

    @AfterAll
    static void stop() throws IOException {
        gateway.close();
    }

    private static Request hello(int... features) {
        ByteBuffer b = ByteBuffer.allocate(2 * features.length);
        for (int f : features) {
            b.putShort((short) f);
        }
        return Request.of(Opcode.HELLO, new byte[0], "test-agent".getBytes(StandardCharsets.US_ASCII), b.array(), 0);
    }

    private static short[] features(Response r) {
        ByteBuffer b = ByteBuffer.wrap(r.value());
        short[] out = new short[r.value().length / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.getShort();
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void answersTheImplementedFeaturesInTheClientsOrder(TransportKind t) throws IOException {
        try (McbpClient c = gateway.client(t)) {
            // XERROR, Collections (not implemented), Tracing, UnorderedExecution, AltRequest, TCPNODELAY, TLS (no)
            Response r = c.call(hello(0x07, 0x12, 0x0f, 0x0e, 0x10, 0x03, 0x02));
            assertEquals(0, r.status());
            assertArrayEquals(new short[] {0x07, 0x0f, 0x0e, 0x10, 0x03}, features(r));
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void tracingAddsTheServerDurationFramingExtra(TransportKind t) throws IOException {
        try (McbpClient c = gateway.client(t)) {
            assertEquals(0, c.set(t + "-traced", "v").status());
            Response before = c.get(t + "-traced");
            assertEquals((byte) 0x81, before.magic(), "no framing extras before HELLO");
            c.call(hello(0x0f));
            Response traced = c.get(t + "-traced");
            assertEquals((byte) 0x18, traced.magic());
            assertEquals(3, traced.framingExtras().length);
            assertEquals(0x02, traced.framingExtras()[0], "id 0 (server duration), length 2");
            int encoded = ((traced.framingExtras()[1] & 0xff) << 8) | (traced.framingExtras()[2] & 0xff);
            double micros = Frames.decodeServerDuration(encoded);
            assertTrue(micros >= 0 && micros < 60_000_000, "decoded duration " + micros + " us");
            assertEquals("v", traced.valueString(), "the body is unchanged");
            c.call(hello());
            assertEquals((byte) 0x81, c.get(t + "-traced").magic(), "a new HELLO without Tracing turns it off");
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void xerrorGivesJsonErrorBodies(TransportKind t) throws IOException {
        try (McbpClient c = gateway.client(t)) {
            Response plain = c.call(Request.of(Opcode.GET).withOpcode((byte) 0x7e));
            assertEquals("Unknown command", plain.valueString());
            c.call(hello(0x07));
            Response json = c.call(Request.of(Opcode.GET).withOpcode((byte) 0x7e));
            assertEquals(Status.UNKNOWN_COMMAND.code(), json.status());
            assertEquals("{\"error\":{\"context\":\"Unknown command\"}}", json.valueString());
        }
    }

    @org.junit.jupiter.api.Test
    void serverDurationEncodingRoundTrips() {
        for (long micros : new long[] {1, 10, 100, 1_000, 10_000, 1_000_000}) {
            double back = Frames.decodeServerDuration(Frames.encodeServerDuration(micros * 1000));
            assertTrue(Math.abs(back - micros) / micros < 0.05 || Math.abs(back - micros) < 2,
                    micros + " us came back as " + back);
        }
    }
}
