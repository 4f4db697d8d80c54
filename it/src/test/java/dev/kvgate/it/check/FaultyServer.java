package dev.kvgate.it.check;

import dev.kvgate.gateway.protocol.FrameDecoder;
import dev.kvgate.mcbp.FrameError;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A memcached with one fault, for showing that {@code kvgate check} catches it: a proxy on a plain
 * and a TLS listener in front of a real memcached, one memcached connection per client connection,
 * forwarding every request and every answer unchanged except for its fault.
 */
final class FaultyServer implements AutoCloseable {
    private static final int MAX_FRAME = 64 * 1024 * 1024;
    static final int SIXTEEN_KIB = 16 * 1024;

    enum Fault {
        /** The error answer to a failed quiet command is dropped, as if the command had succeeded. */
        DROPS_QUIET_ERRORS,
        /** While later requests of a pipeline are waiting, an answer is held back and sent after the next one. */
        ANSWERS_OUT_OF_ORDER,
        /** Over TLS, a request carrying a value of exactly 16 KiB closes the connection, unanswered. */
        CLOSES_AFTER_16_KIB_OVER_TLS
    }

    private final EventLoopGroup group;
    private final Channel plain;
    private final Channel tls;

    private FaultyServer(EventLoopGroup group, Channel plain, Channel tls) {
        this.group = group;
        this.plain = plain;
        this.tls = tls;
    }

    static FaultyServer start(Fault fault, int memcachedPort, SslContext serverTls) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel plain = listen(group, fault, memcachedPort, null);
            Channel tls = listen(group, fault, memcachedPort, serverTls);
            return new FaultyServer(group, plain, tls);
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    private static Channel listen(EventLoopGroup group, Fault fault, int memcachedPort, SslContext ssl)
            throws InterruptedException {
        return new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.config().setAutoRead(false);
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new FrameDecoder(FrameDecoder.Direction.REQUEST, MAX_FRAME, 64));
                        ch.pipeline().addLast(new Frontend(fault, memcachedPort, ssl != null));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    int plainPort() {
        return ((InetSocketAddress) plain.localAddress()).getPort();
    }

    int tlsPort() {
        return ((InetSocketAddress) tls.localAddress()).getPort();
    }

    @Override
    public void close() {
        plain.close().syncUninterruptibly();
        tls.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** One client connection and its memcached connection, both on the client's event loop. */
    private static final class Frontend extends ChannelInboundHandlerAdapter {
        /** How long an answer is held back at most: a lone quiet request's NOOP must still get through. */
        private static final long HOLD_MILLIS = 200;

        private final Fault fault;
        private final int memcachedPort;
        private final boolean overTls;
        /** The opcode of each request by its opaque (the client's, forwarded unchanged). */
        private final Map<Integer, Byte> opcodes = new HashMap<>();
        private Channel backend;
        /** Requests read (a TLS handshake reads even with auto-read off) before memcached's connection is up. */
        private final java.util.ArrayDeque<ByteBuf> early = new java.util.ArrayDeque<>();
        private long requests;
        private long answers;
        private ByteBuf held;
        private ScheduledFuture<?> holdTimer;

        Frontend(Fault fault, int memcachedPort, boolean overTls) {
            this.fault = fault;
            this.memcachedPort = memcachedPort;
            this.overTls = overTls;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            new Bootstrap().group(ctx.channel().eventLoop()).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new FrameDecoder(FrameDecoder.Direction.RESPONSE, MAX_FRAME, 64));
                            ch.pipeline().addLast(new Backend(Frontend.this, ctx));
                        }
                    })
                    .connect("127.0.0.1", memcachedPort).addListener(f -> {
                        if (f.isSuccess() && !ctx.channel().isActive()) {
                            ((io.netty.channel.ChannelFuture) f).channel().close();
                        } else if (f.isSuccess()) {
                            backend = ((io.netty.channel.ChannelFuture) f).channel();
                            ByteBuf e;
                            while ((e = early.poll()) != null) {
                                backend.write(e);
                            }
                            backend.flush();
                            ctx.channel().config().setAutoRead(true);
                        } else {
                            ctx.close();
                        }
                    });
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FrameError) {
                ctx.close();
                return;
            }
            ByteBuf frame = (ByteBuf) msg;
            requests++;
            opcodes.put(Mcbp.opaque(frame), Mcbp.opcode(frame));
            if (fault == Fault.CLOSES_AFTER_16_KIB_OVER_TLS && overTls && Mcbp.valueLength(frame) == SIXTEEN_KIB) {
                frame.release();
                ctx.close();
                return;
            }
            if (backend == null) {
                early.add(frame);
            } else {
                backend.writeAndFlush(frame);
            }
        }

        /** An answer from memcached, on this connection's event loop. */
        void answer(ChannelHandlerContext ctx, ByteBuf frame) {
            answers++;
            Opcode op = Opcode.of(opcodes.getOrDefault(Mcbp.opaque(frame), (byte) -1));
            if (fault == Fault.DROPS_QUIET_ERRORS && op != null && op.quiet() && Mcbp.status(frame) != 0) {
                frame.release();
                return;
            }
            if (fault == Fault.ANSWERS_OUT_OF_ORDER) {
                if (held != null) {
                    holdTimer.cancel(false);
                    ctx.write(frame);
                    release(ctx);
                    return;
                }
                if (requests > answers) {
                    // Later requests wait for their answers: the next one overtakes this one.
                    held = frame;
                    holdTimer = ctx.executor().schedule(() -> release(ctx), HOLD_MILLIS, TimeUnit.MILLISECONDS);
                    return;
                }
            }
            ctx.writeAndFlush(frame);
        }

        private void release(ChannelHandlerContext ctx) {
            if (held != null) {
                ByteBuf h = held;
                held = null;
                ctx.writeAndFlush(h);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (holdTimer != null) {
                holdTimer.cancel(false);
            }
            ReferenceCountUtil.release(held);
            held = null;
            early.forEach(ByteBuf::release);
            early.clear();
            if (backend != null) {
                backend.close();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static final class Backend extends ChannelInboundHandlerAdapter {
        private final Frontend frontend;
        private final ChannelHandlerContext client;

        Backend(Frontend frontend, ChannelHandlerContext client) {
            this.frontend = frontend;
            this.client = client;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FrameError) {
                ctx.close();
                return;
            }
            frontend.answer(client, (ByteBuf) msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            client.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
