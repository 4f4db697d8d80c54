package dev.kvgate.bench;

import dev.kvgate.mcbp.FrameError;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One bench connection, closed-loop: it keeps a fixed number of requests outstanding and sends the next
 * one as each response arrives, flushing once per read batch. mcbp answers in order on a connection, so
 * the oldest outstanding request is the one a response must answer: its opaque and opcode are checked,
 * a mismatch is counted as an error.
 *
 * <p>Everything here runs on the connection's event loop; the driver thread only calls
 * {@link #startPreload} and {@link #startLoad} through {@code eventLoop().execute}.
 */
final class BenchConnectionHandler extends ChannelInboundHandlerAdapter {
    private static final byte GET = Opcode.GET.code();
    private static final byte SET = Opcode.SET.code();

    private enum Mode { IDLE, PRELOAD, LOAD, DONE }

    private final RunState run;
    private final RequestEncoder encoder;
    /** Send time and opcode of the request with opaque {@code o}, at {@code o & mask}. */
    private final long[] sentAt;
    private final byte[] sentOpcode;
    private final int mask;

    private ChannelHandlerContext ctx;
    private LoopStats stats;
    private Mode mode = Mode.IDLE;
    private int nextOpaque;
    private int outstanding;
    private boolean flushNeeded;
    private long preloadNext;
    private int preloadStride;
    private boolean preloadCounted;
    private boolean drainCounted;

    BenchConnectionHandler(RunState run) {
        this.run = run;
        this.encoder = new RequestEncoder(run.value);
        int capacity = 1 << (32 - Integer.numberOfLeadingZeros(Math.max(run.pipeline, run.preloadDepth) - 1));
        this.sentAt = new long[capacity];
        this.sentOpcode = new byte[capacity];
        this.mask = capacity - 1;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.stats = run.statsFor(ctx.executor());
    }

    /** SETs keys {@code first}, {@code first + stride}, ... below {@code keys}, {@code preloadDepth} at a time. */
    void startPreload(int first, int stride) {
        if (mode != Mode.IDLE) {
            preloadDone();
            return;
        }
        mode = Mode.PRELOAD;
        preloadNext = first;
        preloadStride = stride;
        while (outstanding < run.preloadDepth && preloadNext < run.keys) {
            sendPreload();
        }
        if (outstanding == 0) {
            mode = Mode.IDLE;
            preloadDone();
        } else {
            ctx.flush();
        }
    }

    /** Sends {@code pipeline} random requests in one flush; from then on one per response. */
    void startLoad() {
        if (mode != Mode.IDLE) {
            return;
        }
        mode = Mode.LOAD;
        for (int i = 0; i < run.pipeline; i++) {
            sendRandom();
        }
        ctx.flush();
    }

    int outstanding() {
        return outstanding;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf frame) {
            try {
                onResponse(frame);
            } finally {
                frame.release();
            }
        } else if (msg instanceof FrameError error) {
            stats.error();
            run.firstError("unparseable response from the server: " + error.reason());
            ctx.close();
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onResponse(ByteBuf frame) {
        long now = System.nanoTime();
        if (outstanding == 0) {
            stats.mismatch();
            if (!run.hasFirstError()) {
                run.firstError(String.format("unsolicited response opaque 0x%08x opcode 0x%02x",
                        Mcbp.opaque(frame), Mcbp.opcode(frame)));
            }
            return;
        }
        int expected = nextOpaque - outstanding;
        int slot = expected & mask;
        byte op = sentOpcode[slot];
        outstanding--;
        boolean matches = Mcbp.opaque(frame) == expected && Mcbp.opcode(frame) == op;
        if (!matches) {
            stats.mismatch();
            if (!run.hasFirstError()) {
                run.firstError(String.format("response opaque 0x%08x opcode 0x%02x does not answer the oldest "
                        + "outstanding request (opaque 0x%08x opcode 0x%02x)", Mcbp.opaque(frame),
                        Mcbp.opcode(frame), expected, op));
            }
        }
        int status = Mcbp.status(frame);
        if (mode == Mode.PRELOAD) {
            stats.preloaded(status == 0);
            if (status != 0) {
                describeError(frame, op, status, "preload ");
            }
            if (preloadNext < run.keys) {
                sendPreload();
                flushNeeded = true;
            } else if (outstanding == 0) {
                mode = Mode.IDLE;
                preloadDone();
            }
            return;
        }
        RunState.Phase phase = run.phase();
        if (phase == RunState.Phase.MEASURE) {
            stats.latency(now - sentAt[slot]);
            if (matches && status != 0) {
                if (status == Status.KEY_NOT_FOUND.code() && op == GET) {
                    stats.miss();
                } else {
                    stats.error();
                    describeError(frame, op, status, "");
                }
            }
        }
        if (phase == RunState.Phase.STOP) {
            if (outstanding == 0) {
                mode = Mode.DONE;
                drainDone();
            }
        } else {
            sendRandom();
            flushNeeded = true;
        }
    }

    private void describeError(ByteBuf frame, byte op, int status, String when) {
        if (run.hasFirstError()) {
            return;
        }
        Status known = Status.of(status);
        run.firstError(String.format("%sstatus 0x%04x (%s) for opcode 0x%02x", when, status,
                known == null ? "unknown" : known.message(), op));
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (flushNeeded) {
            flushNeeded = false;
            ctx.flush();
        }
        ctx.fireChannelReadComplete();
    }

    private void sendPreload() {
        send(SET, (int) preloadNext);
        preloadNext += preloadStride;
    }

    private void sendRandom() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        int key = random.nextInt(run.keys);
        send(random.nextDouble() < run.getRatio ? GET : SET, key);
    }

    private void send(byte op, int key) {
        int opaque = nextOpaque++;
        ByteBuf request = op == GET ? encoder.get(ctx.alloc(), key, opaque)
                : encoder.set(ctx.alloc(), key, opaque, valueLength());
        int slot = opaque & mask;
        sentOpcode[slot] = op;
        outstanding++;
        sentAt[slot] = System.nanoTime();
        // Ownership passes to the transport, also on failure; a failed write surfaces as exceptionCaught.
        ctx.write(request, ctx.voidPromise());
    }

    private int valueLength() {
        int max = run.value.length;
        return run.valueSizeMin == max ? max : ThreadLocalRandom.current().nextInt(run.valueSizeMin, max + 1);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!run.closing()) {
            run.firstError("connection " + ctx.channel().id() + ": " + cause);
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (mode != Mode.DONE) {
            stats.timeouts(outstanding);
            if (!run.closing()) {
                stats.connectionClosed();
                run.firstError("connection " + ctx.channel().id() + " closed by the server");
            }
            outstanding = 0;
            mode = Mode.DONE;
        }
        preloadDone();
        drainDone();
        ctx.fireChannelInactive();
    }

    private void preloadDone() {
        if (!preloadCounted) {
            preloadCounted = true;
            run.preloaded.countDown();
        }
    }

    private void drainDone() {
        if (!drainCounted) {
            drainCounted = true;
            run.drained.countDown();
        }
    }
}
