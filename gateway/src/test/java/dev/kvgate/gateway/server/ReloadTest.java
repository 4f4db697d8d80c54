package dev.kvgate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.config.Settings;
import dev.kvgate.config.SettingsException;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.gateway.auth.PasswordHash;
import dev.kvgate.gateway.log.LogCapture;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * KvgateServer.reload on embedded shards: what changes live, what is logged as needing a restart,
 * and that an invalid configuration is refused with the start's error and changes nothing.
 */
@Timeout(60)
class ReloadTest {
    private static final String HASH = PasswordHash.hash("s3cret".toCharArray(), 10_000);
    private static final String HASH2 = PasswordHash.hash("other".toCharArray(), 10_000);

    private static Request saslPlain(String user, String password) {
        byte[] value = ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
        return Request.of(Opcode.SASL_AUTH, new byte[0], "PLAIN".getBytes(StandardCharsets.US_ASCII), value, 0);
    }

    private static String users(String... entries) {
        return "kvgate.auth { mode = sasl, users = [" + String.join(", ", entries) + "] }\n";
    }

    @Test
    void liveSettingsApplyAndRestartSettingsAreLoggedAndKept() throws Exception {
        String base = users("{ name = app, password = \"" + HASH + "\" }");
        try (GatewayFixture gw = GatewayFixture.start(base);
             LogCapture logs = new LogCapture("dev.kvgate");
             McbpClient before = gw.client(TransportKind.TLS)) {
            KvgateServer server = gw.server();
            assertEquals(Status.AUTH_ERROR.code(), before.call(saslPlain("ops", "other")).status(), "no such user yet");

            String next = users("{ name = app, password = \"" + HASH + "\" }", "{ name = ops, password = \"" + HASH2 + "\" }")
                    + "kvgate { io-threads = 3, limits.max-in-flight = 77, log.level = debug,"
                    + " backend.request-timeout = 3s, shutdown.drain-timeout = 4s }\n";
            List<String> changed = server.reload(Settings.parseWithConfig(GatewayFixture.hocon(gw.pki(), next)), "test");
            assertEquals(List.of("kvgate.auth.users", "kvgate.backend.request-timeout", "kvgate.io-threads",
                    "kvgate.limits.max-in-flight", "kvgate.log.level", "kvgate.shutdown.drain-timeout"), changed);

            assertEquals(1, logs.messages("reload (test): kvgate.io-threads: 2 -> 3 needs a restart; the running value"
                    + " stays").size(), logs.messages("reload").toString());
            assertEquals(1, logs.messages("reload (test): kvgate.limits.max-in-flight: 1024 -> 77").size());
            assertEquals(1, logs.messages("reload (test): kvgate.auth.users: users [app] -> users [app, ops]").size(),
                    "user names, never the hashes: " + logs.messages("kvgate.auth.users"));
            assertTrue(logs.messages("pbkdf2").isEmpty(), "no password hash in the log");
            assertEquals(1, logs.messages("reload (test): 6 setting(s) changed, 1 of them need(s) a restart").size());

            assertEquals(2, server.settings().ioThreads(), "the running value stays");
            assertEquals(77, server.settings().limits().maxInFlight());
            assertEquals(Duration.ofSeconds(3), server.settings().backend().requestTimeout());
            assertEquals(Level.DEBUG, ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("ROOT").getLevel());

            // A user added is known at once, also to a connection made before the reload.
            assertEquals(0, before.call(saslPlain("ops", "other")).status());
            try (McbpClient fresh = gw.client(TransportKind.TLS)) {
                assertEquals(0, fresh.call(saslPlain("ops", "other")).status());
            }

            // The same file again: nothing changed, the restart line repeats (the file still differs).
            server.reload(Settings.parseWithConfig(GatewayFixture.hocon(gw.pki(), next)), "again");
            assertEquals(1, logs.messages("reload (again): kvgate.io-threads: 2 -> 3 needs a restart").size());
            assertEquals(1, logs.messages("reload (again): 1 setting(s) changed, 1 of them need(s) a restart").size());

            // Back to the start's configuration: the level Logback started with, the user gone.
            server.reload(Settings.parseWithConfig(GatewayFixture.hocon(gw.pki(), base)), "back");
            assertEquals(Level.INFO, ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("ROOT").getLevel());
            try (McbpClient fresh = gw.client(TransportKind.TLS)) {
                assertEquals(Status.AUTH_ERROR.code(), fresh.call(saslPlain("ops", "other")).status());
            }
        } finally {
            ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("ROOT").setLevel(Level.INFO);
        }
    }

    @Test
    void anInvalidConfigurationIsRefusedWithTheStartsErrorAndChangesNothing() throws Exception {
        try (GatewayFixture gw = GatewayFixture.start("kvgate.limits.max-in-flight = 100\n")) {
            KvgateServer server = gw.server();
            String bad = "kvgate.limits.max-in-flight = 200\nkvgate.routing.hash = \"no-such-preset\"\n";
            SettingsException e = assertThrows(SettingsException.class,
                    () -> server.reload(Settings.parseWithConfig(GatewayFixture.hocon(gw.pki(), bad)), "test"));
            SettingsException atStart = assertThrows(SettingsException.class,
                    () -> KvgateServer.start(Settings.parseWithConfig(GatewayFixture.hocon(gw.pki(), bad))));
            assertEquals(atStart.getMessage(), e.getMessage());
            assertTrue(e.getMessage().startsWith("kvgate.routing.hash: "), e.getMessage());
            assertEquals(100, server.settings().limits().maxInFlight(), "nothing applied");

            SettingsException tls = assertThrows(SettingsException.class, () -> server.reload(Settings.parseWithConfig(
                    GatewayFixture.hocon(gw.pki(), "kvgate.tls.cert-chain = \"/no/such/file.pem\"\n")), "test"));
            assertTrue(tls.getMessage().startsWith("kvgate.tls: "), tls.getMessage());
            try (McbpClient c = gw.client(TransportKind.TLS)) {
                assertEquals(0, c.set("k", "v").status(), "TLS still served with the running certificate");
            }
        }
    }

    @Test
    void switchingEmbeddedToRemoteShardsNeedsARestart() throws Exception {
        try (GatewayFixture gw = GatewayFixture.start("");
             LogCapture logs = new LogCapture("dev.kvgate")) {
            gw.server().reload(Settings.parseWithConfig(GatewayFixture.hocon(gw.pki(),
                    "kvgate.shards = [\"127.0.0.1:1\"]\n")), "test");
            assertEquals(1, logs.messages("kvgate.shards", "switches between embedded and remote shards, which needs"
                    + " a restart").size());
            try (McbpClient c = gw.client(TransportKind.PLAIN)) {
                assertEquals(0, c.set("k", "v").status(), "the embedded shards still serve");
            }
        }
    }
}
