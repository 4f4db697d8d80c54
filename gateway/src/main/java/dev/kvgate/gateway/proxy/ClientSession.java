package dev.kvgate.gateway.proxy;

import dev.kvgate.config.LimitsSettings;
import dev.kvgate.gateway.protocol.FrameDecoder;
import dev.kvgate.gateway.protocol.FrameError;
import dev.kvgate.gateway.protocol.Frames;
import dev.kvgate.gateway.protocol.Mcbp;
import dev.kvgate.gateway.protocol.Opcode;
import dev.kvgate.gateway.protocol.Responses;
import dev.kvgate.gateway.protocol.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import java.util.concurrent.TimeUnit;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: gives every request a slot in the connection's ordered response queue,
 * answers the gateway's own opcodes, routes keyed requests to their shard's backend connection, and
 * writes completed slots from the head of the queue, one flush per event-loop turn.
 *
 * <p>Ownership: each frame from the decoder is owned here until it is handed to a backend
 * ({@link Backend#send}) or released. Responses are owned by their slot until written.
 */
public final class ClientSession extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
    public static final String VERSION = "kvgate-0.1.0";
    private static final byte[] VERSION_BYTES = VERSION.getBytes(StandardCharsets.US_ASCII);
    private static final long PID = ProcessHandle.current().pid();

    private final BackendRegistry registry;
    private final LimitsSettings limits;
    private final GatewayStats stats;
    private final ArrayDeque<Slot> queue = new ArrayDeque<>();
    private final Runnable flushTask = this::flushNow;
    private LoopBackends backends;
    private Channel channel;
    private ByteBufAllocator alloc;
    private boolean closed;
    /** Set once a QUIT or framing error ends the stream: later frames are dropped. */
    private boolean ending;
    private boolean flushScheduled;
    private boolean decoderBacklog;
    private boolean lingering;
    private static final long LINGER_MILLIS = 2000;

    public ClientSession(BackendRegistry registry, LimitsSettings limits, GatewayStats stats) {
        this.registry = registry;
        this.limits = limits;
        this.stats = stats;
    }

    ByteBufAllocator alloc() {
        return alloc;
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        alloc = ctx.alloc();
        backends = registry.forLoop(ctx.executor());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        stats.currentConnections.increment();
        stats.totalConnections.increment();
        log.debug("{} connected", channel);
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf frame) {
            if (ending) {
                frame.release();
                return;
            }
            stats.requests.increment();
            request(frame);
        } else if (msg instanceof FrameError error) {
            framingError(error);
        } else {
            ReferenceCountUtil.release(msg);
        }
        updateReading();
    }

    private void request(ByteBuf frame) {
        byte code = Mcbp.opcode(frame);
        Opcode op = Opcode.of(code);
        if (op == null) {
            answerLocally(frame, Status.UNKNOWN_COMMAND);
            return;
        }
        switch (op.route()) {
            case KEYED -> forward(frame, op);
            case BROADCAST -> broadcast(frame, op);
            default -> local(frame, op);
        }
    }

    private void forward(ByteBuf frame, Opcode op) {
        int keyLength = Mcbp.keyLength(frame);
        if (keyLength == 0 || keyLength > Mcbp.MAX_KEY_LENGTH) {
            answerLocally(frame, Status.INVALID_ARGUMENTS);
            return;
        }
        Slot slot = new Slot(this, op.code(), Mcbp.opaque(frame), op.quiet());
        queue.addLast(slot);
        int shard = backends.shardOf(frame);
        backends.backend(shard).send(classic(frame), slot);
    }

    private void broadcast(ByteBuf frame, Opcode op) {
        Slot slot = new Slot(this, op.code(), Mcbp.opaque(frame), op.quiet());
        queue.addLast(slot);
        int shards = backends.shardCount();
        boolean stat = op == Opcode.STAT;
        StatsSlot stats = stat ? new StatsSlot(slot, shards, Mcbp.keyLength(frame) == 0, gatewayStats()) : null;
        FanoutSlot fanout = stat ? null : new FanoutSlot(slot, shards);
        ByteBuf classic = classic(frame);
        try {
            for (int s = 0; s < shards; s++) {
                // Each shard's copy gets its own backend opaque, so the bytes cannot be shared.
                backends.backend(s).send(classic.copy(), stat ? stats.part() : fanout.part());
            }
        } finally {
            classic.release();
        }
    }

    /** The frame in the form memcached speaks; releases {@code frame} when it returns a new buffer. */
    private ByteBuf classic(ByteBuf frame) {
        if (!Mcbp.isFlexible(frame)) {
            return frame;
        }
        try {
            return Frames.toClassicRequest(alloc, frame);
        } finally {
            frame.release();
        }
    }

    private void local(ByteBuf frame, Opcode op) {
        int opaque = Mcbp.opaque(frame);
        frame.release();
        Slot slot = new Slot(this, op.code(), opaque, op.quiet());
        queue.addLast(slot);
        switch (op) {
            case NOOP -> slot.settle(Responses.empty(alloc, op.code(), opaque, 0));
            case VERSION -> slot.settle(Responses.simple(alloc, op.code(), Status.SUCCESS, opaque, 0, VERSION_BYTES));
            case QUIT -> {
                ending = true;
                slot.closeAfter = true;
                slot.settle(Responses.empty(alloc, op.code(), opaque, 0));
            }
            case QUITQ -> {
                ending = true;
                slot.closeAfter = true;
                slot.settle(null);
            }
            case HELLO -> slot.settle(Responses.empty(alloc, op.code(), opaque, 0));
            default -> slot.settle(Responses.error(alloc, op.code(), Status.UNKNOWN_COMMAND, opaque));
        }
    }

    private void answerLocally(ByteBuf frame, Status status) {
        Slot slot = new Slot(this, Mcbp.opcode(frame), Mcbp.opaque(frame), false);
        queue.addLast(slot);
        ByteBuf response = Responses.errorFor(alloc, frame, status);
        frame.release();
        slot.settle(response);
    }

    /** The gateway's own entries of the general STAT group. */
    private Map<String, String> gatewayStats() {
        long now = System.currentTimeMillis();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("pid", Long.toString(PID));
        m.put("uptime", Long.toString((now - stats.startMillis) / 1000));
        m.put("time", Long.toString(now / 1000));
        m.put("version", VERSION);
        m.put("threads", Integer.toString(registry.loopCount()));
        m.put("curr_connections", Long.toString(stats.currentConnections()));
        m.put("total_connections", Long.toString(stats.totalConnections()));
        m.put("kvgate_requests", Long.toString(stats.requests.sum()));
        m.put("kvgate_shards", Integer.toString(registry.shardCount()));
        return m;
    }

    private void framingError(FrameError error) {
        ending = true;
        Slot slot = new Slot(this, error.opcode(), error.opaque(), false);
        slot.closeAfter = true;
        queue.addLast(slot);
        if (error.kind() == FrameError.Kind.OVERSIZE) {
            log.warn("{}: {}; answering 0x03 and closing", channel, error.reason());
            slot.settle(Responses.error(alloc, error.opcode(), Status.VALUE_TOO_LARGE, error.opaque()));
        } else {
            log.warn("{}: malformed frame: {}; closing", channel, error.reason());
            slot.settle(null);
        }
    }

    /** Writes every completed slot at the head of the queue. */
    void slotDone() {
        Slot slot;
        while ((slot = queue.peekFirst()) != null && slot.done) {
            queue.pollFirst();
            ByteBuf response = slot.response;
            slot.response = null;
            if (closed) {
                if (response != null) {
                    response.release();
                }
                continue;
            }
            if (response != null) {
                // Ownership: the transport's from here on, also on failure.
                channel.write(response, channel.voidPromise());
                scheduleFlush();
            }
            if (slot.closeAfter) {
                lingeringClose();
            }
        }
        updateReading();
    }

    /**
     * Ends the connection without losing the last answer: closing a socket with unread input makes
     * the kernel send a reset, which can destroy responses the client has not read yet. So: flush,
     * end TLS, shut down our output, keep reading (and discarding) until the client closes, and
     * close anyway after {@link #LINGER_MILLIS}.
     */
    private void lingeringClose() {
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
        updateReading();
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            channel.eventLoop().execute(flushTask);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        channel.flush();
    }

    /** Reads while the client can take answers, its backlog is bounded and the decoder has caught up. */
    private void updateReading() {
        // While lingering, read on: the decoder discards, and the client's close ends it sooner.
        boolean want = !closed && (lingering
                || (!decoderBacklog && channel.isWritable() && queue.size() < limits.maxInFlight()));
        if (channel.config().isAutoRead() != want) {
            channel.config().setAutoRead(want);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        updateReading();
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt == FrameDecoder.Backlog.PAUSE) {
            decoderBacklog = true;
            updateReading();
        } else if (evt == FrameDecoder.Backlog.RESUME) {
            decoderBacklog = false;
            updateReading();
        } else if (evt instanceof IdleStateEvent) {
            log.info("{}: idle for {}, closing", channel, limits.idleTimeout());
            ctx.close();
        } else if (evt instanceof SslHandshakeCompletionEvent hs) {
            if (hs.isSuccess()) {
                log.debug("{}: TLS handshake done", channel);
            } else {
                log.info("{}: TLS handshake failed: {}", channel, rootMessage(hs.cause()));
            }
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closed = true;
        stats.currentConnections.decrement();
        // Slots still waiting on a backend release their response when it comes (Slot.settle).
        Slot slot;
        while ((slot = queue.pollFirst()) != null) {
            if (slot.response != null) {
                slot.response.release();
                slot.response = null;
            }
        }
        log.debug("{} closed", channel);
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof NotSslRecordException) {
            log.warn("{}: not a TLS record (plaintext on a TLS listener?); closing", channel);
        } else if (root instanceof javax.net.ssl.SSLException) {
            log.info("{}: TLS error: {}; closing", channel, rootMessage(root));
        } else if (root instanceof IOException) {
            log.debug("{}: {}", channel, root.toString());
        } else {
            log.warn("{}: unexpected error; closing", channel, cause);
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
