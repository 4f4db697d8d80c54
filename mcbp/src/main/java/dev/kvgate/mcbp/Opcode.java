package dev.kvgate.mcbp;

/**
 * The mcbp opcodes kvgate knows, each with how the gateway treats it.
 *
 * <p>A byte that maps to no constant here is an unknown command: kvgate answers it with
 * {@link Status#UNKNOWN_COMMAND} and the client's opaque, as memcached does.
 */
public enum Opcode {
    GET(0x00, Route.KEYED, false),
    SET(0x01, Route.KEYED, false),
    ADD(0x02, Route.KEYED, false),
    REPLACE(0x03, Route.KEYED, false),
    DELETE(0x04, Route.KEYED, false),
    INCREMENT(0x05, Route.KEYED, false),
    DECREMENT(0x06, Route.KEYED, false),
    QUIT(0x07, Route.LOCAL, false),
    FLUSH(0x08, Route.BROADCAST, false),
    GETQ(0x09, Route.KEYED, true),
    NOOP(0x0a, Route.LOCAL, false),
    VERSION(0x0b, Route.LOCAL, false),
    GETK(0x0c, Route.KEYED, false),
    GETKQ(0x0d, Route.KEYED, true),
    APPEND(0x0e, Route.KEYED, false),
    PREPEND(0x0f, Route.KEYED, false),
    STAT(0x10, Route.BROADCAST, false),
    SETQ(0x11, Route.KEYED, true),
    ADDQ(0x12, Route.KEYED, true),
    REPLACEQ(0x13, Route.KEYED, true),
    DELETEQ(0x14, Route.KEYED, true),
    INCREMENTQ(0x15, Route.KEYED, true),
    DECREMENTQ(0x16, Route.KEYED, true),
    QUITQ(0x17, Route.LOCAL, true),
    FLUSHQ(0x18, Route.BROADCAST, true),
    APPENDQ(0x19, Route.KEYED, true),
    PREPENDQ(0x1a, Route.KEYED, true),
    // Answered 0x81 by kvgate, as memcached 1.6 (which does not know it) answers it. Never forwarded:
    // memcached 1.6 holds its answer to an unknown command with a body until the next request comes,
    // so a forwarded VERBOSITY times out and takes the shared backend connection down with it.
    VERBOSITY(0x1b, Route.LOCAL, false),
    TOUCH(0x1c, Route.KEYED, false),
    GAT(0x1d, Route.KEYED, false),
    GATQ(0x1e, Route.KEYED, true),
    HELLO(0x1f, Route.LOCAL, false),
    SASL_LIST_MECHS(0x20, Route.LOCAL, false),
    SASL_AUTH(0x21, Route.LOCAL, false),
    SASL_STEP(0x22, Route.LOCAL, false),
    GATK(0x23, Route.KEYED, false),
    GATKQ(0x24, Route.KEYED, true);

    /** Where a request with this opcode is answered. */
    public enum Route {
        /** By the shard that owns the request's key. */
        KEYED,
        /** By every shard; the client gets one combined answer. */
        BROADCAST,
        /** By the gateway itself. */
        LOCAL
    }

    private static final Opcode[] BY_CODE = new Opcode[256];

    static {
        for (Opcode op : values()) {
            BY_CODE[op.code & 0xff] = op;
        }
    }

    private final byte code;
    private final Route route;
    private final boolean quiet;

    Opcode(int code, Route route, boolean quiet) {
        this.code = (byte) code;
        this.route = route;
        this.quiet = quiet;
    }

    public byte code() {
        return code;
    }

    public Route route() {
        return route;
    }

    /**
     * Quiet commands may be answered with no response at all: GETQ/GETKQ/GATQ stay silent on a miss,
     * the quiet mutations on success. The next response on the same connection settles them.
     */
    public boolean quiet() {
        return quiet;
    }

    /** The opcode for this byte, or {@code null} for an unknown command. */
    public static Opcode of(byte code) {
        return BY_CODE[code & 0xff];
    }
}
