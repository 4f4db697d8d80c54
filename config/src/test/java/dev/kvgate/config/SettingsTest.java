package dev.kvgate.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class SettingsTest {

    private static String problem(String hocon) {
        return assertThrows(SettingsException.class, () -> Settings.parse(hocon)).getMessage();
    }

    @Test
    void referenceDefaultsLoad() {
        KvgateSettings s = Settings.load(Optional.empty());
        assertEquals(List.of(new ListenerSettings("plain", "0.0.0.0", 11210, false),
                new ListenerSettings("tls", "0.0.0.0", 11207, true)), s.listeners());
        assertEquals("ketama", s.routing().hash());
        assertTrue(s.shards().isEmpty(), "no shards: embedded engine shards");
        assertEquals(4, s.embedded().shards());
        assertEquals(64L * 1024 * 1024, s.embedded().memory());
        assertEquals(20 * 1024 * 1024, s.limits().maxFrame());
        assertEquals(Duration.ofSeconds(2), s.backend().requestTimeout());
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), s.tls().protocols());
        assertEquals(TlsSettings.Provider.AUTO, s.tls().provider());
        assertEquals(BackendSettings.OnShardFailure.FAIL_FAST, s.backend().onShardFailure());
        assertTrue(s.ioThreads() >= 1);
    }

    @Test
    void tlsSessionCacheIsBoundedByDefaultAndConfigurable() {
        KvgateSettings s = Settings.parse("");
        assertEquals(TlsSettings.DEFAULT_SESSION_CACHE_SIZE, s.tls().sessionCacheSize());
        assertEquals(TlsSettings.DEFAULT_SESSION_TIMEOUT, s.tls().sessionTimeout());
        KvgateSettings t = Settings.parse("kvgate.tls { session-cache-size = 64, session-timeout = 30s }");
        assertEquals(64, t.tls().sessionCacheSize());
        assertEquals(Duration.ofSeconds(30), t.tls().sessionTimeout());
        assertEquals("kvgate.tls.session-cache-size: must be >= 1, was 0", problem("kvgate.tls.session-cache-size = 0"));
    }

    @Test
    void shardsAsStringsAndObjects() {
        KvgateSettings s = Settings.parse("kvgate.shards = [\"10.0.0.1:11211\", { address = \"cache:11212\", tls = true },"
                + " \"[::1]:11213\"]");
        assertEquals(List.of(new ShardSettings("10.0.0.1", 11211, false), new ShardSettings("cache", 11212, true),
                new ShardSettings("::1", 11213, false)), s.shards());
        assertEquals("10.0.0.1:11211", s.shards().get(0).address());
        assertEquals("[::1]:11213", s.shards().get(2).address());
    }

    @Test
    void aShardThatIsNotHostPortIsNamedByItsIndex() {
        assertEquals("kvgate.shards[1]: \"foo\" is not host:port",
                problem("kvgate.shards = [\"127.0.0.1:11211\", \"foo\"]"));
        assertEquals("kvgate.shards[0]: \"h:99999\" is not host:port", problem("kvgate.shards = [\"h:99999\"]"));
        assertEquals("kvgate.shards[1]: duplicate shard a:1", problem("kvgate.shards = [\"a:1\", \"a:1\"]"));
    }

    @Test
    void wrongTypesNameThePath() {
        String p = problem("kvgate.limits.max-frame = lots");
        assertTrue(p.contains("kvgate.limits.max-frame"), p);
        assertFalse(p.contains("\n"), "one line");
        p = problem("kvgate.backend.request-timeout = -1s");
        assertEquals("kvgate.backend.request-timeout: must be positive, was PT-1S", p);
    }

    @Test
    void connectAndHandshakeTimeoutsAreBelowTheRequestTimeout() {
        KvgateSettings s = Settings.parse("");
        assertEquals(Duration.ofSeconds(1), s.backend().connectTimeout());
        assertEquals(Duration.ofSeconds(1), s.backend().handshakeTimeout());
        assertEquals("kvgate.backend.connect-timeout: must be below kvgate.backend.request-timeout (PT0.5S), was PT1S",
                problem("kvgate.backend.request-timeout = 500ms"));
        assertEquals("kvgate.backend.handshake-timeout: must be below kvgate.backend.request-timeout (PT2S), was PT2S",
                problem("kvgate.backend.handshake-timeout = 2s"));
        assertEquals(Duration.ofMillis(200), Settings.parse("kvgate.backend { request-timeout = 500ms,"
                + " connect-timeout = 200ms, handshake-timeout = 300ms }").backend().connectTimeout());
    }

    @Test
    void enumsListTheValidValues() {
        assertEquals("kvgate.tls.provider: \"boring\" is not one of auto, openssl, jdk",
                problem("kvgate.tls.provider = boring"));
        assertEquals("kvgate.backend.on-shard-failure: \"retry\" is not one of fail-fast, eject",
                problem("kvgate.backend.on-shard-failure = retry"));
    }

    @Test
    void oldTlsVersionsAreRefused() {
        assertEquals("kvgate.tls.protocols[1]: \"TLSv1.1\" is not allowed (TLSv1.3, TLSv1.2)",
                problem("kvgate.tls.protocols = [TLSv1.2, TLSv1.1]"));
    }

    @Test
    void misspeltKeysAreRefused() {
        assertEquals("kvgate.backend.request-timout: unknown setting (see reference.conf for the valid ones)",
                problem("kvgate.backend.request-timout = 1s"));
        assertEquals("kvgate.shard: unknown setting (see reference.conf for the valid ones)",
                problem("kvgate.shard = [\"a:1\"]"));
    }

    @Test
    void listenerChecks() {
        assertEquals("kvgate.listeners[0].port: 70000 is not a port (0-65535)",
                problem("kvgate.listeners = [ { name = a, port = 70000 } ]"));
        assertEquals("kvgate.listeners[1].name: duplicate listener name \"a\"",
                problem("kvgate.listeners = [ { name = a, port = 1 }, { name = a, port = 2 } ]"));
        assertEquals("kvgate.listeners[0].port: missing", problem("kvgate.listeners = [ { name = a } ]"));
        assertEquals("kvgate.listeners[0].protocol: \"ascii\" is not one of auto, binary, text",
                problem("kvgate.listeners = [ { name = a, port = 1, protocol = ascii } ]"));
        assertEquals(ListenerSettings.Protocol.TEXT,
                Settings.parse("kvgate.listeners = [ { name = a, port = 1, protocol = text } ]").listeners().get(0).protocol());
    }

    @Test
    void fileOverReference(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("k.conf");
        Files.writeString(f, "kvgate { routing.hash = modulo, backend.connections-per-shard = 3 }");
        KvgateSettings s = Settings.load(Optional.of(f));
        assertEquals("modulo", s.routing().hash());
        assertEquals(3, s.backend().connectionsPerShard());
        assertEquals(11210, s.listeners().get(0).port(), "the rest from reference.conf");
    }

    private static String fileProblem(Path dir, String hocon) throws Exception {
        Path f = dir.resolve("kvgate.conf");
        Files.writeString(f, hocon);
        return assertThrows(SettingsException.class, () -> Settings.load(Optional.of(f))).getMessage();
    }

    @Test
    void missingFileIsNamed(@TempDir Path dir) {
        Path f = dir.resolve("absent.conf");
        SettingsException e = assertThrows(SettingsException.class, () -> Settings.load(Optional.of(f)));
        assertEquals(f + ": cannot read configuration file (no such file)", e.getMessage());
        assertEquals(f.toString(), e.path());
    }

    @Test
    void aDirectoryIsNotAConfigurationFile(@TempDir Path dir) {
        SettingsException e = assertThrows(SettingsException.class, () -> Settings.load(Optional.of(dir)));
        assertEquals(dir + ": cannot read configuration file (is a directory)", e.getMessage());
    }

    @Test
    void aTruncatedFileNamesFileLineAndWhatWasExpected(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("kvgate.conf");
        assertEquals(f + " line 1: expecting a close bracket ']' but reached the end of the file",
                fileProblem(dir, "kvgate { shards = ["));
        assertEquals(f + " line 2: expecting a close bracket ']' but reached the end of the file",
                fileProblem(dir, "kvgate { shards = [\n  \"a:1\""));
        assertEquals(f + " line 3: expecting a close brace '}' but reached the end of the file",
                fileProblem(dir, "kvgate {\n  io-threads = 1\n"));
        assertEquals(f + " line 2: expecting a value but reached the end of the file",
                fileProblem(dir, "kvgate { limits { max-frame = \n"));
        assertEquals(f + " line 2: expecting a closing quote '\"' but reached the end of the file",
                fileProblem(dir, "kvgate {\n  routing.hash = \"ketama"));
    }

    @Test
    void otherSyntaxErrorsKeepTypesafesTextWithoutItsQuotingAdvice(@TempDir Path dir) throws Exception {
        String p = fileProblem(dir, "kvgate {\n  io-threads = 1 }\n}\n");
        assertEquals(dir.resolve("kvgate.conf") + " line 3: unbalanced close brace '}' with no open brace", p);
        p = fileProblem(dir, "kvgate {\n  routing.hash = \"ketama\n}\n");
        assertEquals(dir.resolve("kvgate.conf") + " line 2: expecting a closing quote '\"' before the end of the line", p);
    }

    @Test
    void aWrongTypeInAFileNamesFileLinePathAndWhatWasExpected(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("kvgate.conf");
        assertEquals(f + " line 2: kvgate.io-threads: expecting a number but got \"many\"",
                fileProblem(dir, "kvgate {\n  io-threads = many\n}\n"));
        assertEquals(f + " line 2: kvgate.shards: expecting a list but got a string",
                fileProblem(dir, "kvgate {\n  shards = \"a:1\"\n}\n"));
        assertEquals(f + " line 1: kvgate.tls: expecting an object but got a number", fileProblem(dir, "kvgate.tls = 3"));
        assertEquals(f + " line 3: kvgate.backend.connect-timeout: expecting a duration such as 10s but got \"soon\"",
                fileProblem(dir, "kvgate {\n  backend {\n    connect-timeout = soon\n  }\n}\n"));
        assertEquals(f + " line 2: kvgate.listeners[1].port: expecting a number but got \"x\"",
                fileProblem(dir, "kvgate {\n  listeners = [ { name = a, port = 1 }, { name = b, port = x } ]\n}\n"));
        assertEquals(f + " line 1: kvgate.auth.users[0].name: expecting a string but got an object",
                fileProblem(dir, "kvgate.auth.users = [ { name { first = a }, password = x } ]"));
        assertEquals(f + " line 2: kvgate.io-threads: expecting a number but got null",
                fileProblem(dir, "kvgate {\n  io-threads = null\n}\n"));
    }

    @Test
    void ourOwnChecksInAFileKeepTheirMessages(@TempDir Path dir) throws Exception {
        assertEquals("kvgate.shards[1]: \"foo\" is not host:port",
                fileProblem(dir, "kvgate.shards = [\"127.0.0.1:11211\", \"foo\"]\n"));
    }

    @Test
    void aWrongTypeFromASystemPropertySaysSo() {
        System.setProperty("kvgate.io-threads", "x");
        try {
            assertEquals("system properties: kvgate.io-threads: expecting a number but got \"x\"", problem(""));
        } finally {
            System.clearProperty("kvgate.io-threads");
        }
    }

    @Test
    void referenceIgnoresOverrides() {
        System.setProperty("kvgate.listeners.0.port", "1");
        try {
            assertEquals(List.of(11210, 11207), Settings.reference().listeners().stream().map(ListenerSettings::port).toList());
        } finally {
            System.clearProperty("kvgate.listeners.0.port");
        }
    }

    @Test
    void systemPropertiesOverrideTheFile() {
        System.setProperty("kvgate.embedded.shards", "7");
        try {
            assertEquals(7, Settings.parse("kvgate.embedded.shards = 2").embedded().shards());
        } finally {
            System.clearProperty("kvgate.embedded.shards");
        }
    }

    @Test
    void misspeltSystemPropertiesAreRefused() {
        System.setProperty("kvgate.backend.request-timout", "1s");
        try {
            assertEquals("kvgate.backend.request-timout: unknown setting (see reference.conf for the valid ones)",
                    problem(""));
        } finally {
            System.clearProperty("kvgate.backend.request-timout");
        }
    }

    @Test
    void propertiesTheProcessReadsItselfAreNotSettings() {
        System.setProperty("kvgate.log.level", "DEBUG");
        System.setProperty("kvgate.nio", "true");
        try {
            assertEquals(4, Settings.parse("").embedded().shards());
        } finally {
            System.clearProperty("kvgate.log.level");
            System.clearProperty("kvgate.nio");
        }
    }

    @Test
    void shardListFromIndexedProperties() {
        System.setProperty("kvgate.shards.0", "10.0.0.1:11211");
        System.setProperty("kvgate.shards.1", "10.0.0.2:11211");
        try {
            assertEquals(List.of(new ShardSettings("10.0.0.1", 11211, false), new ShardSettings("10.0.0.2", 11211, false)),
                    Settings.parse("").shards());
        } finally {
            System.clearProperty("kvgate.shards.0");
            System.clearProperty("kvgate.shards.1");
        }
    }
}
