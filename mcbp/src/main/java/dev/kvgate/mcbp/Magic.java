package dev.kvgate.mcbp;

/** The four magic bytes of mcbp: classic and flexible-framing requests and responses. */
public enum Magic {
    REQUEST((byte) 0x80),
    RESPONSE((byte) 0x81),
    /** Request with framing extras ("alt request"): byte 2 is the framing extras length, byte 3 the key length. */
    ALT_REQUEST((byte) 0x08),
    /** Response with framing extras, e.g. the server-duration extra of Tracing. */
    ALT_RESPONSE((byte) 0x18);

    private final byte code;

    Magic(byte code) {
        this.code = code;
    }

    public byte code() {
        return code;
    }

    /** The magic for this byte, or {@code null} when it is none of the four. */
    public static Magic of(byte code) {
        switch (code) {
            case (byte) 0x80: return REQUEST;
            case (byte) 0x81: return RESPONSE;
            case (byte) 0x08: return ALT_REQUEST;
            case (byte) 0x18: return ALT_RESPONSE;
            default: return null;
        }
    }

    public static boolean isRequest(byte code) {
        return code == (byte) 0x80 || code == (byte) 0x08;
    }

    public static boolean isResponse(byte code) {
        return code == (byte) 0x81 || code == (byte) 0x18;
    }

    public static boolean isFlexible(byte code) {
        return code == (byte) 0x08 || code == (byte) 0x18;
    }
}
