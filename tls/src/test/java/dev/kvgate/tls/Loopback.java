package dev.kvgate.tls;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLSession;

/**
 * One TLS connection over real loopback TCP: a server echoing what it reads, a client that says "ping".
 * Reports both sides' handshake outcomes; everything is closed before {@link #run} returns.
 */
final class Loopback {

    private static final long WAIT_SECONDS = 10;
    static final String PING = "ping";

    /** Handshake outcomes; a side's session is null when its handshake failed. */
    record Outcome(SSLSession clientSession, Throwable clientFailure,
                   SSLSession serverSession, Throwable serverFailure, String echoed) {

        boolean succeeded() {
            return clientFailure == null && serverFailure == null;
        }
    }

    private Loopback() {
    }

    /** Connects to 127.0.0.1 with {@code peerHost} as the name the client verifies (and sends as SNI). */
    static Outcome run(SslContext serverContext, SslContext clientContext, String peerHost) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        CompletableFuture<SslHandler> serverHandler = new CompletableFuture<>();
        // Kept here, not looked up in the pipeline later: a handshake refused fast closes the channel,
        // and a closed channel's pipeline no longer holds its handlers.
        CompletableFuture<SslHandler> clientHandler = new CompletableFuture<>();
        CompletableFuture<String> echoed = new CompletableFuture<>();
        Channel server = null;
        Channel client = null;
        try {
            server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            SslHandler ssl = serverContext.newHandler(ch.alloc());
                            ch.pipeline().addLast(ssl, new EchoHandler());
                            serverHandler.complete(ssl);
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();
            client = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            SslHandler ssl = clientContext.newHandler(ch.alloc(), peerHost, port);
                            ch.pipeline().addLast(ssl, new CollectHandler(echoed));
                            clientHandler.complete(ssl);
                        }
                    })
                    .connect("127.0.0.1", port).sync().channel();
            SslHandler clientSsl = clientHandler.get(WAIT_SECONDS, TimeUnit.SECONDS);
            Throwable clientFailure = await(clientSsl.handshakeFuture());
            SslHandler serverSsl = serverHandler.get(WAIT_SECONDS, TimeUnit.SECONDS);
            Throwable serverFailure = await(serverSsl.handshakeFuture());
            String echo = null;
            if (clientFailure == null && serverFailure == null) {
                client.writeAndFlush(Unpooled.copiedBuffer(PING, StandardCharsets.US_ASCII));
                echo = echoed.get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
            return new Outcome(
                    clientFailure == null ? clientSsl.engine().getSession() : null, clientFailure,
                    serverFailure == null ? serverSsl.engine().getSession() : null, serverFailure, echo);
        } finally {
            if (client != null) {
                client.close().syncUninterruptibly();
            }
            if (server != null) {
                server.close().syncUninterruptibly();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static Throwable await(io.netty.util.concurrent.Future<Channel> handshake) throws InterruptedException {
        if (!handshake.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
            return new TimeoutException("handshake not finished in " + WAIT_SECONDS + "s");
        }
        return handshake.cause();
    }

    /** Writes every buffer back: ownership passes to the write. */
    private static final class EchoHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.writeAndFlush(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Accumulates what the server echoes until it has as many bytes as were sent. */
    private static final class CollectHandler extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<String> result;
        private final StringBuilder received = new StringBuilder();

        CollectHandler(CompletableFuture<String> result) {
            this.result = result;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                received.append(buf.toString(StandardCharsets.US_ASCII));
            } finally {
                buf.release();
            }
            if (received.length() >= PING.length()) {
                result.complete(received.toString());
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.completeExceptionally(cause);
            ctx.close();
        }
    }

    static Throwable rootCause(Throwable t) {
        Throwable cause = t;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }
}
