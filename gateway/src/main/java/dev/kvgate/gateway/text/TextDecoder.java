package dev.kvgate.gateway.text;

import dev.kvgate.gateway.log.PeerWarnings;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Requests;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads memcached's text and meta commands and hands each on as one or more binary request frames,
 * so that the session routes them exactly as a binary client's: {@code get a b c} becomes GETKQ a,
 * GETKQ b, GETK c; {@code set} one SET whose value (1 KiB or more) is a retained slice of the read
 * buffer. What each
 * frame stands for is queued in {@code replies} for the {@link TextEncoder}. Errors found here (bad
 * lines, too large values) ride on a NOOP, so that they are written in their turn.
 *
 * <p>Ownership: every frame handed on is owned by the next handler (the session). The decoder keeps
 * no buffer between reads except the cumulation.
 *
 * <p>Limits, as memcached 1.6: keys of at most 250 bytes; a line without a newline after 2048 bytes
 * closes the connection unless it is a get (whose lines may be long, up to 1 MiB here); a value
 * larger than the largest frame is refused with SERVER_ERROR and its bytes skipped.
 */
public final class TextDecoder extends ByteToMessageDecoder {
    private static final Logger log = LoggerFactory.getLogger(TextDecoder.class);
    static final int MAX_LINE = 2048;
    static final int MAX_GET_LINE = 1024 * 1024;
    /** memcached turns a negative expiry into this: an absolute time long past, so the item expires at once. */
    static final int EXPIRED = 60 * 60 * 24 * 30 + 1;
    /** Values up to this size are copied next to their header; larger ones are a composite of header and slice. */
    private static final int COPY_BELOW = 1024;

    private static final String BAD_FORMAT = "CLIENT_ERROR bad command line format";
    private static final String BAD_EXPTIME = "CLIENT_ERROR invalid exptime argument";
    private static final String TOO_LARGE = "SERVER_ERROR object too large for cache";

    private final ArrayDeque<TextReply> replies;
    private final int maxFrame;
    /** 0: no limit on how long a line or data block may stay incomplete. */
    private final long readTimeoutNanos;
    /** When the incomplete command now in the cumulation started arriving; -1 when there is none. */
    private long partialSinceNanos = -1;
    /** Commands decoded so far: tells whether a read completed one (and so began another). */
    private long commandsOut;
    private ScheduledFuture<?> stallTimer;
    /** Quiet requests handed on since the last one that is always answered. */
    private int quietRun;
    private int nextOpaque = 1;
    /** A storage command whose data block has not fully arrived. */
    private PendingStore store;
    /** Bytes of a refused data block still to be skipped. */
    private long swallow;
    /** After quit or an overlong line: everything else is discarded. */
    private boolean ending;

    private record PendingStore(Opcode op, byte[] key, int flags, int exptime, long cas, int length,
                                TextReply reply) {
    }

    /**
     * @param replies  shared with this connection's {@link TextEncoder}
     * @param maxFrame the largest binary frame a request may become (limits.max-frame)
     */
    public TextDecoder(ArrayDeque<TextReply> replies, int maxFrame) {
        this(replies, maxFrame, Duration.ZERO);
    }

    /**
     * @param readTimeout how long a command (line and data block) may stay incomplete before the
     *                    connection is closed, as for a binary frame (limits.frame-read-timeout); zero
     *                    for no limit
     */
    public TextDecoder(ArrayDeque<TextReply> replies, int maxFrame, Duration readTimeout) {
        this.replies = replies;
        this.maxFrame = maxFrame;
        this.readTimeoutNanos = readTimeout.toNanos();
        // A large value arriving over many reads is kept as the reads' own buffers, not copied into
        // a cumulation grown by doubling; the SET then takes a slice of it.
        setCumulator(COMPOSITE_CUMULATOR);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        long before = commandsOut;
        super.channelRead(ctx, msg);
        if (readTimeoutNanos > 0) {
            trackPartial(ctx, commandsOut != before);
        }
    }

    private boolean holdsPartial() {
        return !ending && (store != null || swallow > 0 || internalBuffer().isReadable());
    }

    /** After a read: starts the clock of a command that began arriving, stops it when none is pending. */
    private void trackPartial(ChannelHandlerContext ctx, boolean completedOne) {
        if (!holdsPartial()) {
            partialSinceNanos = -1;
            return;
        }
        if (partialSinceNanos < 0 || completedOne) {
            partialSinceNanos = ctx.executor().ticker().nanoTime();
        }
        if (stallTimer == null) {
            stallTimer = ctx.executor().schedule(() -> checkStalled(ctx), readTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void checkStalled(ChannelHandlerContext ctx) {
        stallTimer = null;
        if (partialSinceNanos < 0 || ctx.isRemoved() || !ctx.channel().isActive()) {
            return;
        }
        long now = ctx.executor().ticker().nanoTime();
        if (!holdsPartial()) {
            partialSinceNanos = -1;
            return;
        }
        if (!ctx.channel().config().isAutoRead()) {
            // kvgate stopped reading: not the peer's delay.
            partialSinceNanos = now;
        } else if (now - partialSinceNanos >= readTimeoutNanos) {
            // Half a line (or a data block) left alone: memcached would wait; kvgate answers what
            // came before and closes, as for a stalled binary frame, so the slot is not held.
            PeerWarnings.of(ctx.channel()).warn(log, ctx.channel(), "{}: a text command stayed incomplete for {} ms; closing",
                    ctx.channel(), TimeUnit.NANOSECONDS.toMillis(readTimeoutNanos));
            ByteBuf in = internalBuffer();
            in.skipBytes(in.readableBytes());
            store = null;
            swallow = 0;
            partialSinceNanos = -1;
            List<Object> out = new ArrayList<>(1);
            end(ctx, out);
            // Ownership: the session's.
            ctx.fireChannelRead(out.get(0));
            ctx.fireChannelReadComplete();
            return;
        }
        stallTimer = ctx.executor().schedule(() -> checkStalled(ctx),
                partialSinceNanos + readTimeoutNanos - now, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelStallTimer();
        super.channelInactive(ctx);
    }

    private void cancelStallTimer() {
        if (stallTimer != null) {
            stallTimer.cancel(false);
            stallTimer = null;
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            if (ending) {
                in.skipBytes(in.readableBytes());
                return;
            }
            if (swallow > 0) {
                int n = (int) Math.min(swallow, in.readableBytes());
                in.skipBytes(n);
                swallow -= n;
                continue;
            }
            if (store != null) {
                if (in.readableBytes() < store.length + 2) {
                    return;
                }
                finishStore(ctx, in, out);
                continue;
            }
            int start = in.readerIndex();
            int nl = in.indexOf(start, in.writerIndex(), (byte) '\n');
            if (nl < 0) {
                int have = in.readableBytes();
                if (have > MAX_GET_LINE || (have > MAX_LINE && !startsWithGet(in))) {
                    // memcached closes such a connection without a word; the answers before it go out first.
                    in.skipBytes(have);
                    end(ctx, out);
                }
                return;
            }
            int stop = nl > start && in.getByte(nl - 1) == '\r' ? nl - 1 : nl;
            String line = in.toString(start, stop - start, StandardCharsets.ISO_8859_1);
            in.readerIndex(nl + 1);
            commandsOut++;
            command(ctx, line, out);
        }
    }

    private static boolean startsWithGet(ByteBuf in) {
        int i = in.readerIndex();
        while (i < in.writerIndex() && in.getByte(i) == ' ') {
            i++;
        }
        String head = in.toString(i, Math.min(5, in.writerIndex() - i), StandardCharsets.ISO_8859_1);
        return head.startsWith("get ") || head.startsWith("gets ");
    }

    private static List<String> tokens(String line) {
        List<String> t = new ArrayList<>(8);
        int i = 0;
        int n = line.length();
        while (i < n) {
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
            int s = i;
            while (i < n && line.charAt(i) != ' ') {
                i++;
            }
            if (i > s) {
                t.add(line.substring(s, i));
            }
        }
        return t;
    }

    private void command(ChannelHandlerContext ctx, String line, List<Object> out) {
        List<String> t = tokens(line);
        int n = t.size();
        String cmd = n == 0 ? "" : t.get(0);
        switch (cmd) {
            case "get", "gets" -> {
                if (n >= 2) {
                    get(ctx, t, 1, cmd.equals("gets"), -1, out);
                    return;
                }
            }
            case "gat", "gats" -> {
                if (n >= 3) {
                    Long exptime = parseInt32(t.get(1));
                    if (exptime == null) {
                        literal(ctx, out, BAD_EXPTIME);
                    } else {
                        get(ctx, t, 2, cmd.equals("gats"), positiveTime(exptime), out);
                    }
                    return;
                }
            }
            case "set", "add", "replace", "append", "prepend" -> {
                if (n == 5 || n == 6) {
                    store(ctx, t, cmd, out);
                    return;
                }
            }
            case "cas" -> {
                if (n == 6 || n == 7) {
                    store(ctx, t, cmd, out);
                    return;
                }
            }
            case "delete" -> {
                if (n >= 2 && n <= 4) {
                    delete(ctx, t, out);
                    return;
                }
            }
            case "incr", "decr" -> {
                if (n == 3 || n == 4) {
                    arith(ctx, t, cmd.equals("incr"), out);
                    return;
                }
            }
            case "touch" -> {
                if (n == 3 || n == 4) {
                    touch(ctx, t, out);
                    return;
                }
            }
            case "flush_all" -> {
                if (n <= 3) {
                    flushAll(ctx, t, out);
                    return;
                }
            }
            case "version" -> {
                // memcached 1.6 looks at the first token only: "version foo" is a version too.
                send(ctx, out, new TextReply(TextReply.Kind.VERSION, next()), Opcode.VERSION, null, null, 0);
                return;
            }
            case "quit" -> {
                if (n == 1) {
                    end(ctx, out);
                    return;
                }
            }
            case "verbosity" -> {
                if (n == 2 || n == 3) {
                    verbosity(ctx, t, out);
                    return;
                }
            }
            case "stats" -> {
                stats(ctx, t, out);
                return;
            }
            case "mn" -> {
                literal(ctx, out, "MN");
                return;
            }
            case "mg" -> {
                if (n >= 2) {
                    MetaCommands.get(this, ctx, t, out);
                    return;
                }
            }
            case "ms" -> {
                if (n >= 3) {
                    MetaCommands.set(this, ctx, t, out);
                    return;
                }
                if (n == 2) {
                    literal(ctx, out, BAD_FORMAT);
                    return;
                }
            }
            case "md" -> {
                if (n >= 2) {
                    MetaCommands.delete(this, ctx, t, out);
                    return;
                }
            }
            case "ma" -> {
                if (n >= 2) {
                    MetaCommands.arith(this, ctx, t, out);
                    return;
                }
            }
            default -> {
            }
        }
        literal(ctx, out, "ERROR");
    }

    private static boolean noreply(List<String> t) {
        return t.get(t.size() - 1).equals("noreply");
    }

    static boolean keyTooLong(String key) {
        return key.length() > Mcbp.MAX_KEY_LENGTH;
    }

    private void get(ChannelHandlerContext ctx, List<String> t, int from, boolean cas, int exptime, List<Object> out) {
        for (int i = from; i < t.size(); i++) {
            if (keyTooLong(t.get(i))) {
                literal(ctx, out, BAD_FORMAT);
                return;
            }
        }
        boolean touch = exptime >= 0;
        for (int i = from; i < t.size(); i++) {
            boolean last = i == t.size() - 1;
            TextReply r = new TextReply(TextReply.Kind.VALUE, next());
            r.cas = cas;
            r.end = last;
            // Only the last key is asked loudly: its answer (hit or miss) carries the END.
            Opcode op = touch ? (last ? Opcode.GATK : Opcode.GATKQ) : (last ? Opcode.GETK : Opcode.GETKQ);
            send(ctx, out, r, op, touch ? int32(exptime) : null, bytes(t.get(i)), 0);
        }
    }

    private void store(ChannelHandlerContext ctx, List<String> t, String cmd, List<Object> out) {
        boolean noreply = noreply(t);
        String key = t.get(1);
        Long flags = parseUint32(t.get(2));
        Long exptime = parseInt32(t.get(3));
        Long length = parseInt32(t.get(4));
        boolean cas = cmd.equals("cas");
        Long casValue = cas ? parseUint64(t.get(5)) : Long.valueOf(0);
        if (keyTooLong(key) || flags == null || exptime == null || length == null || length < 0 || casValue == null) {
            error(ctx, out, BAD_FORMAT, noreply);
            return;
        }
        Opcode op = switch (cmd) {
            case "add" -> noreply ? Opcode.ADDQ : Opcode.ADD;
            case "replace" -> noreply ? Opcode.REPLACEQ : Opcode.REPLACE;
            case "append" -> noreply ? Opcode.APPENDQ : Opcode.APPEND;
            case "prepend" -> noreply ? Opcode.PREPENDQ : Opcode.PREPEND;
            default -> noreply ? Opcode.SETQ : Opcode.SET;
        };
        TextReply r = new TextReply(TextReply.Kind.STORE, 0);
        r.command = cmd;
        r.noreply = noreply;
        expectData(ctx, out, op, bytes(key), flags.intValue(), positiveTime(exptime), casValue, length, r);
    }

    /** A storage command's line was good: its data block of {@code length} bytes comes next. */
    void expectData(ChannelHandlerContext ctx, List<Object> out, Opcode op, byte[] key, int flags, int exptime,
                    long cas, long length, TextReply reply) {
        if (op == null) {
            // The line was refused after its length was known: its data block is skipped.
            swallow = length + 2;
            return;
        }
        int extras = op == Opcode.APPEND || op == Opcode.APPENDQ || op == Opcode.PREPEND || op == Opcode.PREPENDQ ? 0 : 8;
        if (Mcbp.HEADER_SIZE + extras + key.length + length > maxFrame) {
            error(ctx, out, TOO_LARGE, reply.noreply);
            swallow = length + 2;
            return;
        }
        store = new PendingStore(op, key, flags, exptime, cas, (int) length, reply);
    }

    private void finishStore(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        PendingStore s = store;
        store = null;
        commandsOut++;
        int at = in.readerIndex() + s.length;
        if (in.getByte(at) != '\r' || in.getByte(at + 1) != '\n') {
            in.skipBytes(s.length + 2);
            error(ctx, out, "CLIENT_ERROR bad data chunk", s.reply.noreply);
            return;
        }
        boolean extras = !(s.op == Opcode.APPEND || s.op == Opcode.APPENDQ || s.op == Opcode.PREPEND
                || s.op == Opcode.PREPENDQ);
        int extrasLength = extras ? 8 : 0;
        int opaque = next();
        TextReply r = s.reply;
        TextReply withOpaque = copyWithOpaque(r, opaque);
        int headLength = Mcbp.HEADER_SIZE + extrasLength + s.key.length;
        int body = extrasLength + s.key.length + s.length;
        ByteBuf frame = ctx.alloc().buffer(headLength + (s.length < COPY_BELOW ? s.length : 0));
        try {
            writeRequestHeader(frame, s.op, s.key.length, extrasLength, body, opaque, s.cas);
            if (extras) {
                frame.writeInt(s.flags);
                frame.writeInt(s.exptime);
            }
            frame.writeBytes(s.key);
            if (s.length < COPY_BELOW) {
                frame.writeBytes(in, s.length);
            } else {
                // The value stays where it was read: the frame is the header plus a retained slice.
                CompositeByteBuf composite = ctx.alloc().compositeBuffer(2);
                composite.addComponent(true, frame);
                frame = composite;
                composite.addComponent(true, in.readRetainedSlice(s.length));
            }
            in.skipBytes(2);
        } catch (RuntimeException e) {
            frame.release();
            throw e;
        }
        replies.addLast(withOpaque);
        // Ownership: the session's from here.
        out.add(frame);
        settleQuietRun(ctx, out, s.op);
    }

    /** More quiet requests in a row than this get a NOOP behind them. */
    static final int MAX_QUIET_RUN = 1024;

    /**
     * A quiet request's reply leaves the queue only when a later request is answered; a client that
     * sends nothing but noreply commands would grow the queue without end. So after
     * {@link #MAX_QUIET_RUN} quiet requests in a row a NOOP whose answer writes nothing settles them.
     */
    private void settleQuietRun(ChannelHandlerContext ctx, List<Object> out, Opcode op) {
        if (!op.quiet()) {
            quietRun = 0;
        } else if (++quietRun >= MAX_QUIET_RUN) {
            send(ctx, out, new TextReply(TextReply.Kind.NONE, next()), Opcode.NOOP, null, null, 0);
        }
    }

    private static TextReply copyWithOpaque(TextReply r, int opaque) {
        TextReply c = new TextReply(r.kind, opaque);
        c.noreply = r.noreply;
        c.command = r.command;
        c.cas = r.cas;
        c.key = r.key;
        c.flags = r.flags;
        c.metaOpaque = r.metaOpaque;
        c.quiet = r.quiet;
        return c;
    }

    private void delete(ChannelHandlerContext ctx, List<String> t, List<Object> out) {
        int n = t.size();
        boolean noreply = noreply(t);
        if (n > 2) {
            boolean holdZero = t.get(2).equals("0");
            boolean valid = (n == 3 && (holdZero || noreply)) || (n == 4 && holdZero && noreply);
            if (!valid) {
                error(ctx, out, "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]", noreply);
                return;
            }
        }
        if (keyTooLong(t.get(1))) {
            error(ctx, out, BAD_FORMAT, noreply);
            return;
        }
        TextReply r = new TextReply(TextReply.Kind.DELETE, next());
        r.noreply = noreply;
        send(ctx, out, r, noreply ? Opcode.DELETEQ : Opcode.DELETE, null, bytes(t.get(1)), 0);
    }

    private void arith(ChannelHandlerContext ctx, List<String> t, boolean incr, List<Object> out) {
        boolean noreply = noreply(t);
        if (keyTooLong(t.get(1))) {
            error(ctx, out, BAD_FORMAT, noreply);
            return;
        }
        Long delta = parseUint64(t.get(2));
        if (delta == null) {
            error(ctx, out, "CLIENT_ERROR invalid numeric delta argument", noreply);
            return;
        }
        TextReply r = new TextReply(TextReply.Kind.ARITH, next());
        r.noreply = noreply;
        Opcode op = incr ? (noreply ? Opcode.INCREMENTQ : Opcode.INCREMENT)
                : (noreply ? Opcode.DECREMENTQ : Opcode.DECREMENT);
        send(ctx, out, r, op, arithExtras(delta, 0, -1), bytes(t.get(1)), 0);
    }

    static byte[] arithExtras(long delta, long initial, int exptime) {
        byte[] e = new byte[20];
        for (int i = 0; i < 8; i++) {
            e[i] = (byte) (delta >>> (56 - 8 * i));
            e[8 + i] = (byte) (initial >>> (56 - 8 * i));
        }
        for (int i = 0; i < 4; i++) {
            e[16 + i] = (byte) (exptime >>> (24 - 8 * i));
        }
        return e;
    }

    private void touch(ChannelHandlerContext ctx, List<String> t, List<Object> out) {
        boolean noreply = noreply(t);
        if (keyTooLong(t.get(1))) {
            error(ctx, out, BAD_FORMAT, noreply);
            return;
        }
        Long exptime = parseInt32(t.get(2));
        if (exptime == null) {
            error(ctx, out, BAD_EXPTIME, noreply);
            return;
        }
        TextReply r = new TextReply(TextReply.Kind.TOUCH, next());
        r.noreply = noreply;
        // TOUCH has no quiet form: the encoder keeps a noreply touch's answer to itself.
        send(ctx, out, r, Opcode.TOUCH, int32(positiveTime(exptime)), bytes(t.get(1)), 0);
    }

    private void flushAll(ChannelHandlerContext ctx, List<String> t, List<Object> out) {
        boolean noreply = t.size() > 1 && noreply(t);
        byte[] extras = null;
        if (t.size() > (noreply ? 2 : 1)) {
            Long delay = parseInt32(t.get(1));
            if (delay == null) {
                error(ctx, out, BAD_EXPTIME, noreply);
                return;
            }
            extras = int32(positiveTime(delay));
        }
        TextReply r = new TextReply(TextReply.Kind.OK, next());
        r.noreply = noreply;
        send(ctx, out, r, noreply ? Opcode.FLUSHQ : Opcode.FLUSH, extras, null, 0);
    }

    private void verbosity(ChannelHandlerContext ctx, List<String> t, List<Object> out) {
        boolean noreply = noreply(t);
        Long level = parseUint32(t.get(1));
        if (level == null) {
            error(ctx, out, BAD_FORMAT, noreply);
            return;
        }
        // Answered here, not forwarded: memcached 1.6's binary protocol has no VERBOSITY (it answers
        // 0x81 and closes the connection, which is shared), and a gateway's shards are not one log.
        error(ctx, out, "OK", noreply);
    }

    private void stats(ChannelHandlerContext ctx, List<String> t, List<Object> out) {
        String group = String.join(" ", t.subList(1, t.size()));
        TextReply r = new TextReply(TextReply.Kind.STATS, next());
        r.command = group;
        send(ctx, out, r, Opcode.STAT, null, group.isEmpty() ? null : bytes(group), 0);
    }

    /** quit, or a line memcached would close over: what came before is answered, then the session closes. */
    private void end(ChannelHandlerContext ctx, List<Object> out) {
        ending = true;
        send(ctx, out, new TextReply(TextReply.Kind.NONE, next()), Opcode.QUITQ, null, null, 0);
    }

    /** An error line, unless the command said noreply (memcached keeps those to itself too). */
    void error(ChannelHandlerContext ctx, List<Object> out, String line, boolean noreply) {
        if (!noreply) {
            literal(ctx, out, line);
        }
    }

    /** A line written in its turn: a NOOP through the session carries it. */
    void literal(ChannelHandlerContext ctx, List<Object> out, String line) {
        TextReply r = new TextReply(TextReply.Kind.LITERAL, next());
        r.literal = (line + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
        send(ctx, out, r, Opcode.NOOP, null, null, 0);
    }

    int next() {
        return nextOpaque++;
    }

    /** Queues {@code reply} and hands on its request frame (no value). */
    void send(ChannelHandlerContext ctx, List<Object> out, TextReply reply, Opcode op, byte[] extras, byte[] key,
              long cas) {
        int e = extras == null ? 0 : extras.length;
        int k = key == null ? 0 : key.length;
        ByteBuf frame = ctx.alloc().buffer(Mcbp.HEADER_SIZE + e + k);
        writeRequestHeader(frame, op, k, e, e + k, reply.opaque, cas);
        if (extras != null) {
            frame.writeBytes(extras);
        }
        if (key != null) {
            frame.writeBytes(key);
        }
        replies.addLast(reply);
        // Ownership: the session's from here.
        out.add(frame);
        settleQuietRun(ctx, out, op);
    }

    private static void writeRequestHeader(ByteBuf out, Opcode op, int keyLength, int extrasLength, int body,
                                           int opaque, long cas) {
        Requests.writeHeader(out, op.code(), keyLength, extrasLength, 0, body, opaque, cas);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] int32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    /** memcached's EXPTIME_TO_POSITIVE_TIME: a negative expiry means already expired. */
    static int positiveTime(long exptime) {
        return exptime < 0 ? EXPIRED : (int) exptime;
    }

    /** memcached's safe_strtol on a 32-bit int: digits with an optional sign, nothing after. */
    static Long parseInt32(String s) {
        Long v = parseSigned(s);
        return v == null || v < Integer.MIN_VALUE || v > Integer.MAX_VALUE ? null : v;
    }

    /**
     * memcached's safe_strtoul into a 32-bit field: an unsigned 64-bit number, cut to its low 32 bits
     * (memcached stores 4294967296 as flags 0); a minus sign is refused.
     */
    static Long parseUint32(String s) {
        Long v = parseUint64(s.startsWith("+") ? s.substring(1) : s);
        return v == null ? null : v & 0xffffffffL;
    }

    /** memcached's safe_strtoull: no minus sign, at most 64 bits (returned as a signed long). */
    static Long parseUint64(String s) {
        if (s.isEmpty() || s.length() > 20) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return null;
            }
        }
        try {
            return Long.parseUnsignedLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Long parseSigned(String s) {
        if (s.isEmpty() || s.length() > 20) {
            return null;
        }
        try {
            return Long.parseLong(s.startsWith("+") ? s.substring(1) : s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cancelStallTimer();
        store = null;
    }
}
