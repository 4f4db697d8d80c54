package dev.kvgate.gateway.pipeline;

import dev.kvgate.gateway.memory.MemoryBudget;
import dev.kvgate.gateway.protocol.FrameDecoder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.function.Supplier;

/** Pipeline of a connection to a shard: [TLS] -> response frame decoder -> the backend connection's handler. */
public final class BackendChannelInitializer extends ChannelInitializer<Channel> {
    private final SslContext ssl;
    private final String host;
    private final int port;
    private final int maxResponseFrame;
    private final long handshakeTimeoutMillis;
    private final MemoryBudget budget;
    private final Supplier<ChannelHandler> backend;

    /**
     * @param ssl    client context for a shard served over TLS (memcached -Z), {@code null} for plain
     * @param handshakeTimeoutMillis kvgate.backend.handshake-timeout, below the request timeout, so that
     *               a shard that accepts TCP and never finishes TLS is reported down before the requests
     *               held for it time out (Netty's own default is 10 s)
     * @param budget large responses are gathered against it (forced: they answer admitted requests)
     */
    public BackendChannelInitializer(SslContext ssl, String host, int port, int maxResponseFrame,
                                     long handshakeTimeoutMillis, MemoryBudget budget,
                                     Supplier<ChannelHandler> backend) {
        this.ssl = ssl;
        this.host = host;
        this.port = port;
        this.maxResponseFrame = maxResponseFrame;
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
        this.budget = budget;
        this.backend = backend;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (ssl != null) {
            // host and port make the engine verify the shard's certificate against its name.
            SslHandler tls = ssl.newHandler(ch.alloc(), host, port);
            tls.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
            ch.pipeline().addLast(HandlerNames.TLS, tls)
                    .addLast(HandlerNames.TLS_INFO, new BackendTlsHandler(host, port));
        }
        ch.pipeline()
                .addLast(HandlerNames.FRAMES,
                        new FrameDecoder(FrameDecoder.Direction.RESPONSE, maxResponseFrame, Integer.MAX_VALUE,
                                java.time.Duration.ZERO, budget))
                .addLast(HandlerNames.BACKEND, backend.get());
    }
}
