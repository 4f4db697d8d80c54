package dev.kvgate.it.tls;

import dev.kvgate.client.McbpClient;
import dev.kvgate.config.Settings;
import dev.kvgate.config.TlsSettings;
import dev.kvgate.gateway.server.KvgateServer;
import dev.kvgate.testcerts.TestPki;
import dev.kvgate.tls.ClientTls;
import dev.kvgate.tls.KeyType;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * kvgate in this JVM with a plain and a TLS listener on loopback, its TLS engine forced to one provider,
 * serving the test PKI's server certificate from copies it may replace (for reload tests).
 */
final class TlsGateway implements AutoCloseable {
    final Path dir;
    final TestPki pki;
    final TlsSettings.Provider provider;
    final Path servedChain;
    final Path servedKey;
    final KvgateServer server;

    private TlsGateway(Path dir, TestPki pki, TlsSettings.Provider provider, Path servedChain, Path servedKey,
                       KvgateServer server) {
        this.dir = dir;
        this.pki = pki;
        this.provider = provider;
        this.servedChain = servedChain;
        this.servedKey = servedKey;
        this.server = server;
    }

    static TlsGateway start(TlsSettings.Provider provider, String extraHocon) throws Exception {
        return start(provider, KeyType.EC, extraHocon);
    }

    static TlsGateway start(TlsSettings.Provider provider, KeyType keyType, String extraHocon) throws Exception {
        Path dir = Files.createTempDirectory("kvgate-tls-it");
        TestPki pki = TestPki.create(dir.resolve("pki"), keyType);
        Path chain = Files.copy(pki.serverChain(), dir.resolve("served-chain.pem"));
        Path key = Files.copy(pki.serverKey(), dir.resolve("served-key.pem"));
        String hocon = "kvgate {\n"
                + "  io-threads = 2\n"
                + "  listeners = [ { name = plain, host = \"127.0.0.1\", port = 0 },\n"
                + "                { name = tls, host = \"127.0.0.1\", port = 0, tls = true } ]\n"
                + "  embedded.shards = 2\n"
                + "  admin { host = \"127.0.0.1\", port = 0 }\n"
                + "  tls { cert-chain = \"" + chain + "\", private-key = \"" + key + "\", provider = "
                + provider.name().toLowerCase(Locale.ROOT) + ", trust = \"" + pki.caCert() + "\" }\n"
                + "}\n" + extraHocon;
        try {
            return new TlsGateway(dir, pki, provider, chain, key, KvgateServer.start(Settings.parse(hocon)));
        } catch (Exception | Error e) {
            delete(dir);
            throw e;
        }
    }

    int plainPort() {
        return server.port("plain");
    }

    int tlsPort() {
        return server.port("tls");
    }

    /** A client context of the gateway's provider trusting the test CA, without a client certificate. */
    SslContext clientContext() {
        return ClientTls.forTrust(pki.caCert(), Optional.empty(), Optional.empty(), provider, List.of());
    }

    /** A client context presenting {@code chain} and {@code key}. */
    SslContext clientContext(Path chain, Path key) {
        return ClientTls.forTrust(pki.caCert(), Optional.of(chain), Optional.of(key), provider, List.of());
    }

    McbpClient plain() throws IOException {
        return McbpClient.connect("127.0.0.1", plainPort());
    }

    McbpClient tls() throws IOException {
        return McbpClient.connect("127.0.0.1", tlsPort(), clientContext());
    }

    @Override
    public void close() throws IOException {
        try {
            server.close();
        } finally {
            delete(dir);
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
