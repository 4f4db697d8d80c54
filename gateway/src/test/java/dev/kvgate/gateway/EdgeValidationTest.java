package dev.kvgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.gateway.auth.PasswordHash;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The edge over both transports: invalid shapes answered locally, SASL order, stalled frames. */
@Timeout(60)
class EdgeValidationTest {
    private static final String HASH = PasswordHash.hash("s3cret".toCharArray(), 10_000);
    private static final byte[] NONE = new byte[0];

    private static Request saslPlain(String user, String password) {
        byte[] value = ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
        return Request.of(Opcode.SASL_AUTH, NONE, "PLAIN".getBytes(StandardCharsets.US_ASCII), value, 0);
    }

    private static List<Response> all(List<CompletableFuture<Response>> futures) throws Exception {
        List<Response> out = new java.util.ArrayList<>();
        for (CompletableFuture<Response> f : futures) {
            out.add(McbpClient.await(f));
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void invalidRequestsGet0x04EvenWhenQuietAndTheConnectionGoesOn(TransportKind t) throws Exception {
        try (GatewayFixture gateway = GatewayFixture.start(""); McbpClient c = gateway.client(t)) {
            List<Response> r = all(c.sendAll(List.of(
                    Request.of(Opcode.SETQ, new byte[3], "k".getBytes(), "v".getBytes(), 0),   // wrong extras
                    Request.of(Opcode.DELETEQ, new byte[4], "k".getBytes(), NONE, 0),          // extras on delete
                    Request.of(Opcode.FLUSHQ, NONE, "k".getBytes(), NONE, 0),                  // key on flush
                    Request.of(Opcode.INCREMENT, NONE, "k".getBytes(), NONE, 0),               // no extras
                    Request.of(Opcode.QUIT, NONE, "k".getBytes(), NONE, 0),                    // QUIT with a key
                    Request.of(Opcode.STAT, NONE, NONE, "v".getBytes(), 0),                    // STAT with a value
                    Request.of(Opcode.HELLO, NONE, NONE, new byte[3], 0),                      // odd feature list
                    Request.set("k", "v"),
                    Request.get("k"))));
            for (int i = 0; i < 7; i++) {
                assertEquals(Status.INVALID_ARGUMENTS.code(), r.get(i).status(), "request " + i);
            }
            assertEquals(0, r.get(7).status());
            assertEquals("v", r.get(8).valueString());
            assertTrue(c.isOpen(), "an invalid QUIT does not end the connection");
            assertTrue(Long.parseLong(c.stats().get("kvgate_invalid_requests")) >= 7);
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void framesPipelinedBehindSaslAuthAreJudgedAfterItsOutcome(TransportKind t) throws Exception {
        String conf = "kvgate.auth { mode = sasl, allow-plain-on-plaintext = true,"
                + " users = [ { name = app, password = \"" + HASH + "\" } ] }\n";
        try (GatewayFixture gateway = GatewayFixture.start(conf); McbpClient c = gateway.client(t)) {
            List<Response> denied = all(c.sendAll(List.of(saslPlain("app", "wrong"), Request.set("k", "v"),
                    Request.get("k"))));
            assertEquals(List.of((int) Status.AUTH_ERROR.code(), (int) Status.AUTH_ERROR.code(),
                    (int) Status.AUTH_ERROR.code()), denied.stream().map(Response::status).toList());
            List<Response> ok = all(c.sendAll(List.of(saslPlain("app", "s3cret"), Request.set("k", "v"),
                    Request.get("k"), Request.noop())));
            assertEquals(List.of(0, 0, 0, 0), ok.stream().map(Response::status).toList(), "as memcached: in order, authenticated");
            assertEquals("v", ok.get(2).valueString());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void aHalfHeaderIsClosedAtTheFrameReadTimeout(TransportKind t) throws Exception {
        try (GatewayFixture gateway = GatewayFixture.start("kvgate.limits.frame-read-timeout = 200ms\n");
             McbpClient stalled = gateway.client(t); McbpClient healthy = gateway.client(t)) {
            assertEquals(0, stalled.noop().status(), "a whole frame is fine");
            stalled.sendRaw(Unpooled.wrappedBuffer(new byte[] {(byte) 0x80, 0x00, 0x00}));
            assertTrue(stalled.awaitClosed(Duration.ofSeconds(30)), "closed, not kept until idle-timeout");
            assertEquals(0, healthy.set("k", "v").status(), "others carry on");
            assertFalse(stalled.isOpen());
        }
    }
}
