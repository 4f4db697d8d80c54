package dev.kvgate.gateway.proxy;

import dev.kvgate.config.LimitsSettings;
import dev.kvgate.gateway.auth.Authenticator;
import dev.kvgate.gateway.auth.ConnectionAuth;
import dev.kvgate.gateway.log.LogSafe;
import dev.kvgate.gateway.log.PeerWarnings;
import dev.kvgate.gateway.memory.MemoryBudget;
import dev.kvgate.gateway.protocol.Feature;
import dev.kvgate.gateway.protocol.FrameDecoder;
import dev.kvgate.gateway.protocol.FrameError;
import dev.kvgate.gateway.protocol.Frames;
import dev.kvgate.gateway.protocol.Mcbp;
import dev.kvgate.gateway.protocol.Opcode;
import dev.kvgate.gateway.protocol.RequestValidator;
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
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
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
    /** What VERSION answers: the build's version, from the jar (one source: the pom). */
    public static final String VERSION = dev.kvgate.gateway.server.Version.number().map(v -> "kvgate-" + v)
            .orElse("kvgate-unknown");
    private static final byte[] VERSION_BYTES = VERSION.getBytes(StandardCharsets.US_ASCII);
    private static final long PID = ProcessHandle.current().pid();

    private final BackendRegistry registry;
    private final LimitsSettings limits;
    private final GatewayStats stats;
    /** This event loop's share of {@link #stats}. */
    private GatewayStats.Loop counts;
    private final Authenticator authenticator;
    private final RequestValidator validator;
    private final MemoryBudget budget;
    /** This connection's decoder, asked whether it is gathering a large frame (null in unit tests without one). */
    private FrameDecoder decoder;
    /** The decoder waits for room in the memory budget for a large request. */
    private boolean memoryWait;
    /** Paused by budget pressure and queued to be told when it ends. */
    private boolean awaitingRelief;
    private final Runnable reliefTask = this::relief;
    /** This connection's authentication state (auth.mode); used on the event loop only. */
    private ConnectionAuth auth;
    private final ArrayDeque<Slot> queue = new ArrayDeque<>();
    private final Runnable flushTask = this::flushNow;
    /** This loop's backend connections; slots count their answers in its counters. */
    LoopBackends backends;
    private Channel channel;
    private ByteBufAllocator alloc;
    private boolean closed;
    /** Set once a QUIT or framing error ends the stream: later frames are dropped. */
    private boolean ending;
    private boolean flushScheduled;
    private boolean decoderBacklog;
    private boolean lingering;
    /** Frames (and a framing error) read while the client could not take answers; dispatched in order later. */
    private final ArrayDeque<Object> deferred = new ArrayDeque<>();
    private boolean dispatchingDeferred;
    /**
     * A SASL exchange whose outcome is not known yet (the password check runs off the loop): the
     * frames behind it wait, so that they are judged as the connection will then be, as memcached does.
     */
    private boolean authPending;
    /** Features negotiated with HELLO. */
    private boolean xerror;
    private boolean unordered;
    private boolean tracing;
    /** Unordered execution: barrier slots (non-keyed commands) still in the queue. */
    private int pendingBarriers;
    private static final long LINGER_MILLIS = 2000;

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
        counts = stats.forLoop(ctx.executor());
        auth = authenticator.newConnection(channel);
        decoder = ctx.pipeline().get(FrameDecoder.class);
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
        if (!deferred.isEmpty() || !canDispatch()) {
            // The client is not taking its answers, or has max-in-flight unanswered requests:
            // executing more would only buffer more answers for it.
            deferred.addLast(msg);
        } else {
            dispatch(msg);
        }
        updateReading();
    }

    private void dispatch(Object msg) {
        if (msg instanceof ByteBuf frame) {
            if (ending) {
                frame.release();
                return;
            }
            counts.add(GatewayStats.REQUESTS, 1);
            request(frame);
        } else {
            framingError((FrameError) msg);
        }
    }

    private boolean canDispatch() {
        return !authPending && channel.isWritable() && queue.size() < limits.maxInFlight();
    }

    private void dispatchDeferred() {
        if (dispatchingDeferred) {
            // An answer completed during a held frame's dispatch (the embedded engine answers at
            // once): the loop already running goes on; a second, nested loop would add nothing.
            return;
        }
        dispatchingDeferred = true;
        try {
            Object msg;
            while (!deferred.isEmpty() && canDispatch() && (msg = deferred.pollFirst()) != null) {
                dispatch(msg);
            }
        } finally {
            dispatchingDeferred = false;
        }
    }

    private void request(ByteBuf frame) {
        byte code = Mcbp.opcode(frame);
        if (!auth.authenticated() && !Authenticator.allowedBeforeAuth(code)) {
            answerLocally(frame, Status.AUTH_ERROR);
            return;
        }
        switch (validator.check(frame)) {
            case UNKNOWN -> {
                answerLocally(frame, Status.UNKNOWN_COMMAND);
                return;
            }
            case INVALID -> {
                // Never forwarded: memcached would close the shared backend connection over it.
                counts.add(GatewayStats.INVALID_REQUESTS, 1);
                answerLocally(frame, Status.INVALID_ARGUMENTS);
                return;
            }
            default -> {
            }
        }
        Opcode op = Opcode.of(code);
        if (op == null) {
            passThrough(frame);
            return;
        }
        switch (op.route()) {
            case KEYED -> forward(frame, op);
            case BROADCAST -> broadcast(frame, op);
            default -> local(frame, op);
        }
    }

    /** Appends a slot for a request to the ordered queue. */
    private Slot newSlot(byte opcode, int opaque, boolean quiet, boolean barrier) {
        Slot slot = new Slot(this, opcode, opaque, quiet);
        slot.barrier = barrier;
        if (tracing) {
            slot.startNanos = System.nanoTime();
        }
        if (unordered && barrier) {
            pendingBarriers++;
        }
        queue.addLast(slot);
        counts.add(GatewayStats.IN_FLIGHT, 1);
        return slot;
    }

    /** An error response as negotiated: plain text, or kv_engine's JSON with XERROR. */
    ByteBuf error(byte opcode, Status status, int opaque) {
        return xerror ? Responses.xerror(alloc, opcode, status, opaque) : Responses.error(alloc, opcode, status, opaque);
    }

    private void forward(ByteBuf frame, Opcode op) {
        Slot slot = newSlot(op.code(), Mcbp.opaque(frame), op.quiet(), false);
        int shard = backends.shardOf(frame);
        ByteBuf classic = classic(frame, slot);
        if (classic != null) {
            backends.backend(shard).send(classic, slot);
        }
    }

    /**
     * An opcode kvgate does not know, forwarded to its key's shard because the operator listed it.
     * Taken as quiet: whether the shard answers or stays silent, the backend's in-flight table stays
     * in step (a later answer settles a silent one), and the client gets exactly what the shard sent.
     */
    private void passThrough(ByteBuf frame) {
        Slot slot = newSlot(Mcbp.opcode(frame), Mcbp.opaque(frame), true, false);
        int shard = backends.shardOf(frame);
        ByteBuf classic = classic(frame, slot);
        if (classic != null) {
            backends.backend(shard).send(classic, slot);
        }
    }

    private void broadcast(ByteBuf frame, Opcode op) {
        Slot slot = newSlot(op.code(), Mcbp.opaque(frame), op.quiet(), true);
        int shards = backends.shardCount();
        boolean stat = op == Opcode.STAT;
        StatsSlot stats = stat ? new StatsSlot(slot, shards, Mcbp.keyLength(frame) == 0, gatewayStats()) : null;
        FanoutSlot fanout = stat ? null : new FanoutSlot(slot, shards);
        ByteBuf classic = classic(frame, slot);
        if (classic == null) {
            return;
        }
        try {
            for (int s = 0; s < shards; s++) {
                // Each shard's copy gets its own backend opaque, so the bytes cannot be shared.
                backends.backend(s).send(classic.copy(), stat ? stats.part() : fanout.part());
            }
        } finally {
            classic.release();
        }
    }

    /**
     * The frame in the form memcached speaks; releases {@code frame} when it returns a new buffer. If
     * it cannot be made (no memory for the copy), {@code slot} is answered 0x84 and null returned: a
     * slot left unanswered would hold every answer behind it forever.
     */
    private ByteBuf classic(ByteBuf frame, Slot slot) {
        if (!Mcbp.isFlexible(frame)) {
            return frame;
        }
        try {
            return Frames.toClassicRequest(alloc, frame);
        } catch (RuntimeException | OutOfMemoryError e) {
            // OutOfMemoryError: Netty's direct memory limit (OutOfDirectMemoryError), not the heap's.
            log.warn("{}: cannot translate a flexible-framing request; answering 0x84", channel, e);
            slot.fail(Status.INTERNAL_ERROR);
            return null;
        } finally {
            frame.release();
        }
    }

    private void local(ByteBuf frame, Opcode op) {
        int opaque = Mcbp.opaque(frame);
        Slot slot = newSlot(op.code(), opaque, op.quiet(), true);
        if (op == Opcode.SASL_LIST_MECHS || op == Opcode.SASL_AUTH || op == Opcode.SASL_STEP) {
            // Ownership of the frame passes to the authenticator; its answer (completed on this
            // event loop, possibly after a password check off the loop) is owned by the slot.
            // Frames behind it wait for the outcome (canDispatch), then run in order.
            authPending = true;
            CompletableFuture<ByteBuf> answer;
            try {
                answer = auth.handle(frame);
            } catch (RuntimeException | OutOfMemoryError e) {
                answer = CompletableFuture.failedFuture(e);
            }
            answer.whenComplete((response, failure) -> {
                if (channel.eventLoop().inEventLoop()) {
                    saslDone(slot, response, failure);
                } else {
                    // Failed off the loop (the loop refused the completion): back on it, or nowhere.
                    try {
                        channel.eventLoop().execute(() -> saslDone(slot, response, failure));
                    } catch (RejectedExecutionException gone) {
                        ReferenceCountUtil.release(response);
                    }
                }
            });
            return;
        }
        ByteBuf response;
        try {
            response = switch (op) {
                case NOOP -> Responses.empty(alloc, op.code(), opaque, 0);
                case VERSION -> Responses.simple(alloc, op.code(), Status.SUCCESS, opaque, 0, VERSION_BYTES);
                case QUIT -> {
                    ending = true;
                    slot.closeAfter = true;
                    yield Responses.empty(alloc, op.code(), opaque, 0);
                }
                case QUITQ -> {
                    ending = true;
                    slot.closeAfter = true;
                    yield null;
                }
                case HELLO -> hello(frame, opaque);
                default -> error(op.code(), Status.UNKNOWN_COMMAND, opaque);
            };
        } finally {
            frame.release();
        }
        slot.settle(response);
    }

    /** A SASL exchange ended: its slot is answered (0x84 if it failed), and the frames behind it run. */
    private void saslDone(Slot slot, ByteBuf response, Throwable failure) {
        authPending = false;
        if (failure != null || response == null) {
            ReferenceCountUtil.release(response);
            log.warn("{}: SASL exchange failed; answering 0x84", channel, failure);
            slot.fail(Status.INTERNAL_ERROR);
        } else {
            slot.settle(response);
        }
        if (!closed) {
            dispatchDeferred();
            updateReading();
        }
    }

    /**
     * HELLO: the client lists the features it wants; kvgate answers with those it implements, in the
     * client's order, and honours them from the next request on. Each HELLO replaces the last.
     */
    private ByteBuf hello(ByteBuf frame, int opaque) {
        int at = Mcbp.valueIndex(frame);
        int count = Mcbp.valueLength(frame) / 2;
        short[] accepted = new short[count];
        int n = 0;
        boolean wantXerror = false;
        boolean wantUnordered = false;
        boolean wantTracing = false;
        for (int i = 0; i < count; i++) {
            Feature f = Feature.of(frame.getUnsignedShort(at + 2 * i));
            if (f == null) {
                continue;
            }
            switch (f) {
                case XERROR -> wantXerror = true;
                case UNORDERED_EXECUTION -> wantUnordered = true;
                case TRACING -> wantTracing = true;
                case TCPNODELAY -> channel.config().setOption(ChannelOption.TCP_NODELAY, true);
                case TCPDELAY -> channel.config().setOption(ChannelOption.TCP_NODELAY, false);
                default -> {
                }
            }
            accepted[n++] = f.code();
        }
        xerror = wantXerror;
        tracing = wantTracing;
        if (unordered != wantUnordered) {
            // Barriers already queued were counted under the old mode; recount under the new one.
            unordered = wantUnordered;
            pendingBarriers = 0;
            if (unordered) {
                for (Slot s : queue) {
                    if (s.barrier) {
                        pendingBarriers++;
                    }
                }
            }
        }
        ByteBuf out = alloc.buffer(Mcbp.HEADER_SIZE + 2 * n);
        Responses.writeHeader(out, Opcode.HELLO.code(), 0, 0, 0, 2 * n, opaque, 0);
        for (int i = 0; i < n; i++) {
            out.writeShort(accepted[i]);
        }
        return out;
    }

    private void answerLocally(ByteBuf frame, Status status) {
        Slot slot = newSlot(Mcbp.opcode(frame), Mcbp.opaque(frame), false, false);
        ByteBuf response = error(Mcbp.opcode(frame), status, Mcbp.opaque(frame));
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
        m.put("kvgate_requests", Long.toString(stats.requests()));
        m.put("kvgate_invalid_requests", Long.toString(stats.invalidRequests()));
        m.put("kvgate_stray_answers", Long.toString(backends.strayAnswers()));
        m.put("kvgate_shards", Integer.toString(registry.shardCount()));
        return m;
    }

    private void framingError(FrameError error) {
        if (error.kind() == FrameError.Kind.OVER_BUDGET) {
            // The decoder skips the body: the stream stays in step and the connection goes on.
            PeerWarnings.of(channel).info(log, channel, "{}: {}; answering 0x03", channel, error.reason());
            Slot slot = newSlot(error.opcode(), error.opaque(), false, false);
            slot.settle(error(error.opcode(), Status.VALUE_TOO_LARGE, error.opaque()));
            return;
        }
        ending = true;
        Slot slot = newSlot(error.opcode(), error.opaque(), false, true);
        slot.closeAfter = true;
        if (error.kind() == FrameError.Kind.OVERSIZE) {
            PeerWarnings.of(channel).warn(log, channel, "{}: {}; answering 0x03 and closing", channel, error.reason());
            slot.settle(error(error.opcode(), Status.VALUE_TOO_LARGE, error.opaque()));
        } else if (error.kind() == FrameError.Kind.STALLED) {
            PeerWarnings.of(channel).warn(log, channel, "{}: {}; closing", channel, error.reason());
            slot.settle(null);
        } else {
            PeerWarnings.of(channel).warn(log, channel, "{}: malformed frame: {}; closing", channel, error.reason());
            slot.settle(null);
        }
    }

    /**
     * A slot got its answer. Answers leave from the head of the queue, in request order; with
     * unordered execution a keyed answer leaves at once unless a barrier is waiting in the queue.
     */
    void slotDone(Slot completed) {
        if (unordered && !completed.barrier && pendingBarriers == 0 && completed != queue.peekFirst()) {
            completed.written = true;
            write(completed);
        }
        Slot slot;
        while ((slot = queue.peekFirst()) != null && slot.done) {
            queue.pollFirst();
            counts.add(GatewayStats.IN_FLIGHT, -1);
            if (unordered && slot.barrier) {
                pendingBarriers--;
            }
            if (!slot.written) {
                write(slot);
            }
            if (slot.closeAfter && !closed) {
                lingeringClose();
            }
        }
        if (!deferred.isEmpty() && !closed) {
            dispatchDeferred();
        }
        updateReading();
    }

    private void write(Slot slot) {
        ByteBuf response = slot.response;
        slot.response = null;
        if (response == null) {
            return;
        }
        if (closed) {
            response.release();
            return;
        }
        if (tracing && slot.startNanos != 0 && response.readableBytes() == Mcbp.frameLength(response)) {
            ByteBuf traced;
            try {
                traced = Frames.withServerDuration(alloc, response,
                        Frames.encodeServerDuration(System.nanoTime() - slot.startNanos));
            } finally {
                response.release();
            }
            response = traced;
        }
        // Ownership: the transport's from here on, also on failure.
        channel.write(response, channel.voidPromise());
        scheduleFlush();
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

    private void relief() {
        awaitingRelief = false;
        if (!closed) {
            updateReading();
        }
    }

    /** Reads while the client can take answers, its backlog is bounded and the decoder has caught up. */
    private void updateReading() {
        // While lingering, read on: the decoder discards, and the client's close ends it sooner.
        // Budget pressure stops new requests, except on a connection in the middle of a large frame:
        // its reservation comes back only once the frame is complete and forwarded.
        boolean pressured = budget.underPressure() && (decoder == null || !decoder.isGathering());
        if (pressured && !closed && !lingering && !awaitingRelief) {
            awaitingRelief = true;
            budget.countPause();
            budget.await(channel.eventLoop(), 0, reliefTask);
        }
        boolean want = !closed && (lingering || (!decoderBacklog && !memoryWait && !pressured && deferred.isEmpty()
                && channel.isWritable()
                && queue.size() < limits.maxInFlight()));
        if (channel.config().isAutoRead() != want) {
            channel.config().setAutoRead(want);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        dispatchDeferred();
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
        } else if (evt == FrameDecoder.Memory.PAUSE) {
            memoryWait = true;
            updateReading();
        } else if (evt == FrameDecoder.Memory.RESUME) {
            memoryWait = false;
            updateReading();
        } else if (evt instanceof IdleStateEvent) {
            // A connection waiting for its answers is not idle, however long a shard takes.
            if (queue.isEmpty() && deferred.isEmpty()) {
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
        // Slots still waiting on a backend release their response when it comes (Slot.settle).
        Slot slot;
        while ((slot = queue.pollFirst()) != null) {
            counts.add(GatewayStats.IN_FLIGHT, -1);
            if (slot.response != null) {
                slot.response.release();
                slot.response = null;
            }
        }
        Object msg;
        while ((msg = deferred.pollFirst()) != null) {
            ReferenceCountUtil.release(msg);
        }
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
