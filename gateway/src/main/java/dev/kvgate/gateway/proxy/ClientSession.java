package dev.kvgate.gateway.proxy;

import dev.kvgate.config.LimitsSettings;
import dev.kvgate.gateway.auth.Authenticator;
import dev.kvgate.gateway.auth.ConnectionAuth;
import dev.kvgate.gateway.log.LogSafe;
import dev.kvgate.gateway.log.PeerWarnings;
import dev.kvgate.gateway.memory.MemoryBudget;
import dev.kvgate.gateway.protocol.FrameDecoder;
import dev.kvgate.mcbp.FrameError;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.RequestValidator;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection's handler: judges each request once (authenticated? a shape its opcode
 * allows?) and hands it to the one class whose job it is: {@link Router} (to the shards),
 * {@link LocalCommands} (answered by kvgate), with {@link Backpressure} deciding when it runs and
 * {@link ResponseQueue} writing the answers in order. Also ends the connection: lingering close,
 * idle close, error logging.
 *
 * <p>Ownership: each frame from the decoder is owned here until it is handed to one of those.
 */
public final class ClientSession extends ChannelInboundHandlerAdapter
        implements ResponseQueue.Owner, LocalCommands.Owner {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    /** What VERSION answers: the build's version, from the jar (one source: the pom). */
    public static final String VERSION = dev.kvgate.gateway.server.Version.number().map(v -> "kvgate-" + v)
            .orElse("kvgate-unknown");
    private static final long LINGER_MILLIS = 2000;

    private final BackendRegistry registry;
    private final LimitsSettings limits;
    private final GatewayStats stats;
    private final Authenticator authenticator;
    private final RequestValidator validator;
    private final MemoryBudget budget;
    /** This event loop's share of {@link #stats}. */
    private GatewayStats.Loop counts;
    private Channel channel;
    private ConnectionAuth auth;
    private ResponseQueue queue;
    private Router router;
    private LocalCommands local;
    private Backpressure pressure;
    private boolean closed;
    private boolean lingering;

    public ClientSession(BackendRegistry registry, LimitsSettings limits, GatewayStats stats, Authenticator auth) {
        this(registry, limits, stats, auth, RequestValidator.STRICT, MemoryBudget.unlimited(64 * 1024));
    }

    public ClientSession(BackendRegistry registry, LimitsSettings limits, GatewayStats stats, Authenticator auth,
                         RequestValidator validator, MemoryBudget budget) {
        this.registry = registry;
        this.limits = limits;
        this.stats = stats;
        this.authenticator = auth;
        this.validator = validator;
        this.budget = budget;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        LoopBackends backends = registry.forLoop(ctx.executor());
        counts = stats.forLoop(ctx.executor());
        auth = authenticator.newConnection(channel);
        // The ring is made by the first request, 4 entries, doubling while more wait: an idle
        // connection holds none, one sending a request at a time the smallest.
        queue = new ResponseQueue(channel, ctx.alloc(), counts, backends.counters, this,
                Math.min(limits.maxInFlight(), 4));
        if (ctx.pipeline().get(SslHandler.class) != null) {
            queue.countEncryptedWrites(budget);
        }
        local = new LocalCommands(channel, ctx.alloc(), queue, auth, stats, registry, backends, this);
        router = new Router(channel, ctx.alloc(), backends, queue, local::gatewayStats);
        pressure = new Backpressure(channel, budget, limits.maxInFlight(), queue, local::authPending,
                ctx.pipeline().get(FrameDecoder.class), this::dispatch);
    }

    /** Entries the answer ring holds before it grows; 0 while no request came (tests). */
    int ringCapacity() {
        return queue.capacity();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        counts.add(GatewayStats.CURRENT_CONNECTIONS, 1);
        counts.add(GatewayStats.TOTAL_CONNECTIONS, 1);
        log.debug("{} connected", channel);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf) && !(msg instanceof FrameError)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        pressure.offer(msg);
    }

    private void dispatch(Object msg) {
        if (msg instanceof ByteBuf frame) {
            if (local.ending()) {
                frame.release();
                return;
            }
            counts.add(GatewayStats.REQUESTS, 1);
            request(frame);
        } else {
            local.framingError((FrameError) msg);
        }
    }

    private void request(ByteBuf frame) {
        byte code = Mcbp.opcode(frame);
        if (!auth.authenticated() && !Authenticator.allowedBeforeAuth(code)) {
            local.answer(frame, Status.AUTH_ERROR);
            return;
        }
        switch (validator.check(frame)) {
            case UNKNOWN -> {
                local.answer(frame, Status.UNKNOWN_COMMAND);
                return;
            }
            case INVALID -> {
                // Never forwarded: memcached would close the shared backend connection over it.
                counts.add(GatewayStats.INVALID_REQUESTS, 1);
                local.answer(frame, Status.INVALID_ARGUMENTS);
                return;
            }
            default -> {
            }
        }
        Opcode op = Opcode.of(code);
        if (op == null) {
            router.passThrough(frame);
            return;
        }
        switch (op.route()) {
            case KEYED -> router.forward(frame, op);
            case BROADCAST -> router.broadcast(frame, op);
            default -> local.run(frame, op);
        }
    }

    @Override
    public void answersLeft() {
        if (!closed && pressure.hasDeferred()) {
            pressure.dispatchDeferred();
        }
        pressure.updateReading();
    }

    @Override
    public void authDone() {
        if (!closed) {
            pressure.dispatchDeferred();
            pressure.updateReading();
        }
    }

    /**
     * Ends the connection without losing the last answer: closing a socket with unread input makes
     * the kernel send a reset, which can destroy responses the client has not read yet. So: flush,
     * end TLS, shut down our output, keep reading (and discarding) until the client closes, and
     * close anyway after {@link #LINGER_MILLIS}.
     */
    @Override
    public void closeAfterWrite() {
        if (lingering) {
            return;
        }
        lingering = true;
        channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(flushed -> {
            SslHandler tls = channel.pipeline().get(SslHandler.class);
            ChannelFuture outboundDone = tls != null ? tls.closeOutbound() : channel.newSucceededFuture();
            outboundDone.addListener(done -> {
                if (channel instanceof DuplexChannel duplex && channel.isActive()) {
                    duplex.shutdownOutput();
                } else {
                    channel.close();
                }
            });
        });
        channel.eventLoop().schedule(() -> {
            channel.close();
        }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        pressure.lingering();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        pressure.dispatchDeferred();
        pressure.updateReading();
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == FrameDecoder.Backlog.PAUSE) {
            pressure.decoderBacklog(true);
        } else if (evt == FrameDecoder.Backlog.RESUME) {
            pressure.decoderBacklog(false);
        } else if (evt == FrameDecoder.Memory.PAUSE) {
            pressure.memoryWait(true);
        } else if (evt == FrameDecoder.Memory.RESUME) {
            pressure.memoryWait(false);
        } else if (evt instanceof IdleStateEvent) {
            // A connection waiting for its answers is not idle, however long a shard takes.
            if (queue.isEmpty() && !pressure.hasDeferred()) {
                PeerWarnings.of(channel).info(log, channel, "{}: idle for {}, closing", channel, limits.idleTimeout());
                ctx.close();
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
        counts.add(GatewayStats.CURRENT_CONNECTIONS, -1);
        // Entries still waiting on a backend release their answer when it comes (ResponseQueue.settle).
        queue.close();
        pressure.close();
        log.debug("{} closed", channel);
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof NotSslRecordException) {
            PeerWarnings.of(channel).warn(log, channel, "{}: not a TLS record (plaintext on a TLS listener?); closing", channel);
        } else if (root instanceof javax.net.ssl.SSLException) {
            PeerWarnings.of(channel).info(log, channel, "{}: TLS error: {}; closing", channel,
                    LogSafe.text(rootMessage(root), 256));
        } else if (root instanceof IOException) {
            log.debug("{}: {}", channel, root.toString());
        } else {
            PeerWarnings.of(channel).warn(log, channel, "{}: unexpected error; closing", channel, cause);
        }
        ctx.close();
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }
}
