package dev.kvgate.gateway;

import dev.kvgate.client.McbpClient;
import dev.kvgate.config.Settings;
import dev.kvgate.gateway.server.KvgateServer;
import dev.kvgate.testcerts.TestPki;
import dev.kvgate.tls.ClientTls;
import dev.kvgate.tls.KeyType;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A kvgate started in this JVM on free loopback ports, with a test PKI for its TLS listener. */
public final class GatewayFixture implements AutoCloseable {
    private final Path dir;
    private final TestPki pki;
    private final KvgateServer server;
    private final SslContext clientTls;

    private GatewayFixture(Path dir, TestPki pki, KvgateServer server, SslContext clientTls) {
        this.dir = dir;
        this.pki = pki;
        this.server = server;
        this.clientTls = clientTls;
    }

    /** Starts kvgate with {@code extraHocon} over plain and TLS listeners on 127.0.0.1, ports chosen by the OS. */
    public static GatewayFixture start(String extraHocon) throws Exception {
        return start(pki -> extraHocon);
    }

    /** As {@link #start(String)}, with settings that name files of the fixture's own test PKI. */
    public static GatewayFixture start(java.util.function.Function<TestPki, String> extraHocon) throws Exception {
        Path dir = Files.createTempDirectory("kvgate-test");
        TestPki pki = TestPki.create(dir.resolve("pki"), KeyType.EC);
        String hocon = "kvgate {\n"
                + "  io-threads = 2\n"
                + "  listeners = [ { name = plain, host = \"127.0.0.1\", port = 0 },\n"
                + "                { name = tls, host = \"127.0.0.1\", port = 0, tls = true } ]\n"
                + "  admin { host = \"127.0.0.1\", port = 0 }\n"
                + "  tls { cert-chain = \"" + pki.serverChain() + "\", private-key = \"" + pki.serverKey() + "\" }\n"
                + "}\n" + extraHocon.apply(pki);
        KvgateServer server = KvgateServer.start(Settings.parse(hocon));
        SslContext clientTls = ClientTls.trustingCertificates(pki.caCertificate());
        return new GatewayFixture(dir, pki, server, clientTls);
    }

    public KvgateServer server() {
        return server;
    }

    public TestPki pki() {
        return pki;
    }

    public int port(TransportKind transport) {
        return server.port(transport.listener());
    }

    public McbpClient client(TransportKind transport) throws IOException {
        return McbpClient.connect("127.0.0.1", port(transport), transport == TransportKind.TLS ? clientTls : null);
    }

    /** A text-protocol client of the plain or TLS listener. */
    public TextClient textClient(TransportKind transport) throws IOException {
        return TextClient.connect("127.0.0.1", port(transport),
                transport == TransportKind.TLS ? pki.caCertificate() : null);
    }

    @Override
    public void close() throws IOException {
        server.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
