package dev.kvgate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.config.Settings;
import dev.kvgate.testcerts.TestPki;
import dev.kvgate.tls.KeyType;
import dev.kvgate.tls.ServerTls;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * kvgate's OpenSSL engines keep a small buffer for the TLS output BoringSSL writes while Netty reads
 * ({@link NettyDefaults#TLS_BIO_BUFFER}). The server's handshake flight (and TLS 1.3 session tickets)
 * is larger than that buffer: it has to leave through the engine's next wraps. Handshake, data both
 * ways and close_notify still go through, with either protocol and either client engine.
 */
class SmallTlsBioBufferTest {
    private static final int BUFFER = Integer.parseInt(NettyDefaults.forIoThreads(1).get(NettyDefaults.TLS_BIO_BUFFER));

    @ParameterizedTest(name = "{0}, client {1}")
    @CsvSource({"TLSv1.3, OPENSSL", "TLSv1.3, JDK", "TLSv1.2, OPENSSL", "TLSv1.2, JDK"})
    void aHandshakeWhoseFlightOverflowsTheBufferCompletesAndCarriesData(String protocol, SslProvider clientEngine,
                                                                       @TempDir Path dir) throws Exception {
        TestPki pki = TestPki.create(dir.resolve("pki"), KeyType.EC);
        ServerTls tls = ServerTls.create(Settings.parse("kvgate.tls { cert-chain = \"" + pki.serverChain()
                + "\", private-key = \"" + pki.serverKey() + "\" }").tls());
        SslContext serverContext = tls.context();
        assertTrue(serverContext instanceof ReferenceCountedOpenSslContext, "the server runs OpenSSL here: "
                + serverContext.getClass());
        ((ReferenceCountedOpenSslContext) serverContext).setBioNonApplicationBufferSize(BUFFER);
        SslContext clientContext = SslContextBuilder.forClient().sslProvider(clientEngine).protocols(protocol)
                .trustManager(pki.caCertificate()).build();

        SslHandler serverTls = serverContext.newHandler(Unpooled.EMPTY_BUFFER.alloc());
        EmbeddedChannel server = new EmbeddedChannel(serverTls);
        SslHandler clientTls = clientContext.newHandler(Unpooled.EMPTY_BUFFER.alloc(), "localhost", 11207);
        EmbeddedChannel client = new EmbeddedChannel(clientTls);
        try {
            // ClientHello in, the server's first flight out.
            int flight = shuttle(client, server);
            assertTrue(flight > 0);
            int serverFlight = shuttle(server, client);
            assertTrue(serverFlight > BUFFER, "the flight (" + serverFlight + " bytes) overflows the " + BUFFER
                    + "-byte buffer, so the overflow path is what is tested");
            exchange(client, server);
            assertTrue(clientTls.handshakeFuture().isSuccess(), () -> String.valueOf(clientTls.handshakeFuture().cause()));
            assertTrue(serverTls.handshakeFuture().isSuccess(), () -> String.valueOf(serverTls.handshakeFuture().cause()));
            assertEquals(protocol, serverTls.engine().getSession().getProtocol());

            client.writeOutbound(Unpooled.copiedBuffer("ping", StandardCharsets.US_ASCII));
            exchange(client, server);
            assertEquals("ping", readText(server));
            server.writeOutbound(Unpooled.copiedBuffer("pong", StandardCharsets.US_ASCII));
            exchange(client, server);
            assertEquals("pong", readText(client));

            // close_notify read by the server: it arrives while the server reads.
            clientTls.closeOutbound();
            exchange(client, server);
            assertTrue(serverTls.sslCloseFuture().isSuccess(), "the server saw the client's close_notify");
        } finally {
            server.finishAndReleaseAll();
            client.finishAndReleaseAll();
            io.netty.util.ReferenceCountUtil.release(serverContext);
        }
    }

    /** Moves what {@code from} wrote into {@code to}; returns the bytes moved. */
    private static int shuttle(EmbeddedChannel from, EmbeddedChannel to) {
        int bytes = 0;
        for (Object o; (o = from.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            bytes += b.readableBytes();
            if (to.isOpen()) {
                to.writeInbound(b);
            } else {
                b.release();
            }
        }
        from.runPendingTasks();
        return bytes;
    }

    /** Both ways until neither side has anything left to send. */
    private static void exchange(EmbeddedChannel client, EmbeddedChannel server) {
        for (int round = 0; round < 50; round++) {
            if (shuttle(client, server) + shuttle(server, client) == 0) {
                return;
            }
        }
        throw new AssertionError("the two engines kept writing to each other");
    }

    private static String readText(EmbeddedChannel ch) {
        StringBuilder text = new StringBuilder();
        for (Object o; (o = ch.readInbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            text.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return text.toString();
    }
}
