package dev.kvgate.mcbp;

/** mcbp response status codes that kvgate produces or has to recognise. */
public enum Status {
    SUCCESS(0x0000, "Success"),
    KEY_NOT_FOUND(0x0001, "Not found"),
    KEY_EXISTS(0x0002, "Data exists for key."),
    VALUE_TOO_LARGE(0x0003, "Too large."),
    INVALID_ARGUMENTS(0x0004, "Invalid arguments"),
    ITEM_NOT_STORED(0x0005, "Not stored."),
    NON_NUMERIC(0x0006, "Non-numeric server-side value for incr or decr"),
    VBUCKET_NOT_HERE(0x0007, "Not my vbucket"),
    AUTH_ERROR(0x0020, "Auth failure."),
    AUTH_CONTINUE(0x0021, "Auth continue"),
    RANGE_ERROR(0x0022, "Range error"),
    UNKNOWN_COMMAND(0x0081, "Unknown command"),
    OUT_OF_MEMORY(0x0082, "Out of memory"),
    NOT_SUPPORTED(0x0083, "Not supported"),
    INTERNAL_ERROR(0x0084, "Internal error"),
    BUSY(0x0085, "Busy"),
    TEMPORARY_FAILURE(0x0086, "Temporary failure");

    private final short code;
    private final String message;
    private final byte[] messageBytes;
    private final byte[] xerrorBytes;

    Status(int code, String message) {
        this.code = (short) code;
        this.message = message;
        this.messageBytes = message.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        this.xerrorBytes = ("{\"error\":{\"context\":\"" + message + "\"}}")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** {@link #message()} as bytes, encoded once. Callers must not modify the array. */
    byte[] messageBytes() {
        return messageBytes;
    }

    /** The XERROR body for this status, encoded once. Callers must not modify the array. */
    byte[] xerrorBytes() {
        return xerrorBytes;
    }

    public short code() {
        return code;
    }

    /** The text memcached puts in the body of an error response with this status. */
    public String message() {
        return message;
    }

    /** The status for this code, or {@code null} when kvgate does not know it. */
    public static Status of(int code) {
        for (Status s : values()) {
            if ((s.code & 0xffff) == (code & 0xffff)) {
                return s;
            }
        }
        return null;
    }
}
