package dev.kvgate.mcbp;

import io.netty.buffer.ByteBuf;

/**
 * The checks every mcbp frame header passes before anything looks at the frame, shared by the
 * gateway's decoder and the clients' {@link FrameSplitter}: a magic of the expected direction, framing
 * extras + extras + key within the body, the frame within a maximum size.
 */
public final class HeaderCheck {
    private HeaderCheck() {
    }

    /**
     * Judged on the first byte alone, so that a text client's short "version\r\n" is refused at once.
     *
     * @return null when {@code magic} is one of the direction's magics, else why not
     */
    public static String badMagic(byte magic, boolean requests) {
        if (requests ? Magic.isRequest(magic) : Magic.isResponse(magic)) {
            return null;
        }
        return String.format("bad magic 0x%02x for a %s%s", magic & 0xff, requests ? "request" : "response",
                magic == 0x16 ? " (a TLS handshake sent to a plain listener?)"
                        : magic >= 0x20 && magic < 0x7f ? " (a text protocol command?)" : "");
    }

    /**
     * The lengths of the whole header at {@code in}'s reader index (24 bytes readable, magic checked).
     *
     * @return null when the lengths agree, else why not
     */
    public static String badLengths(ByteBuf in) {
        int base = in.readerIndex();
        long bodyLength = in.getUnsignedInt(base + Mcbp.BODY_LENGTH);
        int framingExtras;
        int keyLength;
        if (Magic.isFlexible(in.getByte(base + Mcbp.MAGIC))) {
            framingExtras = in.getUnsignedByte(base + Mcbp.FLEX_FRAMING_EXTRAS_LENGTH);
            keyLength = in.getUnsignedByte(base + Mcbp.FLEX_KEY_LENGTH);
        } else {
            framingExtras = 0;
            keyLength = in.getUnsignedShort(base + Mcbp.KEY_LENGTH);
        }
        int extras = in.getUnsignedByte(base + Mcbp.EXTRAS_LENGTH);
        if ((long) framingExtras + extras + keyLength > bodyLength) {
            return "framing extras " + framingExtras + " + extras " + extras + " + key " + keyLength
                    + " exceed body length " + bodyLength;
        }
        return null;
    }

    /** The whole frame's length as the header at {@code in}'s reader index announces it (may exceed an int). */
    public static long frameLength(ByteBuf in) {
        return Mcbp.HEADER_SIZE + in.getUnsignedInt(in.readerIndex() + Mcbp.BODY_LENGTH);
    }

    /** The {@link FrameError.Kind#OVERSIZE} error for the header at {@code in}'s reader index. */
    public static FrameError oversize(ByteBuf in, int maxFrame) {
        int base = in.readerIndex();
        return new FrameError(FrameError.Kind.OVERSIZE, in.getByte(base + Mcbp.OPCODE), in.getInt(base + Mcbp.OPAQUE),
                "frame of " + frameLength(in) + " bytes exceeds max-frame " + maxFrame);
    }
}
