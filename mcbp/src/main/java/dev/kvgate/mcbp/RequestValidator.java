package dev.kvgate.mcbp;

import io.netty.buffer.ByteBuf;
import java.util.Collection;

/**
 * Judges every well-framed request against what its opcode allows, before anything routes it: the
 * extras length(s), whether a key is required, optional or forbidden, whether a value is allowed,
 * the key length (1..250 where a key is given) and the datatype (raw bytes: kvgate negotiates no
 * datatype feature).
 *
 * <p>Why at the edge: a backend connection is shared by many clients, and memcached answers a request
 * its opcode does not allow with an error and then closes the connection, failing every other
 * client's request in flight on it. The rules are memcached 1.6's ({@code dispatch_bin_command} in
 * proto_bin.c), with the value also forbidden where memcached would read the surplus bytes as the
 * next command (TOUCH, GAT, STAT), and HELLO, VERBOSITY as kv_engine documents them.
 *
 * <p>One table lookup and a few compares per frame; immutable, so one instance serves every loop.
 */
public final class RequestValidator {
    /** What {@link #check} found. */
    public enum Verdict {
        VALID,
        /** Well framed, but not a shape the opcode allows: answer 0x04, never forward. */
        INVALID,
        /** Neither known to kvgate nor configured as pass-through: answer 0x81. */
        UNKNOWN
    }

    // Rule bits per opcode. Extras: one bit per allowed length.
    private static final int EXTRAS_0 = 1;
    private static final int EXTRAS_4 = 1 << 1;
    private static final int EXTRAS_8 = 1 << 2;
    private static final int EXTRAS_20 = 1 << 3;
    private static final int KEY_REQUIRED = 1 << 4;
    private static final int KEY_OPTIONAL = 1 << 5;
    private static final int VALUE_ANY = 1 << 6;
    /** The value is a list of 16-bit words (HELLO's features). */
    private static final int VALUE_EVEN = 1 << 7;
    private static final int KNOWN = 1 << 8;
    /** An opcode kvgate does not know, forwarded by key as the operator asked: only generic checks. */
    private static final int PASS_THROUGH = 1 << 9;

    private static final int[] DEFAULT_RULES = new int[256];

    static {
        rule(EXTRAS_0 | KEY_REQUIRED, Opcode.GET, Opcode.GETQ, Opcode.GETK, Opcode.GETKQ, Opcode.DELETE,
                Opcode.DELETEQ);
        rule(EXTRAS_8 | KEY_REQUIRED | VALUE_ANY, Opcode.SET, Opcode.SETQ, Opcode.ADD, Opcode.ADDQ, Opcode.REPLACE,
                Opcode.REPLACEQ);
        rule(EXTRAS_0 | KEY_REQUIRED | VALUE_ANY, Opcode.APPEND, Opcode.APPENDQ, Opcode.PREPEND, Opcode.PREPENDQ);
        rule(EXTRAS_20 | KEY_REQUIRED, Opcode.INCREMENT, Opcode.INCREMENTQ, Opcode.DECREMENT, Opcode.DECREMENTQ);
        rule(EXTRAS_4 | KEY_REQUIRED, Opcode.TOUCH, Opcode.GAT, Opcode.GATQ, Opcode.GATK, Opcode.GATKQ);
        rule(EXTRAS_0 | EXTRAS_4, Opcode.FLUSH, Opcode.FLUSHQ);
        rule(EXTRAS_0, Opcode.NOOP, Opcode.VERSION, Opcode.QUIT, Opcode.QUITQ, Opcode.SASL_LIST_MECHS);
        rule(EXTRAS_0 | KEY_OPTIONAL, Opcode.STAT);
        rule(EXTRAS_4, Opcode.VERBOSITY);
        rule(EXTRAS_0 | KEY_OPTIONAL | VALUE_EVEN, Opcode.HELLO);
        rule(EXTRAS_0 | KEY_REQUIRED | VALUE_ANY, Opcode.SASL_AUTH, Opcode.SASL_STEP);
        for (Opcode op : Opcode.values()) {
            if (DEFAULT_RULES[op.code() & 0xff] == 0) {
                throw new ExceptionInInitializerError("no validation rule for " + op);
            }
        }
    }

    private static void rule(int bits, Opcode... ops) {
        for (Opcode op : ops) {
            DEFAULT_RULES[op.code() & 0xff] = bits | KNOWN;
        }
    }

    /** memcached's rules and nothing passed through. */
    public static final RequestValidator STRICT = new RequestValidator(java.util.List.of());

    private final int[] rules;

    /**
     * @param passThrough opcodes kvgate does not know that are forwarded anyway (to the key's shard,
     *                    so they need a key); an opcode kvgate knows keeps its own rule
     */
    public RequestValidator(Collection<Integer> passThrough) {
        rules = DEFAULT_RULES.clone();
        for (int code : passThrough) {
            if (code < 0 || code > 255) {
                throw new IllegalArgumentException("opcode out of range: " + code);
            }
            if ((rules[code] & KNOWN) != 0) {
                throw new IllegalArgumentException(String.format("opcode 0x%02x is known to kvgate; it cannot be pass-through", code));
            }
            rules[code] = PASS_THROUGH | KEY_REQUIRED | VALUE_ANY;
        }
    }

    /** Whether {@code code} is an unknown opcode the operator listed as pass-through. */
    public boolean passThrough(byte code) {
        return (rules[code & 0xff] & PASS_THROUGH) != 0;
    }

    /**
     * Judges a request frame whose framing the decoder already checked (framing extras + extras + key
     * within the body). Reads the header only; moves no index.
     */
    public Verdict check(ByteBuf frame) {
        int base = frame.readerIndex();
        int rule = rules[frame.getByte(base + Mcbp.OPCODE) & 0xff];
        if (rule == 0) {
            return Verdict.UNKNOWN;
        }
        if (frame.getByte(base + Mcbp.DATATYPE) != 0) {
            return Verdict.INVALID;
        }
        int keyLength = Mcbp.keyLength(frame);
        int extras = frame.getUnsignedByte(base + Mcbp.EXTRAS_LENGTH);
        int value = Mcbp.valueLength(frame);
        if (keyLength == 0 ? (rule & KEY_REQUIRED) != 0
                : keyLength > Mcbp.MAX_KEY_LENGTH || (rule & (KEY_REQUIRED | KEY_OPTIONAL)) == 0) {
            return Verdict.INVALID;
        }
        if ((rule & PASS_THROUGH) != 0) {
            return Verdict.VALID;
        }
        int extrasBit = switch (extras) {
            case 0 -> EXTRAS_0;
            case 4 -> EXTRAS_4;
            case 8 -> EXTRAS_8;
            case 20 -> EXTRAS_20;
            default -> 0;
        };
        if ((rule & extrasBit) == 0) {
            return Verdict.INVALID;
        }
        if (value != 0 && ((rule & VALUE_ANY) == 0 && ((rule & VALUE_EVEN) == 0 || (value & 1) != 0))) {
            return Verdict.INVALID;
        }
        return Verdict.VALID;
    }

    /**
     * The rule for {@code op} in words, as the README's table gives it: extras lengths, key, value.
     */
    public static String describe(Opcode op) {
        int rule = DEFAULT_RULES[op.code() & 0xff];
        StringBuilder extras = new StringBuilder();
        int[] lengths = {0, 4, 8, 20};
        for (int i = 0; i < lengths.length; i++) {
            if ((rule & (1 << i)) != 0) {
                extras.append(extras.length() == 0 ? "" : " or ").append(lengths[i]);
            }
        }
        String key = (rule & KEY_REQUIRED) != 0 ? "required (1-250)"
                : (rule & KEY_OPTIONAL) != 0 ? "optional (up to 250)" : "none";
        String value = (rule & VALUE_ANY) != 0 ? "any" : (rule & VALUE_EVEN) != 0 ? "even length" : "none";
        return "extras " + extras + "; key " + key + "; value " + value;
    }
}
