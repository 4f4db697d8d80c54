package dev.kvgate.gateway.log;

import io.netty.buffer.ByteBuf;

/**
 * Renders what a client sent (user names, SASL mechanisms, certificate fields, keys) for a log line
 * so that it stays on that line and reads as what it is: a client cannot start a forged line, hide
 * text from a terminal or reorder it with bidi controls, or blow a line up to megabytes.
 *
 * <p>{@link #text} keeps printable characters, any script included, and escapes visibly: {@code \\}
 * for a backslash (so an escape in the output always means kvgate wrote it), {@code \n \r \t},
 * {@code \xNN} for the other C0 and C1 controls and DEL, <code>&#92;uNNNN</code> (per UTF-16 unit) for format
 * characters (bidi embeddings, overrides and isolates, zero-width characters, BOM, tag characters),
 * U+2028/U+2029, unassigned and private-use code points and lone surrogates. Past the
 * maximum it cuts and appends {@code ...(+N)}, N the characters left out. {@link #bytes} does the
 * same for raw bytes: printable ASCII as is, every other byte {@code \xNN}.
 */
public final class LogSafe {
    /** Characters (or bytes) shown by default: a user name or a key, not a payload. */
    public static final int DEFAULT_MAX = 64;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private LogSafe() {
    }

    /** {@link #text(CharSequence, int)} with {@link #DEFAULT_MAX}. */
    public static String text(CharSequence s) {
        return text(s, DEFAULT_MAX);
    }

    /**
     * {@code s} escaped as described on the class, at most {@code max} of its characters shown;
     * {@code "null"} for null.
     */
    public static String text(CharSequence s, int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max < 0: " + max);
        }
        if (s == null) {
            return "null";
        }
        int length = s.length();
        int shown = Math.min(length, max);
        // A surrogate pair is one character to a reader: cut before it, not through it.
        if (shown > 0 && shown < length && Character.isHighSurrogate(s.charAt(shown - 1))
                && Character.isLowSurrogate(s.charAt(shown))) {
            shown--;
        }
        int clean = 0;
        while (clean < shown) {
            int cp = Character.codePointAt(s, clean);
            if (!safe(cp)) {
                break;
            }
            clean += Character.charCount(cp);
        }
        if (clean == length) {
            return s.toString();
        }
        StringBuilder out = new StringBuilder(shown + 16);
        out.append(s, 0, clean);
        for (int i = clean; i < shown; ) {
            int cp = Character.codePointAt(s, i);
            int n = Character.charCount(cp);
            if (safe(cp)) {
                out.append(s, i, i + n);
            } else {
                for (int j = i; j < i + n; j++) {
                    escape(out, s.charAt(j));
                }
            }
            i += n;
        }
        return truncated(out, length - shown);
    }

    /** {@link #bytes(byte[], int)} with {@link #DEFAULT_MAX}. */
    public static String bytes(byte[] b) {
        return bytes(b, DEFAULT_MAX);
    }

    /** Printable ASCII as is ({@code \\} for a backslash), every other byte {@code \xNN}; {@code "null"} for null. */
    public static String bytes(byte[] b, int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max < 0: " + max);
        }
        if (b == null) {
            return "null";
        }
        int shown = Math.min(b.length, max);
        StringBuilder out = new StringBuilder(shown + 16);
        for (int i = 0; i < shown; i++) {
            appendByte(out, b[i]);
        }
        return truncated(out, b.length - shown);
    }

    /** The readable bytes of {@code buf} as {@link #bytes(byte[], int)}; indexes are left alone. */
    public static String bytes(ByteBuf buf, int max) {
        return buf == null ? "null" : bytes(buf, buf.readerIndex(), buf.readableBytes(), max);
    }

    /**
     * {@code length} bytes of {@code buf} from {@code index} (a key inside a frame, say) as
     * {@link #bytes(byte[], int)}; indexes are left alone, nothing is copied but what is shown.
     */
    public static String bytes(ByteBuf buf, int index, int length, int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max < 0: " + max);
        }
        if (buf == null) {
            return "null";
        }
        int shown = Math.min(length, max);
        StringBuilder out = new StringBuilder(shown + 16);
        for (int i = 0; i < shown; i++) {
            appendByte(out, buf.getByte(index + i));
        }
        return truncated(out, length - shown);
    }

    private static String truncated(StringBuilder out, int left) {
        if (left > 0) {
            out.append("...(+").append(left).append(')');
        }
        return out.toString();
    }

    private static boolean safe(int cp) {
        if (cp >= 0x20 && cp < 0x7f) {
            return cp != '\\';
        }
        if (cp < 0xa0) {
            return false; // C0, DEL, C1 (NEL U+0085 among them)
        }
        return switch (Character.getType(cp)) {
            // Format covers the bidi embeddings, overrides and isolates, zero-width characters, the BOM and
            // the invisible tag characters; unassigned and private-use ones have no agreed rendering.
            case Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.CONTROL,
                    Character.SURROGATE, Character.UNASSIGNED, Character.PRIVATE_USE -> false;
            default -> true;
        };
    }

    private static void escape(StringBuilder out, char c) {
        switch (c) {
            case '\n' -> out.append("\\n");
            case '\r' -> out.append("\\r");
            case '\t' -> out.append("\\t");
            case '\\' -> out.append("\\\\");
            default -> {
                if (c < 0x100) {
                    out.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
                } else {
                    out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf])
                            .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
                }
            }
        }
    }

    private static void appendByte(StringBuilder out, byte b) {
        int v = b & 0xff;
        if (v == '\\') {
            out.append("\\\\");
        } else if (v >= 0x20 && v < 0x7f) {
            out.append((char) v);
        } else {
            out.append("\\x").append(HEX[v >> 4]).append(HEX[v & 0xf]);
        }
    }
}
