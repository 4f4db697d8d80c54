package dev.kvgate.mcbp;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What each opcode allows, transcribed from memcached 1.6's {@code dispatch_bin_command} conditions
 * (proto_bin.c) plus the stricter value rules kvgate documents: the expectation of the validator's
 * tests, kept apart from its table so that a wrong rule there shows. Keys over 250 bytes are invalid
 * for every opcode on top of this.
 */
public final class MemcachedRules {
    private MemcachedRules() {
    }

    public interface Shape {
        boolean valid(int extras, int key, int value);
    }

    public static final Map<Opcode, Shape> SPEC = new EnumMap<>(Opcode.class);

    static {
        // memcached: extlen == 0 && bodylen == keylen && keylen > 0
        for (Opcode op : List.of(Opcode.GET, Opcode.GETQ, Opcode.GETK, Opcode.GETKQ, Opcode.DELETE, Opcode.DELETEQ)) {
            SPEC.put(op, (e, k, v) -> e == 0 && k > 0 && v == 0);
        }
        // extlen == 8 && keylen != 0 && bodylen >= keylen + 8
        for (Opcode op : List.of(Opcode.SET, Opcode.SETQ, Opcode.ADD, Opcode.ADDQ, Opcode.REPLACE, Opcode.REPLACEQ)) {
            SPEC.put(op, (e, k, v) -> e == 8 && k > 0);
        }
        // keylen > 0 && extlen == 0
        for (Opcode op : List.of(Opcode.APPEND, Opcode.APPENDQ, Opcode.PREPEND, Opcode.PREPENDQ)) {
            SPEC.put(op, (e, k, v) -> e == 0 && k > 0);
        }
        // keylen > 0 && extlen == 20 && bodylen == keylen + extlen
        for (Opcode op : List.of(Opcode.INCREMENT, Opcode.INCREMENTQ, Opcode.DECREMENT, Opcode.DECREMENTQ)) {
            SPEC.put(op, (e, k, v) -> e == 20 && k > 0 && v == 0);
        }
        // extlen == 4 && keylen != 0; a value would be read as the next command: refused too
        for (Opcode op : List.of(Opcode.TOUCH, Opcode.GAT, Opcode.GATQ, Opcode.GATK, Opcode.GATKQ)) {
            SPEC.put(op, (e, k, v) -> e == 4 && k > 0 && v == 0);
        }
        // keylen == 0 && bodylen == extlen && (extlen == 0 || extlen == 4)
        for (Opcode op : List.of(Opcode.FLUSH, Opcode.FLUSHQ)) {
            SPEC.put(op, (e, k, v) -> k == 0 && v == 0 && (e == 0 || e == 4));
        }
        // extlen == 0 && keylen == 0 && bodylen == 0
        for (Opcode op : List.of(Opcode.NOOP, Opcode.VERSION, Opcode.QUIT, Opcode.QUITQ, Opcode.SASL_LIST_MECHS)) {
            SPEC.put(op, (e, k, v) -> e == 0 && k == 0 && v == 0);
        }
        // extlen == 0 (key is the group); a value would be read as the next command: refused
        SPEC.put(Opcode.STAT, (e, k, v) -> e == 0 && v == 0);
        // extlen == 0 && keylen != 0
        SPEC.put(Opcode.SASL_AUTH, (e, k, v) -> e == 0 && k > 0);
        SPEC.put(Opcode.SASL_STEP, (e, k, v) -> e == 0 && k > 0);
        // kv_engine: verbosity level in 4 bytes of extras
        SPEC.put(Opcode.VERBOSITY, (e, k, v) -> e == 4 && k == 0 && v == 0);
        // kv_engine: optional agent name as key, features as 16-bit words
        SPEC.put(Opcode.HELLO, (e, k, v) -> e == 0 && v % 2 == 0);
    }


    /** Whether memcached (and so kvgate) accepts this shape for {@code op}. */
    public static boolean valid(Opcode op, int extras, int key, int value) {
        return key <= Mcbp.MAX_KEY_LENGTH && SPEC.get(op).valid(extras, key, value);
    }
}
