package dev.kvgate.it.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Response;
import dev.kvgate.config.TlsSettings;
import dev.kvgate.mcbp.Status;
import dev.kvgate.testkit.MemcachedProcess;
import dev.kvgate.tls.CertificateBuilder;
import dev.kvgate.tls.KeyType;
import dev.kvgate.tls.Pem;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** kvgate in front of memcached -Z: shards reached over TLS, verified against the test CA. */
@Timeout(60)
class BackendTlsIT {

    private static String shardHocon(MemcachedProcess memcached, String trust) {
        return "kvgate.shards = [ { address = \"" + memcached.address() + "\", tls = true } ]\n"
                + "kvgate.backend-tls.trust = \"" + trust + "\"\n"
                + "kvgate.backend { request-timeout = 1s, connect-timeout = 500ms, handshake-timeout = 500ms, reconnect-min = 50ms, reconnect-max = 200ms }\n";
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void plainAndTlsClientsReachATlsShard(TlsSettings.Provider provider) throws Exception {
        try (PkiDir pki = PkiDir.create();
             MemcachedProcess memcached = MemcachedProcess.builder()
                     .tls(pki.pki.serverChain(), pki.pki.serverKey()).start();
             TlsGateway gw = TlsGateway.start(provider, shardHocon(memcached, pki.pki.caCert().toString()))) {
            try (McbpClient plain = gw.plain(); McbpClient tls = gw.tls()) {
                assertEquals(0, plain.set("over-tls", "from-plain").status(), memcached.log());
                assertEquals("from-plain", tls.get("over-tls").valueString());
                assertEquals(0, tls.set("over-tls-2", "from-tls").status());
                assertEquals("from-tls", plain.get("over-tls-2").valueString());
                String big = "v".repeat(200_000);
                assertEquals(0, tls.set("big", big).status());
                assertEquals(big, plain.get("big").valueString());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void shardWithAnUntrustedCertificateFailsWithTemporaryFailure(TlsSettings.Provider provider) throws Exception {
        try (Logs logs = new Logs();
             PkiDir pki = PkiDir.create();
             MemcachedProcess memcached = MemcachedProcess.builder()
                     .tls(pki.pki.untrustedServerChain(), pki.pki.untrustedServerKey()).start();
             TlsGateway gw = TlsGateway.start(provider, shardHocon(memcached, pki.pki.caCert().toString()))) {
            try (McbpClient c = gw.tls()) {
                for (int i = 0; i < 3; i++) {
                    Response r = c.set("k" + i, "v");
                    assertEquals(Status.TEMPORARY_FAILURE.code(), r.status());
                }
                assertEquals(0, c.noop().status(), "the client connection stays usable");
            }
            List<String> lines = logs.await(Duration.ofSeconds(5), "shard " + memcached.address(),
                    "TLS handshake failed", "not trusted");
            assertEquals(1, lines.size(), "one line per shard and reason, not per reconnect: " + logs.lines());
            assertTrue(lines.get(0).startsWith("WARN"), lines.get(0));
            assertFalse(logs.lines().stream().anyMatch(l -> l.contains("DecoderException")), logs.lines().toString());
        }
    }

    @ParameterizedTest
    @EnumSource(value = TlsSettings.Provider.class, names = {"OPENSSL", "JDK"})
    void hostNameIsVerifiedUnlessTurnedOff(TlsSettings.Provider provider) throws Exception {
        // A shard certificate from a trusted CA, but for another name than the configured 127.0.0.1.
        try (PkiDir pki = PkiDir.create()) {
            KeyPair caKeys = KeyType.EC.generateKeyPair();
            X509Certificate ca = new CertificateBuilder("other CA", caKeys.getPublic()).ca()
                    .selfSigned(caKeys.getPrivate());
            KeyPair leafKeys = KeyType.EC.generateKeyPair();
            X509Certificate leaf = new CertificateBuilder("other.example", leafKeys.getPublic())
                    .dnsName("other.example").serverAuth().issuedBy(ca, caKeys.getPrivate());
            Path caPem = Pem.write(pki.dir.resolve("other-ca.pem"), Pem.certificates(ca));
            Path chain = Pem.write(pki.dir.resolve("other-chain.pem"), Pem.certificates(leaf));
            Path key = Pem.write(pki.dir.resolve("other-key.pem"), Pem.privateKey(leafKeys.getPrivate()));
            try (MemcachedProcess memcached = MemcachedProcess.builder().tls(chain, key).start()) {
                try (Logs logs = new Logs();
                     TlsGateway gw = TlsGateway.start(provider, shardHocon(memcached, caPem.toString()))) {
                    try (McbpClient c = gw.plain()) {
                        assertEquals(Status.TEMPORARY_FAILURE.code(), c.set("k", "v").status());
                    }
                    assertEquals(1, logs.await(Duration.ofSeconds(5), "shard " + memcached.address(),
                            "TLS handshake failed").size(), logs.lines().toString());
                }
                try (TlsGateway gw = TlsGateway.start(provider, shardHocon(memcached, caPem.toString())
                        + "kvgate.backend-tls.verify-hostname = false\n")) {
                    try (McbpClient c = gw.plain()) {
                        assertEquals(0, c.set("k", "v").status());
                        assertEquals("v", c.get("k").valueString());
                    }
                }
            }
        }
    }
}
