package dev.kvgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Text and meta clients over both transports, detected on the first byte, on embedded shards. */
@Timeout(60)
class TextProtocolTest {
    private static GatewayFixture gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayFixture.start("kvgate.listeners += { name = binary-only, host = \"127.0.0.1\", port = 0,"
                + " protocol = binary }\n"
                + "kvgate.listeners += { name = text-only, host = \"127.0.0.1\", port = 0, protocol = text }\n");
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void storageAndRetrieval(TransportKind t) throws Exception {
        String p = t + "-sr-";
        try (TextClient c = gateway.textClient(t)) {
            assertEquals("STORED\r\nSTORED\r\nNOT_STORED\r\nSTORED\r\nSTORED\r\nSTORED\r\n", c.exchange(
                    "set " + p + "a 5 0 3\r\nabc\r\n"
                    + "set " + p + "b 0 0 0\r\n\r\n"
                    + "add " + p + "a 0 0 1\r\nx\r\n"
                    + "append " + p + "a 0 0 2\r\nde\r\n"
                    + "prepend " + p + "a 0 0 1\r\nz\r\n"
                    + "replace " + p + "b 7 0 2\r\nbb\r\n"));
            assertEquals("VALUE " + p + "a 5 6\r\nzabcde\r\nVALUE " + p + "b 7 2\r\nbb\r\nVALUE " + p
                    + "a 5 6\r\nzabcde\r\nEND\r\n", c.exchange("get " + p + "a " + p + "missing " + p + "b " + p + "a\r\n"));
            assertEquals("END\r\n", c.exchange("get " + p + "missing\r\n"));
            String gets = c.exchange("gets " + p + "a\r\n");
            String cas = gets.split("\r\n")[0].split(" ")[4];
            assertEquals("EXISTS\r\nSTORED\r\nNOT_FOUND\r\nNOT_STORED\r\n", c.exchange(
                    "cas " + p + "a 0 0 1 " + (Long.parseLong(cas) + 1) + "\r\nq\r\n"
                    + "cas " + p + "a 0 0 1 " + cas + "\r\nq\r\n"
                    + "cas " + p + "nope 0 0 1 1\r\nq\r\n"
                    + "replace " + p + "nope 0 0 1\r\nq\r\n"));
            assertEquals("VALUE " + p + "a 0 1\r\nq\r\nEND\r\nTOUCHED\r\nNOT_FOUND\r\n", c.exchange(
                    "gat 100 " + p + "a\r\ntouch " + p + "a 10\r\ntouch " + p + "nope 10\r\n"));
            assertEquals("DELETED\r\nNOT_FOUND\r\nEND\r\n", c.exchange(
                    "delete " + p + "a\r\ndelete " + p + "a 0\r\nget " + p + "a\r\n"));
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void noreplyArithmeticAndAdmin(TransportKind t) throws Exception {
        String p = t + "-na-";
        try (TextClient c = gateway.textClient(t)) {
            assertEquals("VALUE " + p + "n 0 2\r\n10\r\nEND\r\n", c.exchange("set " + p + "n 0 0 2 noreply\r\n10\r\n"
                    + "add " + p + "n 0 0 1 noreply\r\nx\r\n" + "get " + p + "n\r\n"));
            assertEquals("15\r\n0\r\nNOT_FOUND\r\nCLIENT_ERROR invalid numeric delta argument\r\n"
                    + "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n", c.exchange(
                    "incr " + p + "n 5\r\ndecr " + p + "n 100\r\nincr " + p + "zz 1\r\nincr " + p + "n x\r\n"
                    + "set " + p + "s 0 0 1 noreply\r\nx\r\nincr " + p + "s 1\r\n"));
            assertEquals("", c.exchange("incr " + p + "n 1 noreply\r\ndelete " + p + "n noreply\r\ntouch "
                    + p + "zz 1 noreply\r\n"));
            assertEquals("OK\r\nOK\r\nCLIENT_ERROR invalid exptime argument\r\nOK\r\nERROR\r\n", c.exchange(
                    "verbosity 1\r\nverbosity 0 noreply\r\nflush_all 0\r\nflush_all x\r\nflush_all\r\nverbosity\r\n"));
            assertTrue(c.exchange("version\r\n").matches("VERSION kvgate-\\S+\r\n"));
            String stats = c.exchange("stats\r\n");
            assertTrue(stats.startsWith("STAT pid ") && stats.endsWith("END\r\n"), stats);
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void errorsAsMemcachedWordsThem(TransportKind t) throws Exception {
        String longKey = "k".repeat(251);
        try (TextClient c = gateway.textClient(t)) {
            assertEquals("ERROR\r\nERROR\r\nERROR\r\nCLIENT_ERROR bad command line format\r\n"
                    + "CLIENT_ERROR bad command line format\r\nERROR\r\n"
                    + "CLIENT_ERROR bad data chunk\r\nERROR\r\n"
                    + "CLIENT_ERROR bad command line format\r\n"
                    + "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n"
                    + "ERROR\r\nERROR\r\n", c.exchange(
                    "bogus\r\nget\r\n\r\nset a 1 0 -1\r\nset a x 0 1\r\nb\r\n"
                    + "set a 1 0 3\r\nabcd\r\n"
                    + "get " + longKey + "\r\ndelete a 5\r\nGET a\r\ncas a 0 0 1\r\n"));
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void largeValuesAndOversizedOnes(TransportKind t) throws Exception {
        String value = "v".repeat(300_000);
        try (TextClient c = gateway.textClient(t)) {
            assertEquals("STORED\r\nVALUE " + t + "-big 3 300000\r\n" + value + "\r\nEND\r\n", c.exchange(
                    "set " + t + "-big 3 0 300000\r\n" + value + "\r\nget " + t + "-big\r\n"));
            int tooBig = 21 * 1024 * 1024;
            c.send("set " + t + "-huge 0 0 " + tooBig + "\r\n");
            byte[] chunk = new byte[1024 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'x');
            for (int i = 0; i < 21; i++) {
                c.send(chunk);
            }
            assertEquals("SERVER_ERROR object too large for cache\r\nEND\r\n", c.exchange("\r\nget " + t + "-huge\r\n"));
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void metaCommands(TransportKind t) throws Exception {
        String p = t + "-m-";
        try (TextClient c = gateway.textClient(t)) {
            assertEquals("HD\r\nVA 2 f7 s2 k" + p + "a O9\r\nhi\r\nEN\r\nHD\r\nNS\r\nNF\r\n", c.exchange(
                    "ms " + p + "a 2 F7 T0\r\nhi\r\nmg " + p + "a v f s k O9\r\nmg " + p + "zz v\r\nmg " + p + "zz v q\r\n"
                    + "mg " + p + "a\r\nms " + p + "a 1 ME\r\nx\r\nmd " + p + "a q\r\nmd " + p + "a\r\n"));
            assertEquals("NF\r\nHD\r\nVA 1\r\n6\r\nVA 1\r\n4\r\nCLIENT_ERROR invalid flag\r\n", c.exchange(
                    "ma " + p + "c\r\nma " + p + "c N0 J5\r\nma " + p + "c v\r\nma " + p + "c MD D2 v\r\nma " + p
                    + "c q\r\nmg " + p + "c zz\r\n"));
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void quitAnswersWhatCameBeforeThenCloses(TransportKind t) throws Exception {
        try (TextClient c = gateway.textClient(t)) {
            c.send("set " + t + "-q 0 0 1\r\nx\r\nget " + t + "-q\r\nquit\r\nget " + t + "-q\r\n");
            assertEquals("STORED\r\nVALUE " + t + "-q 0 1\r\nx\r\nEND\r\n", c.readToClose());
        }
    }

    @Test
    void binaryOnlyListenerAnswersATextClientAtOnceAndCloses() throws Exception {
        try (TextClient c = TextClient.connect("127.0.0.1", gateway.server().port("binary-only"), null)) {
            c.send("version\r\n");
            assertEquals("SERVER_ERROR this listener speaks the binary protocol only\r\n", c.readToClose());
        }
        try (McbpClient c = McbpClient.connect("127.0.0.1", gateway.server().port("binary-only"), null)) {
            assertEquals(0, McbpClient.await(c.send(Request.noop())).status());
        }
    }

    @Test
    void autoListenerStillServesBinaryAndTextListenerReadsText() throws Exception {
        try (McbpClient c = gateway.client(TransportKind.PLAIN)) {
            assertEquals(0, McbpClient.await(c.send(Request.set("auto-bin", "v"))).status());
        }
        try (TextClient c = TextClient.connect("127.0.0.1", gateway.server().port("text-only"), null)) {
            assertEquals("VALUE auto-bin 0 1\r\nv\r\nEND\r\n", c.exchange("get auto-bin\r\n"));
        }
    }

    @Test
    void anOverlongLineClosesTheConnectionAfterTheAnswersBeforeIt() throws Exception {
        try (TextClient c = gateway.textClient(TransportKind.PLAIN)) {
            c.send("version\r\n" + "x".repeat(3000));
            String got = c.readToClose();
            assertTrue(got.matches("VERSION kvgate-\\S+\r\n"), got);
        }
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void halfALineLeftAloneClosesAtTheFrameReadTimeoutAfterTheAnswersBeforeIt(TransportKind t) throws Exception {
        try (GatewayFixture quick = GatewayFixture.start("kvgate.limits.frame-read-timeout = 300ms\n");
             TextClient c = quick.textClient(t)) {
            c.send("set " + t + "-half 0 0 1\r\nx\r\nget " + t + "-ha");
            assertEquals("STORED\r\n", c.readToClose());
        }
    }

    @Test
    void withSaslRequiredATextClientIsToldItIsUnauthenticated() throws Exception {
        String conf = "kvgate.auth { mode = sasl, allow-plain-on-plaintext = true, users = [ { name = app,"
                + " password = \"" + dev.kvgate.gateway.auth.PasswordHash.hash("pw".toCharArray(), 10_000) + "\" } ] }\n";
        try (GatewayFixture sasl = GatewayFixture.start(conf); TextClient c = sasl.textClient(TransportKind.PLAIN)) {
            assertEquals("CLIENT_ERROR unauthenticated\r\nCLIENT_ERROR unauthenticated\r\nEND\r\nERROR\r\n",
                    c.exchange("set k 0 0 1\r\nx\r\nget k\r\nbogus\r\n"));
        }
    }
}
