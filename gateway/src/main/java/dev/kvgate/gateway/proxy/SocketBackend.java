package dev.kvgate.gateway.proxy;

import dev.kvgate.config.BackendSettings;
import dev.kvgate.gateway.pipeline.BackendChannelInitializer;
import dev.kvgate.gateway.protocol.Status;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP connection to a remote memcached, on the event loop of the client sessions that use it, so
 * client and backend handlers share state without locks. Reconnects with exponential backoff; while
 * the shard is down, requests fail at once with 0x86 (fail-fast).
 */
final class SocketBackend extends Backend {
    private static final Logger log = LoggerFactory.getLogger(SocketBackend.class);

    private final InetSocketAddress address;
    private final Bootstrap bootstrap;
    private final BackendSettings settings;
    /** Frames accepted while connecting; owned here until written or released. */
    private final ArrayDeque<ByteBuf> heldWhileConnecting = new ArrayDeque<>();
    private Channel channel;
    private long backoffMillis;
    private boolean closed;
    private boolean reportedDown;
    /** The current connection is being closed by kvgate itself; its failure is already counted. */
    private boolean aborting;

    SocketBackend(EventLoop loop, int shardIndex, ShardRing ring, InetSocketAddress address, SslContext ssl,
                  Class<? extends Channel> channelType, BackendSettings settings, int maxResponseFrame) {
        super(loop, shardIndex, ring, PooledByteBufAllocator.DEFAULT, settings.requestTimeout().toNanos(),
                settings.maxInFlight());
        this.address = address;
        this.settings = settings;
        this.backoffMillis = settings.reconnectMin().toMillis();
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .handler(new BackendChannelInitializer(ssl, address.getHostString(), address.getPort(),
                        maxResponseFrame, Inbound::new));
    }

    /** Starts connecting; the returned future completes when the first attempt is decided. */
    ChannelFuture connect() {
        state = State.CONNECTING;
        ChannelFuture f = bootstrap.connect(address);
        f.addListener((ChannelFuture done) -> {
            if (!done.isSuccess()) {
                onDown("connect failed: " + done.cause().getMessage());
                return;
            }
            Channel ch = done.channel();
            SslHandler tls = ch.pipeline().get(SslHandler.class);
            if (tls == null) {
                onConnected(ch);
                return;
            }
            // A TLS shard is up once its certificate is verified, not when TCP connects.
            tls.handshakeFuture().addListener(hs -> {
                if (hs.isSuccess()) {
                    onConnected(ch);
                } else {
                    ch.close();
                    // BackendTlsHandler has logged the reason once per shard; no second line here.
                    reportedDown = true;
                    onDown("TLS handshake failed: " + hs.cause().getMessage());
                }
            });
        });
        return f;
    }

    private void onConnected(Channel ch) {
        if (closed) {
            ch.close();
            return;
        }
        channel = ch;
        state = State.ACTIVE;
        ring.connected(shardIndex, reportedDown);
        backoffMillis = settings.reconnectMin().toMillis();
        if (reportedDown) {
            log.info("shard {}: connected again to {}", shard, address);
            reportedDown = false;
        } else {
            log.debug("shard {}: connected to {}", shard, address);
        }
        ByteBuf held;
        while ((held = heldWhileConnecting.pollFirst()) != null) {
            ch.write(held, ch.voidPromise());
        }
        ch.flush();
        if (ring.isEjected(shardIndex)) {
            // Connected is not enough to come back: its first answer re-admits it.
            probe();
        }
    }

    private void onDown(String reason) {
        channel = null;
        state = State.DOWN;
        ByteBuf held;
        while ((held = heldWhileConnecting.pollFirst()) != null) {
            held.release();
        }
        failAll(Status.TEMPORARY_FAILURE);
        if (closed) {
            return;
        }
        if (!aborting) {
            ring.failure(shardIndex, reason);
        }
        aborting = false;
        if (!reportedDown) {
            log.warn("shard {} ({}): {}; requests for it get 0x86 until it is back", shard, address, reason);
            reportedDown = true;
        } else {
            log.debug("shard {} ({}): {}", shard, address, reason);
        }
        // An ejected shard is probed at its own pace; a shard in service is retried with backoff.
        long delay = ring.isEjected(shardIndex) ? settings.retryAfter().toMillis() : backoffMillis;
        backoffMillis = Math.min(backoffMillis * 2, settings.reconnectMax().toMillis());
        loop.schedule(() -> {
            if (!closed) {
                connect();
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void transmit(ByteBuf frame) {
        if (state == State.ACTIVE) {
            // Ownership: the transport's from here on, also on failure.
            channel.write(frame, channel.voidPromise());
        } else {
            heldWhileConnecting.addLast(frame);
        }
    }

    @Override
    protected void flushTransport() {
        if (state == State.ACTIVE) {
            channel.flush();
        }
    }

    @Override
    protected void abort(String reason) {
        log.warn("shard {}: closing connection: {}", shard, reason);
        ring.failure(shardIndex, reason);
        if (channel != null) {
            aborting = true;
            channel.close();
        }
    }

    /** Closes for good (gateway shutdown). */
    void close() {
        closed = true;
        if (channel != null) {
            channel.close();
        }
    }

    /** The backend channel's last handler: response frames in, connection loss. */
    private final class Inbound extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf frame) {
                onResponse(frame);
            } else {
                ReferenceCountUtil.release(msg);
                abort("malformed response: " + msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // Only the connection in service: one that never got there was reported by connect().
            if (ctx.channel() == channel) {
                onDown(closed ? "closed" : "connection lost");
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.warn("shard {}: {}", shard, cause.toString());
            ctx.close();
        }
    }
}
