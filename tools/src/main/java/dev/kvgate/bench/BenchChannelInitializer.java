package dev.kvgate.bench;

import dev.kvgate.mcbp.FrameSplitter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.ssl.SslContext;

/** A bench connection's pipeline: TLS when asked for, the mcbp response frame decoder, the closed-loop handler. */
final class BenchChannelInitializer extends ChannelInitializer<Channel> {
    private final SslContext ssl;
    private final String host;
    private final int port;
    private final int maxFrame;
    private final RunState run;

    /** @param ssl null for plain TCP */
    BenchChannelInitializer(SslContext ssl, String host, int port, int maxFrame, RunState run) {
        this.ssl = ssl;
        this.host = host;
        this.port = port;
        this.maxFrame = maxFrame;
        this.run = run;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (ssl != null) {
            // Host and port given so that a verifying context checks the server's name (and sends SNI).
            ch.pipeline().addLast("tls", ssl.newHandler(ch.alloc(), host, port));
        }
        ch.pipeline().addLast("frames", FrameSplitter.responses(maxFrame));
        ch.pipeline().addLast("bench", new BenchConnectionHandler(run));
    }
}
