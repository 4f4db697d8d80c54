package dev.kvgate.mcbp;

import io.netty.buffer.ByteBuf;

/**
 * Header layout of a memcached binary protocol frame and absolute getters on it.
 *
 * <p>Every method reads relative to the frame's {@code readerIndex()}, so it works on a retained
 * slice handed on by the frame decoder as well as on a buffer that holds more than one frame. None
 * of them move indexes, so a frame can be inspected and then forwarded unchanged.
 */
public final class Mcbp {
    public static final int HEADER_SIZE = 24;

    public static final int MAGIC = 0;
    public static final int OPCODE = 1;
    /** 16-bit key length for magics 0x80/0x81; for the flexible magics byte 2 is the framing extras length. */
    public static final int KEY_LENGTH = 2;
    public static final int FLEX_FRAMING_EXTRAS_LENGTH = 2;
    public static final int FLEX_KEY_LENGTH = 3;
    public static final int EXTRAS_LENGTH = 4;
    public static final int DATATYPE = 5;
    /** vbucket id in a request, status in a response. */
    public static final int VBUCKET = 6;
    public static final int STATUS = 6;
    public static final int BODY_LENGTH = 8;
    public static final int OPAQUE = 12;
    public static final int CAS = 16;

    /** The largest key memcached accepts. */
    public static final int MAX_KEY_LENGTH = 250;

    private Mcbp() {
    }

    public static byte magic(ByteBuf frame) {
        return frame.getByte(frame.readerIndex() + MAGIC);
    }

    public static byte opcode(ByteBuf frame) {
        return frame.getByte(frame.readerIndex() + OPCODE);
    }

    public static boolean isFlexible(ByteBuf frame) {
        return Magic.isFlexible(magic(frame));
    }

    public static int framingExtrasLength(ByteBuf frame) {
        return isFlexible(frame) ? frame.getUnsignedByte(frame.readerIndex() + FLEX_FRAMING_EXTRAS_LENGTH) : 0;
    }

    public static int keyLength(ByteBuf frame) {
        int base = frame.readerIndex();
        return isFlexible(frame)
                ? frame.getUnsignedByte(base + FLEX_KEY_LENGTH)
                : frame.getUnsignedShort(base + KEY_LENGTH);
    }

    public static int extrasLength(ByteBuf frame) {
        return frame.getUnsignedByte(frame.readerIndex() + EXTRAS_LENGTH);
    }

    public static int status(ByteBuf frame) {
        return frame.getUnsignedShort(frame.readerIndex() + STATUS);
    }

    public static int vbucket(ByteBuf frame) {
        return frame.getUnsignedShort(frame.readerIndex() + VBUCKET);
    }

    /** Body length as an unsigned 32-bit value. */
    public static long bodyLength(ByteBuf frame) {
        return frame.getUnsignedInt(frame.readerIndex() + BODY_LENGTH);
    }

    public static int opaque(ByteBuf frame) {
        return frame.getInt(frame.readerIndex() + OPAQUE);
    }

    public static void setOpaque(ByteBuf frame, int opaque) {
        frame.setInt(frame.readerIndex() + OPAQUE, opaque);
    }

    public static long cas(ByteBuf frame) {
        return frame.getLong(frame.readerIndex() + CAS);
    }

    /** Absolute index of the first extras byte (after any framing extras). */
    public static int extrasIndex(ByteBuf frame) {
        return frame.readerIndex() + HEADER_SIZE + framingExtrasLength(frame);
    }

    /** Absolute index of the first key byte. */
    public static int keyIndex(ByteBuf frame) {
        return extrasIndex(frame) + extrasLength(frame);
    }

    /** Absolute index of the first value byte. */
    public static int valueIndex(ByteBuf frame) {
        return keyIndex(frame) + keyLength(frame);
    }

    public static int valueLength(ByteBuf frame) {
        return (int) bodyLength(frame) - framingExtrasLength(frame) - extrasLength(frame) - keyLength(frame);
    }

    /** Whole frame size: header plus body. */
    public static int frameLength(ByteBuf frame) {
        return HEADER_SIZE + (int) bodyLength(frame);
    }
}
