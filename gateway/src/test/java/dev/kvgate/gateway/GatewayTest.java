package dev.kvgate.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import dev.kvgate.testkit.Hex;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The whole request path in one JVM, on embedded shards, over both transports. */
@Timeout(60)
class GatewayTest {
    private static GatewayFixture gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayFixture.start("kvgate.limits.max-frame = 64KiB\nkvgate.embedded.shards = 3\n");
    }

    @AfterAll
    static void stop() throws IOException {
        gateway.close();
    }

    private static String key(TransportKind t, String name) {
        return t + "-" + name;
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void setGetDelete(TransportKind t) throws IOException {
        try (McbpClient c = gateway.client(t)) {
            String k = key(t, "sgd");
            Response set = c.set(k, "value-1");
            assertEquals(0, set.status());
            assertTrue(set.cas() != 0, "a mutation returns its CAS");
            Response get = c.get(k);
            assertEquals(0, get.status());
            assertEquals("value-1", get.valueString());
            assertEquals(set.cas(), get.cas());
            assertEquals(0, c.delete(k).status());
            Response miss = c.get(k);
            assertEquals(Status.KEY_NOT_FOUND.code(), miss.status());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void pipelineOfAThousandKeepsOrderAndOpaques(TransportKind t) throws IOException {
        try (McbpClient c = gateway.client(t)) {
            List<Request> sets = new ArrayList<>();
            List<Request> gets = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                sets.add(Request.set(key(t, "p" + i), "v" + i));
                gets.add(Request.get(key(t, "p" + i)));
            }
            for (CompletableFuture<Response> f : c.sendAll(sets)) {
                assertEquals(0, McbpClient.await(f).status());
            }
            List<CompletableFuture<Response>> answers = c.sendAll(gets);
            for (int i = 0; i < 1000; i++) {
                // The client fails any response that arrives out of order or with a foreign opaque.
                assertEquals("v" + i, McbpClient.await(answers.get(i)).valueString());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void quietMultiGetThenNoopAnswersOnlyTheHits(TransportKind t) throws IOException {
        try (McbpClient c = gateway.client(t)) {
            for (int i = 0; i < 100; i += 2) {
                assertEquals(0, c.set(key(t, "mg" + i), "x" + i).status());
            }
            List<Request> batch = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                batch.add(Request.keyed(Opcode.GETKQ, key(t, "mg" + i)));
            }
            batch.add(Request.noop());
            List<CompletableFuture<Response>> answers = c.sendAll(batch);
            for (int i = 0; i < 100; i++) {
                Response r = McbpClient.await(answers.get(i));
                if (i % 2 == 0) {
                    assertNotNull(r, "hit " + i);
                    assertEquals(key(t, "mg" + i), r.keyString());
                    assertEquals("x" + i, r.valueString());
                } else {
                    assertNull(r, "a quiet miss stays silent: " + i);
                }
            }
            assertEquals(Opcode.NOOP.code(), McbpClient.await(answers.get(100)).opcode());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void quietSetsAreSettledWithoutAClientNoop(TransportKind t) throws IOException {
        try (McbpClient c = gateway.client(t)) {
            List<Request> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                batch.add(Request.store(Opcode.SETQ, key(t, "sq" + i), new byte[] {(byte) i}, 0, 0, 0));
            }
            List<CompletableFuture<Response>> answers = c.sendAll(batch);
            // No NOOP from the client: kvgate's own barrier settles them, then a GET sees the data.
            Response last = c.get(key(t, "sq49"));
            assertArrayEquals(new byte[] {49}, last.value());
            for (CompletableFuture<Response> f : answers) {
                assertNull(McbpClient.await(f));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void gatewayAnswersItsOwnOpcodes(TransportKind t) throws IOException {
        try (McbpClient c = gateway.client(t)) {
            assertEquals(0, c.noop().status());
            Response version = c.call(Request.of(Opcode.VERSION));
            assertTrue(version.valueString().startsWith("kvgate"), version.valueString());
            Map<String, String> stats = c.stats();
            assertEquals("3", stats.get("kvgate_shards"));
            assertTrue(stats.containsKey("get_hits"), "the shards' counters are summed in: " + stats);
            assertTrue(Long.parseLong(stats.get("curr_connections")) >= 1);
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void badRequestsGetAStatusAndTheConnectionGoesOn(TransportKind t) throws IOException {
        try (McbpClient c = gateway.client(t)) {
            Response unknown = c.call(Request.of(Opcode.GET).withOpcode((byte) 0x7e));
            assertEquals(Status.UNKNOWN_COMMAND.code(), unknown.status());
            Response noKey = c.call(Request.of(Opcode.GET));
            assertEquals(Status.INVALID_ARGUMENTS.code(), noKey.status());
            Response longKey = c.get("k".repeat(251));
            assertEquals(Status.INVALID_ARGUMENTS.code(), longKey.status());
            assertEquals(0, c.set(key(t, "after-errors"), "ok").status());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void flexibleFramingRequestsAreServed(TransportKind t) throws IOException {
        try (McbpClient c = gateway.client(t)) {
            c.set(key(t, "flex"), "flexible");
            // A framing extra the backend would not understand: kvgate drops it before forwarding.
            Response r = c.call(Request.get(key(t, "flex")).withFramingExtras(new byte[] {0x01, 0x02, 0x03}));
            assertEquals("flexible", r.valueString());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void flushReachesEveryShard(TransportKind t) throws IOException {
        try (McbpClient c = gateway.client(t)) {
            for (int i = 0; i < 30; i++) {
                c.set(key(t, "fl" + i), "v");
            }
            assertEquals(0, c.call(Request.of(Opcode.FLUSH)).status());
            for (int i = 0; i < 30; i++) {
                assertEquals(Status.KEY_NOT_FOUND.code(), c.get(key(t, "fl" + i)).status());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void quitAnswersThenCloses(TransportKind t) throws Exception {
        try (McbpClient c = gateway.client(t)) {
            List<CompletableFuture<Response>> answers = c.sendAll(List.of(Request.noop(), Request.of(Opcode.QUIT)));
            assertEquals(Opcode.NOOP.code(), McbpClient.await(answers.get(0)).opcode());
            assertEquals(Opcode.QUIT.code(), McbpClient.await(answers.get(1)).opcode());
            assertTrue(c.awaitClosed(Duration.ofSeconds(5)));
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void oversizeFrameGetsTooBigThenCloseAndOthersCarryOn(TransportKind t) throws Exception {
        try (McbpClient other = gateway.client(t); McbpClient c = gateway.client(t)) {
            CompletableFuture<Response> before = c.send(Request.set(key(t, "before-oversize"), "kept"));
            CompletableFuture<Response> tooBig = c.send(Request.set(key(t, "big"), new byte[70 * 1024]));
            assertEquals(0, McbpClient.await(before).status(), "the request before the bad one is answered");
            assertEquals(Status.VALUE_TOO_LARGE.code(), McbpClient.await(tooBig).status());
            assertTrue(c.awaitClosed(Duration.ofSeconds(5)));
            assertEquals("kept", other.get(key(t, "before-oversize")).valueString());
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void malformedHeaderClosesOnlyThatConnection(TransportKind t) throws Exception {
        try (McbpClient other = gateway.client(t); McbpClient c = gateway.client(t)) {
            // key length 0x10 in a body of 3 bytes
            c.sendRaw(Unpooled.wrappedBuffer(Hex.decode("80 00 0010 00 00 0000 00000003 00000001 0000000000000000 666f6f")));
            assertTrue(c.awaitClosed(Duration.ofSeconds(5)));
            assertThrows(IOException.class, c::noop);
            assertEquals(0, other.noop().status());
        }
    }

    @org.junit.jupiter.api.Test
    void plaintextOnTheTlsPortIsClosedAndTheGatewayCarriesOn() throws Exception {
        try (Socket s = new Socket("127.0.0.1", gateway.port(TransportKind.TLS))) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(Hex.decode("80 0a 0000 00 00 0000 00000000 00000001 0000000000000000"));
            out.flush();
            InputStream in = s.getInputStream();
            // Whatever TLS alert may come first, the stream ends: no mcbp answer to plaintext.
            byte[] all = in.readAllBytes();
            assertFalse(all.length >= 24 && (all[0] & 0xff) == 0x81, "no mcbp response to plaintext");
        }
        try (McbpClient c = gateway.client(TransportKind.TLS)) {
            assertEquals(0, c.noop().status());
        }
        try (McbpClient c = gateway.client(TransportKind.PLAIN)) {
            assertEquals(0, c.noop().status());
        }
    }
}
