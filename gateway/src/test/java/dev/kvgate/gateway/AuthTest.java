package dev.kvgate.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Request;
import dev.kvgate.config.TlsSettings;
import dev.kvgate.gateway.auth.PasswordHash;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import dev.kvgate.tls.ClientTls;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** auth.mode through the whole session: data commands get 0x20 until SASL PLAIN or a mapped certificate. */
@Timeout(60)
class AuthTest {
    private static final String HASH = PasswordHash.hash("s3cret".toCharArray(), 10_000);

    private static Request saslPlain(String user, String password) {
        byte[] value = ("\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8);
        return Request.of(Opcode.SASL_AUTH, new byte[0], "PLAIN".getBytes(StandardCharsets.US_ASCII), value, 0);
    }

    /** Every transport on both TLS engines. */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> transportsAndEngines() {
        return java.util.stream.Stream.of(TransportKind.values()).flatMap(t -> java.util.stream.Stream.of(
                TlsSettings.Provider.OPENSSL, TlsSettings.Provider.JDK)
                .map(p -> org.junit.jupiter.params.provider.Arguments.of(t, p)));
    }

    private static String engine(TlsSettings.Provider p) {
        return "kvgate.tls.provider = " + p.name().toLowerCase() + "\n";
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("transportsAndEngines")
    void saslPlainOverTlsUnlocksDataCommands(TransportKind t, TlsSettings.Provider p) throws Exception {
        String conf = engine(p) + "kvgate.auth { mode = sasl, users = [ { name = app, password = \"" + HASH
                + "\" } ] }\n";
        try (GatewayFixture gateway = GatewayFixture.start(conf); McbpClient c = gateway.client(t)) {
            assertEquals(Status.AUTH_ERROR.code(), c.get("k").status(), "no data before authentication");
            assertEquals(0, c.call(Request.of(Opcode.VERSION)).status(), "VERSION is allowed");
            var mechs = c.call(Request.of(Opcode.SASL_LIST_MECHS));
            if (t == TransportKind.TLS) {
                assertEquals("PLAIN", mechs.valueString());
                assertEquals(Status.AUTH_ERROR.code(), c.call(saslPlain("app", "wrong")).status());
                assertEquals(Status.AUTH_ERROR.code(), c.set("k", "v").status());
                assertEquals(0, c.call(saslPlain("app", "s3cret")).status());
                assertEquals(0, c.set("k", "v").status(), "authenticated");
                assertEquals("v", c.get("k").valueString());
            } else {
                // PLAIN would send the password in the clear: refused on a plain listener by default.
                assertEquals(Status.NOT_SUPPORTED.code(), mechs.status());
                assertEquals(Status.AUTH_ERROR.code(), c.call(saslPlain("app", "s3cret")).status());
                assertEquals(Status.AUTH_ERROR.code(), c.get("k").status());
            }
        }
    }

    @Test
    void plainListenerAcceptsPlainWhenExplicitlyAllowed() throws Exception {
        String conf = "kvgate.auth { mode = sasl, allow-plain-on-plaintext = true,"
                + " users = [ { name = app, password = \"" + HASH + "\" } ] }\n";
        try (GatewayFixture gateway = GatewayFixture.start(conf); McbpClient c = gateway.client(TransportKind.PLAIN)) {
            assertEquals(0, c.call(saslPlain("app", "s3cret")).status());
            assertEquals(0, c.noop().status());
            assertEquals(Status.KEY_NOT_FOUND.code(), c.get("absent").status());
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void aMappedClientCertificateAuthenticates(TlsSettings.Provider p) throws Exception {
        try (GatewayFixture gateway = GatewayFixture.start(pki -> engine(p) + "kvgate.tls { client-auth = optional, trust = \""
                + pki.caCert() + "\" }\nkvgate.auth { mode = certificate,"
                + " certificate-users = [ { identity = \"spiffe://kvgate.test/client\", user = app } ] }\n")) {
            var withCert = ClientTls.forTrust(gateway.pki().caCert(), Optional.of(gateway.pki().clientChain()),
                    Optional.of(gateway.pki().clientKey()), p, List.of("TLSv1.3"));
            try (McbpClient c = McbpClient.connect("127.0.0.1", gateway.port(TransportKind.TLS), withCert)) {
                assertEquals(0, c.set("cert-key", "ok").status(), "authenticated by its certificate");
            }
            try (McbpClient c = gateway.client(TransportKind.TLS)) {
                assertEquals(Status.AUTH_ERROR.code(), c.get("cert-key").status(), "no certificate, no data");
            }
        }
    }
}
