package dev.kvgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.gateway.auth.PasswordHash;
import dev.kvgate.gateway.log.LogCapture;
import dev.kvgate.gateway.log.PeerWarnings;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What a hostile client can do to kvgate's log: neither forge a line nor flood it. */
@Timeout(60)
class HostileLogsTest {
    private static final String HASH = PasswordHash.hash("s3cret".toCharArray(), 10_000);
    /** A line of kvgate's own, as a client would forge it (dated in the past: a real line never is). */
    private static final String FORGED = "1999-12-31 INFO dev.kvgate authenticated as admin";

    private static Request sasl(String mechanism, String user, String password) {
        byte[] value = ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
        return Request.of(Opcode.SASL_AUTH, new byte[0], mechanism.getBytes(StandardCharsets.UTF_8), value, 0);
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void aSaslUserNameCannotForgeALogLine(TransportKind t) throws Exception {
        String conf = "kvgate.auth { mode = sasl, allow-plain-on-plaintext = true,"
                + " users = [ { name = app, password = \"" + HASH + "\" } ] }\n";
        try (LogCapture logs = new LogCapture("dev.kvgate"); GatewayFixture gateway = GatewayFixture.start(conf);
             McbpClient c = gateway.client(t)) {
            String user = "bob\n" + FORGED;
            assertEquals(Status.AUTH_ERROR.code(), c.call(sasl("PLAIN", user, "x")).status());
            assertEquals(Status.AUTH_ERROR.code(), c.call(sasl("PLAIN\r\n" + FORGED, "app", "s3cret")).status());
            assertEquals(Status.AUTH_ERROR.code(), c.call(sasl("PLAIN", "eve\u2028\u202e" + "x".repeat(200), "x"))
                    .status());

            // The answer follows the log line: everything is in the capture by now.
            List<String> bob = logs.fileLines().stream().filter(l -> l.contains("bob")).toList();
            assertEquals(1, bob.size(), logs.fileLines().toString());
            assertTrue(bob.get(0).endsWith("SASL PLAIN authentication failed for user bob\\n" + FORGED), bob.get(0));
            assertTrue(bob.get(0).matches("\\d{4}-\\d\\d-\\d\\d [0-9:.]+ INFO  dev\\.kvgate\\.gateway\\.auth\\.ConnectionAuth - "
                    + ".*R:/127\\.0\\.0\\.1:\\d+\\] SASL PLAIN authentication failed for user bob\\\\n.*"), bob.get(0));

            List<String> mechanism = logs.messages("refused");
            assertEquals(1, mechanism.size(), logs.fileLines().toString());
            assertTrue(mechanism.get(0).endsWith("SASL PLAIN\\x0d\\x0a1999-12-31 INFO dev.kvgat...(+24) "
                    + "refused: unsupported mechanism"), mechanism.get(0));

            List<String> eve = logs.messages("eve");
            assertEquals(1, eve.size(), logs.fileLines().toString());
            assertTrue(eve.get(0).endsWith("for user eve\\u2028\\u202e" + "x".repeat(59) + "...(+141)"), eve.get(0));

            for (String line : logs.fileLines()) {
                assertFalse(line.startsWith("1999-12-31"), "a forged line: " + line);
                assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3} [A-Z]+ +dev\\.kvgate\\..*"),
                        "every line is one of kvgate's, from its start: " + line);
                assertFalse(line.contains("\u2028") || line.contains("\u202e"), line);
            }
            assertEquals(1, logs.fileLines().stream().filter(l -> l.contains("authenticated as admin")).count(),
                    "the forged text appears only inside kvgate's own line: " + logs.fileLines());
        }
    }

    /** Reads until the server closes the connection. */
    private static void awaitClose(Socket s) throws IOException {
        s.setSoTimeout(5_000);
        InputStream in = s.getInputStream();
        byte[] buffer = new byte[1024];
        try {
            while (in.read(buffer) >= 0) {
                // an alert, say
            }
        } catch (SocketException reset) {
            // closed too
        }
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean());
    }

    @Test
    void manyBadTlsConnectionsFromOnePeerLogABoundedNumberOfLines() throws Exception {
        int connections = 4 * PeerWarnings.DEFAULT_PER_PEER;
        try (LogCapture logs = new LogCapture("dev.kvgate"); GatewayFixture gateway = GatewayFixture.start("")) {
            byte[] noop = new byte[24];
            noop[0] = (byte) 0x80;
            noop[1] = 0x0a;
            for (int i = 0; i < connections; i++) {
                try (Socket s = new Socket("127.0.0.1", gateway.port(TransportKind.TLS))) {
                    s.getOutputStream().write(noop);
                    awaitClose(s);
                }
            }
            await(() -> gateway.server().tlsStats().handshakeFailures.sum() == connections);
            long lines = logs.messages("TLS handshake failed").size();
            // One more line can pass when the run takes longer than a refill (interval / per-peer lines).
            assertTrue(lines >= PeerWarnings.DEFAULT_PER_PEER && lines <= PeerWarnings.DEFAULT_PER_PEER + 1,
                    lines + " lines for " + connections + " bad connections");
            try (McbpClient c = gateway.client(TransportKind.PLAIN)) {
                assertEquals(0, c.noop().status(), "kvgate still serves");
            }
        }
    }

    @Test
    void manyRefusedConnectionsFromOnePeerLogABoundedNumberOfLines() throws Exception {
        int connections = 4 * PeerWarnings.DEFAULT_PER_PEER;
        try (LogCapture logs = new LogCapture("dev.kvgate");
             GatewayFixture gateway = GatewayFixture.start("kvgate.limits.max-connections-per-ip = 1\n");
             McbpClient held = gateway.client(TransportKind.PLAIN)) {
            assertEquals(0, held.noop().status());
            for (int i = 0; i < connections; i++) {
                try (Socket s = new Socket("127.0.0.1", gateway.port(TransportKind.PLAIN))) {
                    awaitClose(s);
                }
            }
            await(() -> logs.messages("refusing connection from 127.0.0.1").size() >= PeerWarnings.DEFAULT_PER_PEER);
            List<String> lines = logs.messages("refusing connection from 127.0.0.1");
            assertTrue(lines.size() <= PeerWarnings.DEFAULT_PER_PEER + 1, lines.toString());
            assertEquals(0, held.noop().status(), "the admitted connection carries on");
        }
    }
}
