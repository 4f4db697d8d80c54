package dev.kvgate.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.config.AuthSettings;
import dev.kvgate.config.KvgateSettings;
import dev.kvgate.config.Settings;
import dev.kvgate.config.SettingsException;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ConnectionAuthTest {
    private static final int ITERATIONS = 10_000;
    private static final String APP_HASH = PasswordHash.hash("s3cret".toCharArray(), ITERATIONS);
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private Authenticator authenticator;

    @AfterEach
    void close() {
        if (authenticator != null) {
            authenticator.close();
        }
        channel.finishAndReleaseAll();
    }

    private static AuthSettings settings(String hocon) {
        KvgateSettings s = Settings.parse(hocon);
        return s.auth();
    }

    private ConnectionAuth connection(String hocon) {
        authenticator = new Authenticator(settings(hocon));
        return authenticator.newConnection(channel);
    }

    private static String saslUsers(String mode) {
        return "kvgate.auth { mode = " + mode + ", users = [ { name = app, password = \"" + APP_HASH + "\" } ] }\n";
    }

    private static ByteBuf request(Opcode op, String key, byte[] value, int opaque) {
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        ByteBuf b = Unpooled.buffer();
        b.writeByte(0x80).writeByte(op.code()).writeShort(k.length).writeByte(0).writeByte(0).writeShort(0)
                .writeInt(k.length + value.length).writeInt(opaque).writeLong(0).writeBytes(k).writeBytes(value);
        return b;
    }

    private static byte[] plain(String user, String password) {
        return ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
    }

    /** Runs the channel's event loop until the answer is there; returns status and value, releasing it. */
    private Object[] answer(CompletableFuture<ByteBuf> future) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!future.isDone() && System.nanoTime() < deadline) {
            channel.runPendingTasks();
            Thread.sleep(1);
        }
        ByteBuf r = future.get();
        try {
            byte[] value = new byte[Mcbp.valueLength(r)];
            r.getBytes(Mcbp.valueIndex(r), value);
            return new Object[] {Mcbp.status(r), new String(value, StandardCharsets.US_ASCII), Mcbp.opaque(r)};
        } finally {
            r.release();
        }
    }

    @Test
    void modeNoneIsAlwaysAuthenticated() {
        assertTrue(connection("").authenticated());
        assertEquals(Optional.empty(), connection("").user());
    }

    @Test
    void saslPlainIsRefusedOnAPlainConnectionUnlessAllowed() throws Exception {
        ConnectionAuth auth = connection(saslUsers("sasl"));
        assertFalse(auth.authenticated());
        Object[] mechs = answer(auth.handle(request(Opcode.SASL_LIST_MECHS, "", new byte[0], 1)));
        assertEquals(Status.NOT_SUPPORTED.code() & 0xffff, mechs[0]);
        Object[] refused = answer(auth.handle(request(Opcode.SASL_AUTH, "PLAIN", plain("app", "s3cret"), 2)));
        assertEquals(Status.AUTH_ERROR.code() & 0xffff, refused[0]);
        assertEquals(2, refused[2]);
        assertFalse(auth.authenticated());
    }

    @Test
    void saslPlainChecksThePassword() throws Exception {
        ConnectionAuth auth = connection(saslUsers("sasl") + "kvgate.auth.allow-plain-on-plaintext = true\n");
        Object[] mechs = answer(auth.handle(request(Opcode.SASL_LIST_MECHS, "", new byte[0], 1)));
        assertEquals(0, mechs[0]);
        assertEquals("PLAIN", mechs[1]);
        assertEquals(Status.AUTH_ERROR.code() & 0xffff,
                answer(auth.handle(request(Opcode.SASL_AUTH, "PLAIN", plain("app", "wrong"), 2)))[0]);
        assertEquals(Status.AUTH_ERROR.code() & 0xffff,
                answer(auth.handle(request(Opcode.SASL_AUTH, "PLAIN", plain("nobody", "s3cret"), 3)))[0]);
        assertEquals(Status.AUTH_ERROR.code() & 0xffff,
                answer(auth.handle(request(Opcode.SASL_AUTH, "SCRAM-SHA512", plain("app", "s3cret"), 4)))[0]);
        assertEquals(Status.AUTH_ERROR.code() & 0xffff,
                answer(auth.handle(request(Opcode.SASL_AUTH, "PLAIN", "no separators".getBytes(), 5)))[0]);
        assertFalse(auth.authenticated());
        Object[] ok = answer(auth.handle(request(Opcode.SASL_AUTH, "PLAIN", plain("app", "s3cret"), 6)));
        assertEquals(0, ok[0]);
        assertEquals(6, ok[2]);
        assertTrue(auth.authenticated());
        assertEquals(Optional.of("app"), auth.user());
    }

    @Test
    void certificateIdentityMapsToAUser() {
        String hocon = "kvgate.auth { mode = certificate, certificate-users = ["
                + " { identity = \"spiffe://kvgate.test/client\", user = app } ] }\n";
        ConnectionAuth auth = connection(hocon);
        assertFalse(auth.authenticated(), "no TLS identity yet");
        channel.attr(ClientIdentity.KEY).set(new ClientIdentity("TLSv1.3", "TLS_AES_128_GCM_SHA256",
                Optional.empty(), Optional.of("CN=kvgate-test-client"), Optional.of("kvgate-test-client"),
                List.of(), List.of(), List.of("spiffe://kvgate.test/client")));
        assertTrue(auth.authenticated());
        assertEquals(Optional.of("app"), auth.user());

        EmbeddedChannel other = new EmbeddedChannel();
        try {
            other.attr(ClientIdentity.KEY).set(new ClientIdentity("TLSv1.3", "TLS_AES_128_GCM_SHA256",
                    Optional.empty(), Optional.of("CN=stranger"), Optional.of("stranger"), List.of(), List.of(),
                    List.of()));
            assertFalse(authenticator.newConnection(other).authenticated());
        } finally {
            other.finishAndReleaseAll();
        }
    }

    @Test
    void onlySaslVersionHelloAndQuitBeforeAuth() {
        assertTrue(Authenticator.allowedBeforeAuth(Opcode.SASL_AUTH.code()));
        assertTrue(Authenticator.allowedBeforeAuth(Opcode.HELLO.code()));
        assertFalse(Authenticator.allowedBeforeAuth(Opcode.GET.code()));
        assertFalse(Authenticator.allowedBeforeAuth(Opcode.STAT.code()));
    }

    @Test
    void configRefusesPlainTextPasswordsAndMissingUsers() {
        SettingsException plainText = assertThrows(SettingsException.class, () -> Settings.parse(
                "kvgate.auth { mode = sasl, users = [ { name = app, password = \"hunter2\" } ] }"));
        assertTrue(plainText.getMessage().contains("kvgate.auth.users[0].password"), plainText.getMessage());
        assertFalse(plainText.getMessage().contains("hunter2"), "the value is never echoed");
        assertThrows(SettingsException.class, () -> Settings.parse("kvgate.auth.mode = sasl"));
        assertThrows(SettingsException.class, () -> Settings.parse("kvgate.auth.mode = certificate"));
        assertThrows(SettingsException.class, () -> Settings.parse("kvgate.auth.mode = kerberos"));
    }

    @Test
    void hashPasswordCliPrintsAVerifiableHash() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("correct horse\n".getBytes(StandardCharsets.UTF_8)));
            assertEquals(0, HashPassword.run(new String[] {"--iterations", "10000"},
                    new java.io.PrintStream(out, true, StandardCharsets.UTF_8), System.err));
        } finally {
            System.setIn(stdin);
        }
        String hash = out.toString(StandardCharsets.UTF_8).trim();
        assertTrue(hash.startsWith("pbkdf2-sha256$10000$"), hash);
        assertTrue(PasswordHash.parse(hash).matches("correct horse".toCharArray()));
        assertFalse(PasswordHash.parse(hash).matches("correct horse!".toCharArray()));
        Settings.parse("kvgate.auth { mode = sasl, users = [ { name = app, password = \"" + hash + "\" } ] }");
    }
}
