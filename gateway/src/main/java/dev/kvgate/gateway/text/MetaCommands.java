package dev.kvgate.gateway.text;

import dev.kvgate.mcbp.Opcode;
import io.netty.channel.ChannelHandlerContext;
import java.util.List;

/**
 * The meta commands (mg, ms, md, ma) as binary requests. Only the flags a binary backend can express
 * are taken; any other flag is answered {@code CLIENT_ERROR invalid flag} (README lists them).
 */
final class MetaCommands {
    private static final String INVALID_FLAG = "CLIENT_ERROR invalid flag";
    private static final String BAD_TOKEN = "CLIENT_ERROR bad token in command line format";
    private static final String BAD_FORMAT = "CLIENT_ERROR bad command line format";

    private MetaCommands() {
    }

    /** The flags after the key, or null (after answering) when one is not taken. */
    private static String flags(TextDecoder d, ChannelHandlerContext ctx, List<String> t, int from, String allowed,
                                List<Object> out) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < t.size(); i++) {
            String tok = t.get(i);
            if (allowed.indexOf(tok.charAt(0)) < 0) {
                d.literal(ctx, out, INVALID_FLAG);
                return null;
            }
            b.append(b.length() == 0 ? "" : " ").append(tok);
        }
        return b.toString();
    }

    private static String arg(List<String> t, int from, char flag) {
        for (int i = from; i < t.size(); i++) {
            if (t.get(i).charAt(0) == flag) {
                return t.get(i).substring(1);
            }
        }
        return null;
    }

    private static TextReply reply(TextDecoder d, TextReply.Kind kind, String key, String flags, List<String> t,
                                   int from) {
        TextReply r = new TextReply(kind, kind == TextReply.Kind.META_SET ? 0 : d.next());
        r.key = key;
        r.flags = flags;
        r.quiet = arg(t, from, 'q') != null;
        r.metaOpaque = arg(t, from, 'O');
        return r;
    }

    static void get(TextDecoder d, ChannelHandlerContext ctx, List<String> t, List<Object> out) {
        String key = t.get(1);
        if (TextDecoder.keyTooLong(key)) {
            d.literal(ctx, out, BAD_FORMAT);
            return;
        }
        String flags = flags(d, ctx, t, 2, "vkfcsqOT", out);
        if (flags == null) {
            return;
        }
        String ttl = arg(t, 2, 'T');
        Long exptime = ttl == null ? null : TextDecoder.parseInt32(ttl);
        if (ttl != null && exptime == null) {
            d.literal(ctx, out, BAD_TOKEN);
            return;
        }
        TextReply r = reply(d, TextReply.Kind.META_GET, key, flags, t, 2);
        Opcode op = exptime != null ? (r.quiet ? Opcode.GATKQ : Opcode.GATK) : (r.quiet ? Opcode.GETKQ : Opcode.GETK);
        d.send(ctx, out, r, op, exptime != null ? TextDecoder.int32(TextDecoder.positiveTime(exptime)) : null,
                TextDecoder.bytes(key), 0);
    }

    static void set(TextDecoder d, ChannelHandlerContext ctx, List<String> t, List<Object> out) {
        String key = t.get(1);
        Long length = TextDecoder.parseInt32(t.get(2));
        if (length == null || length < 0) {
            d.literal(ctx, out, BAD_FORMAT);
            return;
        }
        String flags = TextDecoder.keyTooLong(key) ? null : flags(d, ctx, t, 3, "FTCqOkcM", out);
        if (TextDecoder.keyTooLong(key)) {
            d.literal(ctx, out, BAD_FORMAT);
        }
        Long clientFlags = 0L;
        Long ttl = 0L;
        Long cas = 0L;
        String mode = "S";
        if (flags != null) {
            String f = arg(t, 3, 'F');
            String tt = arg(t, 3, 'T');
            String c = arg(t, 3, 'C');
            String m = arg(t, 3, 'M');
            clientFlags = f == null ? Long.valueOf(0) : TextDecoder.parseUint32(f);
            ttl = tt == null ? Long.valueOf(0) : TextDecoder.parseInt32(tt);
            cas = c == null ? Long.valueOf(0) : TextDecoder.parseUint64(c);
            mode = m == null ? "S" : m.toUpperCase(java.util.Locale.ROOT);
            if (clientFlags == null || ttl == null || cas == null) {
                d.literal(ctx, out, BAD_TOKEN);
                flags = null;
            } else if (mode.length() != 1 || "SEAPR".indexOf(mode.charAt(0)) < 0) {
                d.literal(ctx, out, "CLIENT_ERROR invalid mode for ms STORE");
                flags = null;
            }
        }
        if (flags == null) {
            // The data block is known to follow: skip it, as memcached does.
            d.expectData(ctx, out, null, null, 0, 0, 0, length, null);
            return;
        }
        TextReply r = reply(d, TextReply.Kind.META_SET, key, flags, t, 3);
        r.command = mode;
        r.cas = cas != 0;
        boolean q = r.quiet;
        Opcode op = switch (mode.charAt(0)) {
            case 'E' -> q ? Opcode.ADDQ : Opcode.ADD;
            case 'A' -> q ? Opcode.APPENDQ : Opcode.APPEND;
            case 'P' -> q ? Opcode.PREPENDQ : Opcode.PREPEND;
            case 'R' -> q ? Opcode.REPLACEQ : Opcode.REPLACE;
            default -> q ? Opcode.SETQ : Opcode.SET;
        };
        d.expectData(ctx, out, op, TextDecoder.bytes(key), clientFlags.intValue(), TextDecoder.positiveTime(ttl), cas,
                length, r);
    }

    static void delete(TextDecoder d, ChannelHandlerContext ctx, List<String> t, List<Object> out) {
        String key = t.get(1);
        if (TextDecoder.keyTooLong(key)) {
            d.literal(ctx, out, BAD_FORMAT);
            return;
        }
        String flags = flags(d, ctx, t, 2, "qOkC", out);
        if (flags == null) {
            return;
        }
        String c = arg(t, 2, 'C');
        Long cas = c == null ? Long.valueOf(0) : TextDecoder.parseUint64(c);
        if (cas == null) {
            d.literal(ctx, out, BAD_TOKEN);
            return;
        }
        TextReply r = reply(d, TextReply.Kind.META_DELETE, key, flags, t, 2);
        d.send(ctx, out, r, r.quiet ? Opcode.DELETEQ : Opcode.DELETE, null, TextDecoder.bytes(key), cas);
    }

    static void arith(TextDecoder d, ChannelHandlerContext ctx, List<String> t, List<Object> out) {
        String key = t.get(1);
        if (TextDecoder.keyTooLong(key)) {
            d.literal(ctx, out, BAD_FORMAT);
            return;
        }
        String flags = flags(d, ctx, t, 2, "NJDMqOkvc", out);
        if (flags == null) {
            return;
        }
        String n = arg(t, 2, 'N');
        String j = arg(t, 2, 'J');
        String dl = arg(t, 2, 'D');
        String m = arg(t, 2, 'M');
        Long ttl = n == null ? Long.valueOf(0) : TextDecoder.parseInt32(n);
        Long initial = j == null ? Long.valueOf(0) : TextDecoder.parseUint64(j);
        Long delta = dl == null ? Long.valueOf(1) : TextDecoder.parseUint64(dl);
        if (ttl == null || initial == null || delta == null) {
            d.literal(ctx, out, BAD_TOKEN);
            return;
        }
        boolean incr = m == null || m.equals("I") || m.equals("i") || m.equals("+");
        if (!incr && !(m.equals("D") || m.equals("d") || m.equals("-"))) {
            d.literal(ctx, out, "CLIENT_ERROR invalid mode for ma MODE");
            return;
        }
        TextReply r = reply(d, TextReply.Kind.META_ARITH, key, flags, t, 2);
        // A quiet binary incr would keep the value to itself: only a q without v goes quiet.
        boolean quiet = r.quiet && arg(t, 2, 'v') == null;
        Opcode op = incr ? (quiet ? Opcode.INCREMENTQ : Opcode.INCREMENT) : (quiet ? Opcode.DECREMENTQ : Opcode.DECREMENT);
        int exptime = n == null ? -1 : TextDecoder.positiveTime(ttl);
        d.send(ctx, out, r, op, TextDecoder.arithExtras(delta, initial, exptime), TextDecoder.bytes(key), 0);
    }
}
