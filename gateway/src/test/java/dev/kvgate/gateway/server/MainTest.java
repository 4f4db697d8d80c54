package dev.kvgate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.config.KvgateSettings;
import dev.kvgate.config.ListenerSettings;
import dev.kvgate.config.Settings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
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
    void trainRunsAGatewayThroughTlsAndPlainTrafficAndExits() {
        assertEquals(0, run("train"), errText());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("requests through a TLS and plain gateway; done"),
                out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void trainTakesOnlyJson() {
        assertEquals(2, run("train", "--yaml"));
        assertTrue(errText().contains("train takes only --json"), errText());
    }

    @Test
    void helpPrintsUsage() {
        assertEquals(0, run("-h"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage:"));
        assertEquals("", errText());
    }

    @Test
    void helpNamesDefaultsSourcesSubcommandsAndExitStatuses() {
        assertEquals(0, run("--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        KvgateSettings reference = Settings.reference();
        ListenerSettings plain = reference.listeners().stream().filter(l -> !l.tls()).findFirst().orElseThrow();
        ListenerSettings tls = reference.listeners().stream().filter(ListenerSettings::tls).findFirst().orElseThrow();
        assertEquals(11210, plain.port(), "the README's quick start promises these ports");
        assertEquals(11207, tls.port());
        assertTrue(help.contains(":11210  mcbp (listener plain)"), help);
        assertTrue(help.contains(":11207  mcbp over TLS (listener tls"), help);
        assertTrue(help.contains("With no kvgate.shards configured, keys go to 4 embedded in-process engine\nshards"),
                help);
        int properties = help.indexOf("1. -Dkvgate.key=value");
        int file = help.indexOf("2. -c FILE");
        int builtIn = help.indexOf("3. reference.conf");
        assertTrue(properties > 0 && properties < file && file < builtIn, help);
        for (String command : new String[] {"bench", "idle", "hash-password", "train", "--version", "--help",
            "--config"}) {
            assertTrue(help.contains(command), command + " in\n" + help);
        }
        assertTrue(help.contains("Exit statuses: 0 ok, also after a SIGTERM/SIGINT drain; 1 failure at start"), help);
        assertTrue(help.contains("2 invalid configuration or arguments"), help);
        assertTrue(help.contains("kvgate.shutdown.drain-timeout (10s)"), help);
        assertTrue(help.lines().allMatch(l -> l.length() <= 80), "fits a terminal:\n" + help);
    }

    @Test
    void helpQuotesTheReferenceNotTheOverrides() {
        System.setProperty("kvgate.embedded.shards", "9");
        try {
            assertEquals(0, run("-h"));
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("keys go to 4 embedded"));
        } finally {
            System.clearProperty("kvgate.embedded.shards");
        }
    }

    @Test
    void versionPrintsTheBuildsVersion() throws Exception {
        java.util.Properties build = new java.util.Properties();
        try (java.io.InputStream in = Main.class.getResourceAsStream("version.properties")) {
            build.load(in);
        }
        assertTrue(build.getProperty("version").matches("\\d+\\.\\d+\\.\\d+.*"), build.toString());
        for (String flag : new String[] {"--version", "-V"}) {
            out.reset();
            assertEquals(0, run(flag));
            assertEquals("kvgate " + build.getProperty("version") + "\n", out.toString(StandardCharsets.UTF_8));
        }
        assertEquals("", errText());
    }

    @Test
    void versionComesFirstEvenAfterOtherArguments(@TempDir Path dir) {
        assertEquals(0, run("-c", dir.resolve("not-read.conf").toString(), "--version"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("kvgate "));
    }

    private String configProblem(Path conf, String hocon) throws Exception {
        Files.writeString(conf, hocon);
        err.reset();
        assertEquals(2, run("-c", conf.toString()));
        return errText();
    }

    @Test
    void eachConfigurationFileProblemIsOneSentenceWithFileLineAndExpectation(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("kvgate.conf");
        assertEquals("kvgate: invalid configuration: " + conf
                + " line 1: expecting a close bracket ']' but reached the end of the file\n",
                configProblem(conf, "kvgate { shards = ["));
        assertEquals("kvgate: invalid configuration: " + conf
                + " line 4: expecting a close brace '}' but reached the end of the file\n",
                configProblem(conf, "kvgate {\n  io-threads = 1\n  limits { max-frame = 1MiB }\n"));
        assertEquals("kvgate: invalid configuration: " + conf
                + " line 3: kvgate.limits.idle-timeout: expecting a duration such as 10s but got \"forever\"\n",
                configProblem(conf, "kvgate {\n  limits {\n    idle-timeout = forever\n  }\n}\n"));
        assertEquals("kvgate: invalid configuration: " + conf + " line 2: kvgate.shards: expecting a list but got a string\n",
                configProblem(conf, "kvgate {\n  shards = \"10.0.0.1:11211\"\n}\n"));
        assertEquals("kvgate: invalid configuration: " + conf
                + " line 1: kvgate.listeners[0].port: expecting a number but got \"http\"\n",
                configProblem(conf, "kvgate.listeners = [ { name = plain, port = http } ]\n"));
    }

    @Test
    void aMissingOrUnreadableFileIsNamed(@TempDir Path dir) {
        Path absent = dir.resolve("absent.conf");
        assertEquals(2, run("-c", absent.toString()));
        assertEquals("kvgate: invalid configuration: " + absent + ": cannot read configuration file (no such file)\n",
                errText());
        err.reset();
        assertEquals(2, run("-c", dir.toString()));
        assertEquals("kvgate: invalid configuration: " + dir + ": cannot read configuration file (is a directory)\n",
                errText());
    }

    @Test
    void configWithoutAFileIsAnArgumentError() {
        assertEquals(2, run("-c"));
        assertEquals("kvgate: -c needs a file\n", errText());
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
