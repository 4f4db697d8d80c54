package dev.kvgate.mcbp;

/** HELLO feature codes kvgate implements (kv_engine's include/mcbp/protocol/feature.h numbering). */
public enum Feature {
    TCPNODELAY(0x03),
    TCPDELAY(0x05),
    /** Error responses carry a JSON body ({"error":{"context":...}}) instead of plain text. */
    XERROR(0x07),
    /** Answers may leave in completion order; non-keyed commands stay barriers. */
    UNORDERED_EXECUTION(0x0e),
    /** Responses carry the server-duration framing extra (magic 0x18). */
    TRACING(0x0f),
    /** Requests with framing extras (magic 0x08) are accepted. */
    ALT_REQUEST_SUPPORT(0x10);

    private final short code;

    Feature(int code) {
        this.code = (short) code;
    }

    public short code() {
        return code;
    }

    /** The feature for this code, or {@code null} when kvgate does not implement it. */
    public static Feature of(int code) {
        for (Feature f : values()) {
            if ((f.code & 0xffff) == code) {
                return f;
            }
        }
        return null;
    }
}
