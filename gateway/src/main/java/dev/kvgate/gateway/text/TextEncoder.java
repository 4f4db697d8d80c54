package dev.kvgate.gateway.text;

import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the session's binary answers to a text client as memcached's text and meta answers. The
 * session writes answers in request order, so they meet the {@link TextReply} queue in order: a
 * reply whose opaque is passed over was a quiet request that stayed silent (a get miss, a noreply
 * success), which in text is nothing at all.
 *
 * <p>Ownership: each buffer written to this handler is released here; a value going back to the
 * client is a retained slice of the backend's answer (no copy) unless it is small.
 */
public final class TextEncoder extends ChannelOutboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TextEncoder.class);
    private static final int COPY_BELOW = 1024;
    private static final byte[] CRLF = {'\r', '\n'};

    private final ArrayDeque<TextReply> replies;

    public TextEncoder(ArrayDeque<TextReply> replies) {
        this.replies = replies;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf in) || !in.isReadable()) {
            ctx.write(msg, promise);
            return;
        }
        Out out = new Out(ctx);
        try {
            while (in.readableBytes() >= Mcbp.HEADER_SIZE) {
                int length = Mcbp.frameLength(in);
                if (length > in.readableBytes()) {
                    break;
                }
                answer(in.slice(in.readerIndex(), length), out);
                in.skipBytes(length);
            }
        } finally {
            in.release();
        }
        out.finish(promise);
    }

    /** One binary answer, seen through a slice of the written buffer (not retained). */
    private void answer(ByteBuf frame, Out out) {
        int opaque = Mcbp.opaque(frame);
        TextReply r;
        while ((r = replies.peekFirst()) != null && r.opaque - opaque < 0) {
            // Passed over (opaques count up): a quiet request that succeeded (or missed) in silence.
            replies.pollFirst();
        }
        if (r == null || r.opaque != opaque) {
            log.debug("{}: an answer with opaque {} matches no text command", out.ctx.channel(), opaque);
            return;
        }
        int status = Mcbp.status(frame);
        if (r.kind == TextReply.Kind.STATS && status == 0 && Mcbp.keyLength(frame) > 0) {
            out.text("STAT ").bytes(frame, Mcbp.keyIndex(frame), Mcbp.keyLength(frame)).text(" ")
                    .bytes(frame, Mcbp.valueIndex(frame), Mcbp.valueLength(frame)).crlf();
            return;
        }
        replies.pollFirst();
        if (r.noreply) {
            return;
        }
        switch (r.kind) {
            case VALUE -> value(r, frame, status, out);
            case STORE -> out.line(switch (status) {
                case 0x00 -> "STORED";
                case 0x01 -> r.command.equals("cas") ? "NOT_FOUND" : "NOT_STORED";
                case 0x02 -> r.command.equals("cas") ? "EXISTS" : "NOT_STORED";
                case 0x05 -> "NOT_STORED";
                default -> error(status);
            });
            case DELETE -> out.line(status == 0 ? "DELETED" : status == 1 ? "NOT_FOUND" : error(status));
            case TOUCH -> out.line(status == 0 ? "TOUCHED" : status == 1 ? "NOT_FOUND" : error(status));
            case ARITH -> out.line(status == 0 ? Long.toUnsignedString(frame.getLong(Mcbp.valueIndex(frame)))
                    : status == 1 ? "NOT_FOUND" : error(status));
            case OK -> out.line(status == 0 ? "OK" : error(status));
            case VERSION -> {
                if (status == 0) {
                    out.text("VERSION ").bytes(frame, Mcbp.valueIndex(frame), Mcbp.valueLength(frame)).crlf();
                } else {
                    out.line(error(status));
                }
            }
            case STATS -> out.line(status == 0 ? (r.command.equals("reset") ? "RESET" : "END")
                    : status == 1 ? "ERROR" : error(status));
            case LITERAL -> out.raw(r.literal);
            case META_GET -> metaGet(r, frame, status, out);
            case META_SET -> {
                switch (status) {
                    case 0x00 -> metaLine(out, "HD", r, frame, true);
                    case 0x01 -> metaLine(out, r.cas ? "NF" : "NS", r, frame, false);
                    case 0x02 -> metaLine(out, r.command.equals("E") ? "NS" : "EX", r, frame, false);
                    case 0x05 -> metaLine(out, "NS", r, frame, false);
                    default -> out.line(error(status));
                }
            }
            case META_DELETE -> {
                switch (status) {
                    case 0x00 -> metaLine(out, "HD", r, frame, false);
                    case 0x01 -> metaLine(out, "NF", r, frame, false);
                    case 0x02 -> metaLine(out, "EX", r, frame, false);
                    default -> out.line(error(status));
                }
            }
            case META_ARITH -> metaArith(r, frame, status, out);
            default -> {
            }
        }
    }

    private static void value(TextReply r, ByteBuf frame, int status, Out out) {
        if (status == 0) {
            int extras = Mcbp.extrasIndex(frame);
            long flags = Mcbp.extrasLength(frame) >= 4 ? frame.getUnsignedInt(extras) : 0;
            out.text("VALUE ").bytes(frame, Mcbp.keyIndex(frame), Mcbp.keyLength(frame))
                    .text(" " + flags + " " + Mcbp.valueLength(frame));
            if (r.cas) {
                out.text(" " + Long.toUnsignedString(Mcbp.cas(frame)));
            }
            out.crlf().value(frame).crlf();
        } else if (status != 1) {
            out.line(error(status));
        }
        if (r.end) {
            out.line("END");
        }
    }

    private static void metaGet(TextReply r, ByteBuf frame, int status, Out out) {
        if (status == 1) {
            metaLine(out, "EN", r, frame, false);
            return;
        }
        if (status != 0) {
            out.line(error(status));
            return;
        }
        boolean v = has(r.flags, 'v');
        if (v) {
            out.text("VA " + Mcbp.valueLength(frame));
        } else {
            out.text("HD");
        }
        returnFlags(out, r, frame, true);
        out.crlf();
        if (v) {
            out.value(frame).crlf();
        }
    }

    private static void metaArith(TextReply r, ByteBuf frame, int status, Out out) {
        switch (status) {
            case 0x00 -> {
                if (has(r.flags, 'v')) {
                    String n = Long.toUnsignedString(frame.getLong(Mcbp.valueIndex(frame)));
                    out.text("VA " + n.length());
                    returnFlags(out, r, frame, true);
                    out.crlf().line(n);
                } else {
                    metaLine(out, "HD", r, frame, true);
                }
            }
            case 0x01 -> metaLine(out, "NF", r, frame, false);
            case 0x02 -> metaLine(out, "EX", r, frame, false);
            default -> out.line(error(status));
        }
    }

    private static void metaLine(Out out, String code, TextReply r, ByteBuf frame, boolean hit) {
        out.text(code);
        returnFlags(out, r, frame, hit);
        out.crlf();
    }

    /** The flags memcached echoes, in the order the client gave them; item flags only on a hit. */
    private static void returnFlags(Out out, TextReply r, ByteBuf frame, boolean hit) {
        if (r.flags.isEmpty()) {
            return;
        }
        for (String tok : r.flags.split(" ")) {
            switch (tok.charAt(0)) {
                case 'O' -> out.text(" " + tok);
                case 'k' -> out.text(" k" + r.key);
                case 'c' -> {
                    if (hit) {
                        out.text(" c" + Long.toUnsignedString(Mcbp.cas(frame)));
                    }
                }
                case 'f' -> {
                    if (hit && r.kind == TextReply.Kind.META_GET) {
                        out.text(" f" + (Mcbp.extrasLength(frame) >= 4 ? frame.getUnsignedInt(Mcbp.extrasIndex(frame)) : 0));
                    }
                }
                case 's' -> {
                    if (hit && r.kind == TextReply.Kind.META_GET) {
                        out.text(" s" + Mcbp.valueLength(frame));
                    }
                }
                default -> {
                }
            }
        }
    }

    private static boolean has(String flags, char f) {
        for (String tok : flags.split(" ")) {
            if (!tok.isEmpty() && tok.charAt(0) == f) {
                return true;
            }
        }
        return false;
    }

    /** memcached's words for a binary failure status. */
    static String error(int status) {
        if (status == Status.VALUE_TOO_LARGE.code()) {
            return "SERVER_ERROR object too large for cache";
        } else if (status == Status.OUT_OF_MEMORY.code()) {
            return "SERVER_ERROR out of memory storing object";
        } else if (status == Status.NON_NUMERIC.code()) {
            return "CLIENT_ERROR cannot increment or decrement non-numeric value";
        } else if (status == Status.AUTH_ERROR.code()) {
            return "CLIENT_ERROR unauthenticated";
        } else if (status == Status.INVALID_ARGUMENTS.code()) {
            return "CLIENT_ERROR bad command line format";
        } else if (status == Status.UNKNOWN_COMMAND.code()) {
            return "ERROR";
        } else if (status == Status.TEMPORARY_FAILURE.code()) {
            return "SERVER_ERROR backend failure";
        }
        return String.format("SERVER_ERROR status 0x%02x", status);
    }

    /**
     * What one write becomes: text lines gathered in one buffer; a large value written as a retained
     * slice of the answer between them.
     */
    private static final class Out {
        final ChannelHandlerContext ctx;
        ByteBuf text;

        Out(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        private ByteBuf buf() {
            if (text == null) {
                text = ctx.alloc().buffer(128);
            }
            return text;
        }

        Out text(String s) {
            buf().writeCharSequence(s, StandardCharsets.ISO_8859_1);
            return this;
        }

        Out line(String s) {
            return text(s).crlf();
        }

        Out raw(byte[] b) {
            buf().writeBytes(b);
            return this;
        }

        Out crlf() {
            buf().writeBytes(CRLF);
            return this;
        }

        Out bytes(ByteBuf from, int index, int length) {
            buf().writeBytes(from, index, length);
            return this;
        }

        Out value(ByteBuf frame) {
            int length = Mcbp.valueLength(frame);
            if (length < COPY_BELOW) {
                return bytes(frame, Mcbp.valueIndex(frame), length);
            }
            if (text != null) {
                ctx.write(text, ctx.voidPromise());
                text = null;
            }
            // Ownership: the transport's; the answer it shares bytes with is released by write().
            ctx.write(frame.retainedSlice(Mcbp.valueIndex(frame), length), ctx.voidPromise());
            return this;
        }

        void finish(ChannelPromise promise) {
            if (text != null) {
                ctx.write(text, promise);
                text = null;
            } else {
                ctx.write(io.netty.buffer.Unpooled.EMPTY_BUFFER, promise);
            }
        }
    }
}
