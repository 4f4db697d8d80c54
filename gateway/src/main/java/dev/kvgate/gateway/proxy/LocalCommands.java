package dev.kvgate.gateway.proxy;

import dev.kvgate.gateway.auth.ConnectionAuth;
import dev.kvgate.gateway.log.PeerWarnings;
import dev.kvgate.mcbp.Feature;
import dev.kvgate.mcbp.FrameError;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Responses;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commands a client connection gets answered by kvgate itself: HELLO, SASL, VERSION, NOOP,
 * QUIT(Q), errors decided at the edge (unknown command, invalid shape, not authenticated), framing
 * errors, and the gateway's own entries of STAT. Each answer is built once, in one buffer of its exact
 * size, and settled in the client's {@link ResponseQueue}.
 *
 * <p>Ownership: each frame passed in is released here (or handed to the authenticator for SASL).
 */
final class LocalCommands {
    private static final Logger log = LoggerFactory.getLogger(LocalCommands.class);
    private static final byte[] VERSION_BYTES = ClientSession.VERSION.getBytes(StandardCharsets.US_ASCII);
    private static final long PID = ProcessHandle.current().pid();

    /** The session's part in an exchange that ends later (SASL) or ends the connection. */
    interface Owner {
        /** A SASL exchange ended: the frames held behind it may run. */
        void authDone();
    }

    private final Channel channel;
    private final ByteBufAllocator alloc;
    private final ResponseQueue queue;
    private final ConnectionAuth auth;
    private final GatewayStats stats;
    private final BackendRegistry registry;
    private final LoopBackends backends;
    private final Owner owner;
    /**
     * A SASL exchange whose outcome is not known yet (the password check runs off the loop): the
     * frames behind it wait, so that they are judged as the connection will then be, as memcached does.
     */
    private boolean authPending;
    /** Set once a QUIT or framing error ends the stream: later frames are dropped. */
    private boolean ending;

    LocalCommands(Channel channel, ByteBufAllocator alloc, ResponseQueue queue, ConnectionAuth auth,
                  GatewayStats stats, BackendRegistry registry, LoopBackends backends, Owner owner) {
        this.channel = channel;
        this.alloc = alloc;
        this.queue = queue;
        this.auth = auth;
        this.stats = stats;
        this.registry = registry;
        this.backends = backends;
        this.owner = owner;
    }

    boolean authPending() {
        return authPending;
    }

    boolean ending() {
        return ending;
    }

    void run(ByteBuf frame, Opcode op) {
        int opaque = Mcbp.opaque(frame);
        long seq = queue.add(op.code(), opaque, true);
        if (op == Opcode.SASL_LIST_MECHS || op == Opcode.SASL_AUTH || op == Opcode.SASL_STEP) {
            sasl(frame, seq);
            return;
        }
        ByteBuf response;
        try {
            response = switch (op) {
                case NOOP -> Responses.empty(alloc, op.code(), opaque, 0);
                case VERSION -> Responses.simple(alloc, op.code(), Status.SUCCESS, opaque, 0, VERSION_BYTES);
                case QUIT -> {
                    ending = true;
                    queue.closeAfter(seq);
                    yield Responses.empty(alloc, op.code(), opaque, 0);
                }
                case QUITQ -> {
                    ending = true;
                    queue.closeAfter(seq);
                    yield null;
                }
                case HELLO -> hello(frame, opaque);
                default -> queue.error(op.code(), Status.UNKNOWN_COMMAND, opaque);
            };
        } finally {
            frame.release();
        }
        queue.settle(seq, response);
    }

    /**
     * Ownership of the frame passes to the authenticator; its answer (completed on this event loop,
     * possibly after a password check off the loop) is owned by the queue entry. Frames behind it
     * wait for the outcome ({@link #authPending}), then run in order.
     */
    private void sasl(ByteBuf frame, long seq) {
        authPending = true;
        CompletableFuture<ByteBuf> answer;
        try {
            answer = auth.handle(frame);
        } catch (RuntimeException | OutOfMemoryError e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((response, failure) -> {
            if (channel.eventLoop().inEventLoop()) {
                saslDone(seq, response, failure);
            } else {
                // Failed off the loop (the loop refused the completion): back on it, or nowhere.
                try {
                    channel.eventLoop().execute(() -> saslDone(seq, response, failure));
                } catch (RejectedExecutionException gone) {
                    ReferenceCountUtil.release(response);
                }
            }
        });
    }

    /** A SASL exchange ended: its entry is answered (0x84 if it failed), and the frames behind it run. */
    private void saslDone(long seq, ByteBuf response, Throwable failure) {
        authPending = false;
        if (failure != null || response == null) {
            ReferenceCountUtil.release(response);
            log.warn("{}: SASL exchange failed; answering 0x84", channel, failure);
            queue.fail(seq, Status.INTERNAL_ERROR);
        } else {
            queue.settle(seq, response);
        }
        owner.authDone();
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
        queue.xerror(wantXerror);
        queue.tracing(wantTracing);
        queue.unordered(wantUnordered);
        ByteBuf out = alloc.buffer(Mcbp.HEADER_SIZE + 2 * n);
        Responses.writeHeader(out, Opcode.HELLO.code(), 0, 0, 0, 2 * n, opaque, 0);
        for (int i = 0; i < n; i++) {
            out.writeShort(accepted[i]);
        }
        return out;
    }

    /** A request answered at the edge with an error status; it is never forwarded. */
    void answer(ByteBuf frame, Status status) {
        byte code = Mcbp.opcode(frame);
        int opaque = Mcbp.opaque(frame);
        frame.release();
        long seq = queue.add(code, opaque, false);
        queue.settle(seq, queue.error(code, status, opaque));
    }

    void framingError(FrameError error) {
        if (error.kind() == FrameError.Kind.OVER_BUDGET) {
            // The decoder skips the body: the stream stays in step and the connection goes on.
            PeerWarnings.of(channel).info(log, channel, "{}: {}; answering 0x03", channel, error.reason());
            long seq = queue.add(error.opcode(), error.opaque(), false);
            queue.settle(seq, queue.error(error.opcode(), Status.VALUE_TOO_LARGE, error.opaque()));
            return;
        }
        ending = true;
        long seq = queue.add(error.opcode(), error.opaque(), true);
        queue.closeAfter(seq);
        if (error.kind() == FrameError.Kind.OVERSIZE) {
            PeerWarnings.of(channel).warn(log, channel, "{}: {}; answering 0x03 and closing", channel, error.reason());
            queue.settle(seq, queue.error(error.opcode(), Status.VALUE_TOO_LARGE, error.opaque()));
        } else if (error.kind() == FrameError.Kind.STALLED) {
            PeerWarnings.of(channel).warn(log, channel, "{}: {}; closing", channel, error.reason());
            queue.settle(seq, null);
        } else {
            PeerWarnings.of(channel).warn(log, channel, "{}: malformed frame: {}; closing", channel, error.reason());
            queue.settle(seq, null);
        }
    }

    /** The gateway's own entries of the general STAT group. */
    Map<String, String> gatewayStats() {
        long now = System.currentTimeMillis();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("pid", Long.toString(PID));
        m.put("uptime", Long.toString((now - stats.startMillis()) / 1000));
        m.put("time", Long.toString(now / 1000));
        m.put("version", ClientSession.VERSION);
        m.put("threads", Integer.toString(registry.loopCount()));
        m.put("curr_connections", Long.toString(stats.currentConnections()));
        m.put("total_connections", Long.toString(stats.totalConnections()));
        m.put("kvgate_requests", Long.toString(stats.requests()));
        m.put("kvgate_invalid_requests", Long.toString(stats.invalidRequests()));
        m.put("kvgate_stray_answers", Long.toString(backends.strayAnswers()));
        m.put("kvgate_shards", Integer.toString(registry.shardCount()));
        return m;
    }
}
