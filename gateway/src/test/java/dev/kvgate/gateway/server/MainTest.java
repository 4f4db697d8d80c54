package dev.kvgate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
    }

    private String errText() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void invalidConfigurationExitsWithTwoAndOneLine(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("bad.conf");
        Files.writeString(conf, "kvgate.shards = [\"127.0.0.1:11211\", \"foo\"]\n");
        assertEquals(2, run("-c", conf.toString()));
        assertEquals("kvgate: invalid configuration: kvgate.shards[1]: \"foo\" is not host:port\n", errText());
    }

    @Test
    void syntaxErrorIsOneLineWithoutStackTrace(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("broken.conf");
        Files.writeString(conf, "kvgate { limits { max-frame = \n");
        assertEquals(2, run("-c", conf.toString()));
        String e = errText();
        assertTrue(e.startsWith("kvgate: invalid configuration: "), e);
        assertEquals(1, e.lines().count(), e);
        assertFalse(e.contains("at com.typesafe"), e);
    }

    @Test
    void unknownHashPresetIsAConfigurationError() {
        System.setProperty("kvgate.routing.hash", "rendezvous");
        try {
            assertEquals(2, run());
            assertTrue(errText().startsWith("kvgate: invalid configuration: kvgate.routing.hash: unknown hash preset"),
                    errText());
        } finally {
            System.clearProperty("kvgate.routing.hash");
        }
    }

    @Test
    void unknownArgumentExitsWithTwo() {
        assertEquals(2, run("--frobnicate"));
        assertEquals("kvgate: unknown argument --frobnicate (try -h)\n", errText());
    }

    @Test
    void helpPrintsUsage() {
        assertEquals(0, run("-h"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage:"));
    }

    @Test
    void startsAndStopsOnFreePorts(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("ok.conf");
        Files.writeString(conf, "kvgate { io-threads = 1, embedded.shards = 1, listeners = [ "
                + "{ name = plain, host = \"127.0.0.1\", port = 0 }, { name = tls, host = \"127.0.0.1\", port = 0, tls = true } ],"
                + " admin.port = 0, admin.host = \"127.0.0.1\" }");
        assertEquals(0, run("-c", conf.toString()));
    }

    @Test
    void portInUseIsAStartFailure(@TempDir Path dir) throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Path conf = dir.resolve("busy.conf");
            Files.writeString(conf, "kvgate { io-threads = 1, embedded.shards = 1, listeners = [ "
                    + "{ name = plain, host = \"127.0.0.1\", port = " + taken.getLocalPort() + " } ],"
                    + " admin.enabled = false }");
            assertEquals(1, run("-c", conf.toString()));
            assertTrue(errText().contains("listener plain: cannot bind 127.0.0.1:" + taken.getLocalPort()), errText());
        }
    }
}
