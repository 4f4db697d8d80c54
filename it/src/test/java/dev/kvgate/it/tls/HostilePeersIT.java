package dev.kvgate.it.tls;

import dev.kvgate.it.Await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.client.Response;
import dev.kvgate.config.TlsSettings;
import dev.kvgate.tls.ClientTls;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Broken and hostile peers against both listeners: each fails cleanly with one clear log line, and
 * kvgate serves a fresh client afterwards. Run on both TLS engines.
 */
@Timeout(120)
class HostilePeersIT {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String CONFIG = "kvgate.embedded.max-item-size = 2MiB\n";

    private static TlsGateway start(TlsSettings.Provider provider) throws Exception {
        return TlsGateway.start(provider, CONFIG);
    }

    private static SslContext jdkClient(TlsGateway gw) {
        return ClientTls.forTrust(gw.pki.caCert(), Optional.empty(), Optional.empty(), TlsSettings.Provider.JDK,
                List.of());
    }

    /** kvgate still serves: a fresh client on each listener gets its NOOP and a SET/GET answered. */
    private static void servesFreshClients(TlsGateway gw) throws IOException {
        try (McbpClient plain = gw.plain(); McbpClient tls = gw.tls()) {
            assertEquals(0, plain.noop().status());
            assertEquals(0, tls.set("fresh", "yes").status());
            assertEquals("yes", plain.get("fresh").valueString());
        }
    }

    /** Reads until the server closes; true when it did (EOF or reset) within {@code timeout}. */
    private static boolean closedByServer(Socket socket, Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        try {
            while (in.read(buffer) >= 0) {
                // drain whatever the server sends before it closes (an alert, say)
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void plaintextToTheTlsPort(TlsSettings.Provider provider) throws Exception {
        try (Logs logs = new Logs(); TlsGateway gw = start(provider)) {
            try (Socket s = new Socket("127.0.0.1", gw.tlsPort())) {
                s.getOutputStream().write(Mcbp.noop(1));
                assertTrue(closedByServer(s, WAIT));
            }
            List<String> lines = logs.await(WAIT, "TLS handshake failed", "not a TLS record");
            assertEquals(1, lines.size(), logs.lines().toString());
            assertEquals(1, logs.matching("R:/127.0.0.1:" ).stream()
                    .filter(l -> !l.contains("TLS connected")).count(), logs.lines().toString());
            servesFreshClients(gw);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void tlsToThePlainPort(TlsSettings.Provider provider) throws Exception {
        try (Logs logs = new Logs(); TlsGateway gw = start(provider)) {
            assertThrows(IOException.class, () -> RawTlsClient.connect(gw.plainPort(), jdkClient(gw)).close());
            List<String> lines = logs.await(WAIT, "bad magic 0x16");
            assertEquals(1, lines.size(), logs.lines().toString());
            servesFreshClients(gw);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void tls11AndTls10ClientsAreRefused(TlsSettings.Provider provider) throws Exception {
        assertTrue(OpenSslClient.available(), "openssl not installed (.ci/run installs it)");
        try (Logs logs = new Logs(); TlsGateway gw = start(provider)) {
            for (String version : List.of("-tls1_1", "-tls1")) {
                logs.clear();
                OpenSslClient.Result r = OpenSslClient.exchange(gw.tlsPort(),
                        List.of(version, "-cipher", "DEFAULT@SECLEVEL=0"), Mcbp.noop(1), Mcbp.HEADER,
                        Duration.ofSeconds(5));
                assertEquals(0, r.stdout().length, version + " got an answer");
                assertTrue(r.exited() && r.exitCode() != 0, version + ": " + r.stderr());
                List<String> lines = logs.await(WAIT, "TLS handshake failed");
                assertEquals(1, lines.size(), version + ": " + logs.lines());
                String line = lines.get(0).toLowerCase();
                assertTrue(line.contains("protocol") || line.contains("version"), lines.get(0));
            }
            servesFreshClients(gw);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void handshakeThatNeverFinishesIsClosedAfterTheTimeout(TlsSettings.Provider provider) throws Exception {
        try (Logs logs = new Logs();
             TlsGateway gw = TlsGateway.start(provider, "kvgate.tls.handshake-timeout = 500ms\n")) {
            byte[] hello = RawTlsClient.clientHello(jdkClient(gw));
            try (Socket s = new Socket("127.0.0.1", gw.tlsPort())) {
                long start = System.nanoTime();
                s.getOutputStream().write(Arrays.copyOf(hello, hello.length / 2));
                assertTrue(closedByServer(s, Duration.ofSeconds(10)), "kvgate closes a stalled handshake");
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertTrue(millis >= 400 && millis < 5_000, "closed after " + millis + " ms");
            }
            List<String> lines = logs.await(WAIT, "TLS handshake failed", "not finished in time");
            assertEquals(1, lines.size(), logs.lines().toString());
            assertEquals(1, gw.server.tlsStats().handshakeFailures.sum());
            servesFreshClients(gw);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void truncatedRecordFailsItsIntegrityCheck(TlsSettings.Provider provider) throws Exception {
        try (Logs logs = new Logs(); TlsGateway gw = start(provider)) {
            try (RawTlsClient c = RawTlsClient.connect(gw.tlsPort(), jdkClient(gw))) {
                CertificateReloadIT.exchangeNoop(c, 1);
                byte[] record = c.record(Mcbp.noop(2));
                int length = ((record[3] & 0xff) << 8) | (record[4] & 0xff);
                int shorter = length - 8;
                record[3] = (byte) (shorter >> 8);
                record[4] = (byte) shorter;
                // The record as its header now describes it: 8 bytes of ciphertext and tag cut off.
                c.sendRaw(Arrays.copyOf(record, 5 + shorter));
                assertTrue(c.awaitServerClose(WAIT));
            }
            // The JDK engine raises the failed integrity check ("TLS error: Tag mismatch"); BoringSSL sends
            // the alert and closes, which reads as an unclean end. One line either way.
            Await.until(WAIT, "one TLS error or truncation line", () -> !logs.matching("TLS error").isEmpty()
                    || !logs.matching("without close_notify").isEmpty());
            // Once kvgate's session has seen the connection go, every handler in front of it has too:
            // no later line about it can come.
            Await.until(WAIT, "the connection is gone", () -> gw.server.stats().currentConnections() == 0);
            List<String> lines = logs.lines().stream()
                    .filter(l -> l.contains("TLS error") || l.contains("without close_notify")).toList();
            assertEquals(1, lines.size(), logs.lines().toString());
            assertEquals(1, gw.server.tlsStats().tlsErrors.sum() + gw.server.tlsStats().truncatedCloses.sum());
            servesFreshClients(gw);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void abruptCloseMidRecord(TlsSettings.Provider provider) throws Exception {
        try (Logs logs = new Logs(); TlsGateway gw = start(provider)) {
            try (RawTlsClient c = RawTlsClient.connect(gw.tlsPort(), jdkClient(gw))) {
                CertificateReloadIT.exchangeNoop(c, 1);
                byte[] record = c.record(Mcbp.set("half", new byte[1000], 2));
                c.sendRaw(Arrays.copyOf(record, record.length / 2)); // then the close: TCP keeps the order
            }
            List<String> lines = logs.await(WAIT, "without close_notify");
            assertEquals(1, lines.size(), logs.lines().toString());
            assertEquals(1, gw.server.tlsStats().truncatedCloses.sum());
            servesFreshClients(gw);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void politeCloseIsNotReportedAsTruncation(TlsSettings.Provider provider) throws Exception {
        try (Logs logs = new Logs(); TlsGateway gw = start(provider)) {
            try (McbpClient c = gw.tls()) {
                assertEquals(0, c.noop().status());
            }
            try (McbpClient c = gw.tls()) {
                c.sendRaw(io.netty.buffer.Unpooled.wrappedBuffer(Mcbp.request(0x07, new byte[0], new byte[0],
                        new byte[0], 5)));
                assertTrue(c.awaitClosed(WAIT));
            }
            Await.until(WAIT, "the connection is gone", () -> gw.server.stats().currentConnections() == 0);
            assertEquals(List.of(), logs.matching("without close_notify"));
            assertEquals(0, gw.server.tlsStats().truncatedCloses.sum());
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void frameSplitAcrossRecords(TlsSettings.Provider provider) throws Exception {
        try (TlsGateway gw = start(provider)) {
            try (RawTlsClient c = RawTlsClient.connect(gw.tlsPort(), jdkClient(gw))) {
                byte[] set = Mcbp.set("split", "across-records".getBytes(), 11);
                byte[] get = Mcbp.get("split", 12);
                byte[] both = new byte[set.length + get.length];
                System.arraycopy(set, 0, both, 0, set.length);
                System.arraycopy(get, 0, both, set.length, get.length);
                // Records of 1, 23, 7 and the rest: the header, the key and the value all cross boundaries.
                int[] cuts = {1, 24, 31, both.length};
                int from = 0;
                for (int cut : cuts) {
                    // Separate records whatever the segmentation: the frame crosses record boundaries.
                    c.sendRaw(c.record(Arrays.copyOfRange(both, from, cut)));
                    from = cut;
                }
                byte[] setResponse = c.read(Mcbp.HEADER);
                assertEquals(0, Mcbp.status(setResponse));
                assertEquals(11, Mcbp.opaque(setResponse));
                byte[] getHeader = c.read(Mcbp.HEADER);
                assertEquals(0, Mcbp.status(getHeader));
                assertEquals(12, Mcbp.opaque(getHeader));
                byte[] body = c.read(Mcbp.bodyLength(getHeader));
                assertEquals("across-records", new String(body, 4, body.length - 4));
                CertificateReloadIT.exchangeNoop(c, 13);
            }
            servesFreshClients(gw);
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void oneMebibyteValuesRoundTrip(TlsSettings.Provider provider) throws Exception {
        try (TlsGateway gw = start(provider)) {
            byte[] value = new byte[1024 * 1024];
            new Random(42).nextBytes(value);
            try (McbpClient tls = gw.tls(); McbpClient plain = gw.plain()) {
                for (int i = 0; i < 4; i++) {
                    Response set = tls.call(Request.set("big-" + i, value));
                    assertEquals(0, set.status());
                    assertArrayEquals(value, tls.get("big-" + i).value());
                    assertArrayEquals(value, plain.get("big-" + i).value());
                }
                List<Request> pipeline = List.of(Request.get("big-0"), Request.get("big-1"), Request.get("big-2"));
                for (var answer : tls.sendAll(pipeline)) {
                    assertArrayEquals(value, McbpClient.await(answer).value());
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void openSslClientCompletesANoop(TlsSettings.Provider provider) throws Exception {
        assertTrue(OpenSslClient.available(), "openssl not installed (.ci/run installs it)");
        try (TlsGateway gw = start(provider)) {
            for (String version : List.of("-tls1_2", "-tls1_3")) {
                OpenSslClient.Result r = OpenSslClient.exchange(gw.tlsPort(), List.of(version,
                        "-CAfile", gw.pki.caCert().toString(), "-verify_return_error", "-servername", "localhost"),
                        Mcbp.noop(0x01020304), Mcbp.HEADER, Duration.ofSeconds(10));
                assertEquals(Mcbp.HEADER, r.stdout().length, version + ": " + r.stderr());
                assertEquals(0x81, r.stdout()[0] & 0xff);
                assertEquals(0x0a, Mcbp.opcode(r.stdout()));
                assertEquals(0, Mcbp.status(r.stdout()));
                assertEquals(0x01020304, Mcbp.opaque(r.stdout()));
            }
            assertEquals(2, gw.server.tlsStats().handshakes.sum());
        }
    }
}
