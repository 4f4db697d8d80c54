package dev.kvgate.gateway.proxy;

import dev.kvgate.config.BackendSettings;
import dev.kvgate.gateway.memory.MemoryBudget;
import dev.kvgate.gateway.pipeline.BackendChannelInitializer;
import dev.kvgate.mcbp.Status;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP connection to a remote memcached, on the event loop of the client sessions that use it, so
 * client and backend handlers share state without locks. Reconnects with exponential backoff; while
 * the shard is down, requests fail at once with 0x86 (fail-fast).
 *
 * <p>When the connection in service is lost under requests that only read (memcached restarted, or
 * closed it over a request it disliked), those are queued again, held for a new connection made at
 * once, and answered from it; if it cannot be made, they fail with 0x86 like everything else. A
 * retried request that is lost again fails; so does everything on a kvgate-side abort (timeout,
 * protocol error).
 */
final class SocketBackend extends Backend {
    private static final Logger log = LoggerFactory.getLogger(SocketBackend.class);

    /** Opens a connection to the shard whose pipeline ends with a handler from {@code inbound}. */
    @FunctionalInterface
    interface Connector {
        ChannelFuture connect(Supplier<ChannelHandler> inbound);
    }

    private final InetSocketAddress address;
    private final Connector connector;
    private final Supplier<ChannelHandler> inbound = Inbound::new;
    /** Loop-confined; replaced by a reload ({@link #reconfigure}). */
    private BackendSettings settings;
    /**
     * Frames accepted while connecting; owned here until written or released. In step with the
     * in-flight table: they are the frames of its last entries, and go when those entries go
     * ({@link #discardUnsent}).
     */
    private final ArrayDeque<ByteBuf> heldWhileConnecting = new ArrayDeque<>();
    /**
     * Frames of this turn not written yet: consecutive frames lying back to back in one client read
     * buffer leave as one slice at the next flush. Owned here like {@link #heldWhileConnecting}.
     */
    private final SliceRun run = new SliceRun();
    /** The connection in service; only its answers and its loss count (see {@link Inbound}). */
    private Channel channel;
    private long backoffMillis;
    private boolean closed;
    private boolean reportedDown;
    /**
     * A loss was followed by an immediate reconnect to retry reads, and no answer has come since: the
     * next loss retries nothing and waits for the backoff, so a shard that accepts and drops
     * connections is not hammered.
     */
    private boolean retryReconnectUsed;
    /** Why the connection in service failed, when a write error said so before it closed. */
    private String lostBecause;

    SocketBackend(EventLoop loop, int shardIndex, ShardRing ring, InetSocketAddress address, SslContext ssl,
                  Class<? extends Channel> channelType, AddressResolverGroup<InetSocketAddress> resolver,
                  BackendSettings settings, int maxResponseFrame, MemoryBudget budget) {
        this(loop, shardIndex, ring, address, settings,
                bootstrap(loop, address, ssl, channelType, resolver, settings, maxResponseFrame, budget));
    }

    /** With the transport's connections made by {@code connector} (tests: embedded channels). */
    SocketBackend(EventLoop loop, int shardIndex, ShardRing ring, InetSocketAddress address,
                  BackendSettings settings, Connector connector) {
        super(loop, shardIndex, ring, PooledByteBufAllocator.DEFAULT, settings.requestTimeout().toNanos(),
                settings.maxInFlight());
        this.address = address;
        this.settings = settings;
        this.connector = connector;
        this.backoffMillis = settings.reconnectMin().toMillis();
    }

    private static Connector bootstrap(EventLoop loop, InetSocketAddress address, SslContext ssl,
                                       Class<? extends Channel> channelType,
                                       AddressResolverGroup<InetSocketAddress> resolver, BackendSettings settings,
                                       int maxResponseFrame, MemoryBudget budget) {
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(channelType)
                // The address stays unresolved: each connect resolves it again, asynchronously.
                .resolver(resolver)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                // A failed write shuts down only our output: see Inbound.exceptionCaught.
                .option(ChannelOption.AUTO_CLOSE, false);
        return new SocketConnector(bootstrap, address, ssl, settings, maxResponseFrame, budget);
    }

    /**
     * Connections made with a bootstrap; the timeouts and the TLS context are read at each attempt, so
     * a reload applies to the next connection made.
     */
    private static final class SocketConnector implements Connector {
        private final Bootstrap bootstrap;
        private final InetSocketAddress address;
        private final int maxResponseFrame;
        private final MemoryBudget budget;
        SslContext ssl;
        BackendSettings settings;

        SocketConnector(Bootstrap bootstrap, InetSocketAddress address, SslContext ssl, BackendSettings settings,
                        int maxResponseFrame, MemoryBudget budget) {
            this.bootstrap = bootstrap;
            this.address = address;
            this.ssl = ssl;
            this.settings = settings;
            this.maxResponseFrame = maxResponseFrame;
            this.budget = budget;
        }

        @Override
        public ChannelFuture connect(Supplier<ChannelHandler> inbound) {
            return bootstrap.clone()
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
                    .handler(new BackendChannelInitializer(ssl, address.getHostString(), address.getPort(),
                            maxResponseFrame, settings.handshakeTimeout().toMillis(), budget, inbound))
                    .connect(address);
        }
    }

    /**
     * A reload's backend settings (timeouts, backoff, in-flight cap) and, for a TLS shard, its client
     * TLS context: for the requests sent and the connections made from now on. On the loop.
     *
     * @param ssl the new context for TLS shards; ignored for a plain one, null to keep the one in use
     */
    void reconfigure(BackendSettings next, SslContext ssl) {
        reconfigure(next.requestTimeout().toNanos(), next.maxInFlight());
        this.settings = next;
        if (connector instanceof SocketConnector c) {
            c.settings = next;
            if (c.ssl != null && ssl != null) {
                c.ssl = ssl;
            }
        }
    }

    /** Whether the connection is up (connected and, for TLS, handshaken). */
    boolean isActive() {
        return state == State.ACTIVE;
    }

    /** Whether it was closed for good ({@link #close}). */
    boolean isClosed() {
        return closed;
    }

    /** Starts connecting; the returned future completes when the first attempt is decided. */
    ChannelFuture connect() {
        state = State.CONNECTING;
        attempt++;
        ChannelFuture f = connector.connect(inbound);
        f.addListener((ChannelFuture done) -> {
            if (!done.isSuccess()) {
                onDown("connect failed: " + done.cause().getMessage(), false);
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
                    onDown("TLS handshake failed: " + hs.cause().getMessage(), false);
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
        lostBecause = null;
        state = State.ACTIVE;
        ring.connected(shardIndex, reportedDown);
        backoffMillis = settings.reconnectMin().toMillis();
        if (reportedDown || retryReconnectUsed) {
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

    /**
     * No connection: everything in flight (and held for it) fails with 0x86, and a reconnect is
     * scheduled after the backoff.
     *
     * @param counted whether the failure was already reported to the ring (abort)
     */
    private void onDown(String reason, boolean counted) {
        channel = null;
        state = State.DOWN;
        failAll(Status.TEMPORARY_FAILURE);
        if (closed) {
            return;
        }
        if (!counted) {
            countFailure(reason);
        }
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

    /**
     * The connection in service closed under its requests (memcached restarted, or closed it over a
     * request it disliked). Reads in flight are retried on a new connection made now, not after the
     * backoff: if the shard is back at once they are answered, else they fail with 0x86 when that
     * attempt fails.
     */
    private void onLost() {
        channel = null;
        if (closed || retryReconnectUsed || !hasRetryableReads()) {
            onDown(closed ? "closed" : lostBecause == null ? "connection lost" : "connection lost (" + lostBecause + ")",
                    false);
            return;
        }
        retryReconnectUsed = true;
        countFailure("connection lost");
        // CONNECTING before the retries are queued, so they are held for the new connection; so are
        // requests clients send meanwhile.
        state = State.CONNECTING;
        int retried = retryReads();
        log.warn("shard {} ({}): connection lost{}; reconnecting at once to retry the {} reads in flight,"
                + " the other requests in flight fail with 0x86", shard, address,
                lostBecause == null ? "" : " (" + lostBecause + ")", retried);
        connect();
    }

    @Override
    String describe() {
        return address.getHostString() + ":" + address.getPort();
    }

    @Override
    protected boolean retriesReads() {
        return true;
    }

    @Override
    protected void discardUnsent() {
        run.release();
        ByteBuf held;
        while ((held = heldWhileConnecting.pollFirst()) != null) {
            held.release();
        }
    }

    @Override
    protected void transmit(ByteBuf frame) {
        if (state == State.ACTIVE) {
            if (!run.append(frame)) {
                writeRun();
                run.append(frame);
            }
        } else {
            heldWhileConnecting.addLast(frame);
        }
    }

    @Override
    protected void flushTransport() {
        if (state == State.ACTIVE) {
            writeRun();
            channel.flush();
        }
    }

    private void writeRun() {
        ByteBuf out = run.take();
        if (out != null) {
            // Ownership: the transport's from here on, also on failure.
            channel.write(out, channel.voidPromise());
        }
    }

    @Override
    protected void abort(String reason) {
        log.warn("shard {}: closing connection: {}", shard, reason);
        countFailure(reason);
        Channel aborted = channel;
        if (aborted != null) {
            // Out of service before it is closed: whatever it still delivers (the rest of this read,
            // say) is dropped, not matched against the in-flight table. Nothing on it is retried.
            channel = null;
            aborted.close();
            onDown(reason, true);
        }
        // While connecting there is no connection to close: the attempt goes on, and the caller's
        // failAll has released the frames held for it.
    }

    /** Closes for good (gateway shutdown). */
    void close() {
        closed = true;
        if (channel != null) {
            channel.close();
        } else {
            failAll(Status.TEMPORARY_FAILURE); // and release what is held for a connection that will not be used
        }
    }

    /** The backend channel's last handler: response frames in, connection loss. */
    private final class Inbound extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (ctx.channel() != channel) {
                // An aborted connection (or one not yet in service): its answers belong to entries
                // that are gone, and matching them could hand them to newer requests.
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof ByteBuf frame) {
                retryReconnectUsed = false;
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
                onLost();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof IOException && ctx.channel().isActive()) {
                // A write failed because the shard closed or reset the connection (over a request it
                // rejected, say). Closing now would throw away what it sent before: answers already
                // in the socket, which would then be retried or failed although they came. So only
                // our output is shut down (AUTO_CLOSE off), the rest is read, and the transport
                // closes the channel on the shard's EOF or reset (a read error always closes).
                if (ctx.channel() == channel && lostBecause == null) {
                    Throwable root = cause;
                    while (root.getCause() != null && root.getCause() != root) {
                        root = root.getCause();
                    }
                    lostBecause = String.valueOf(root.getMessage());
                }
                log.debug("shard {}: {}", shard, cause.toString());
                return;
            }
            log.warn("shard {}: {}", shard, cause.toString());
            ctx.close();
        }
    }
}
