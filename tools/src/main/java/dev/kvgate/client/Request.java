package dev.kvgate.client;

import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One mcbp request as the client sends it. {@code framingExtras} non-empty makes it a flexible-framing
 * request (magic 0x08). The opaque is assigned by the client when sent.
 */
public record Request(byte opcode, byte[] framingExtras, byte[] extras, byte[] key, byte[] value, long cas,
                      short vbucket) {
    private static final byte[] NONE = new byte[0];

    public static Request of(Opcode op, byte[] extras, byte[] key, byte[] value, long cas) {
        return new Request(op.code(), NONE, extras, key, value, cas, (short) 0);
    }

    public static Request of(Opcode op) {
        return of(op, NONE, NONE, NONE, 0);
    }

    public static Request get(String key) {
        return keyed(Opcode.GET, key);
    }

    public static Request keyed(Opcode op, String key) {
        return of(op, NONE, bytes(key), NONE, 0);
    }

    /** SET, ADD, REPLACE and their quiet forms: extras are flags and expiration. */
    public static Request store(Opcode op, String key, byte[] value, int flags, int expiration, long cas) {
        byte[] extras = ByteBuffer.allocate(8).putInt(flags).putInt(expiration).array();
        return of(op, extras, bytes(key), value, cas);
    }

    public static Request set(String key, byte[] value) {
        return store(Opcode.SET, key, value, 0, 0, 0);
    }

    public static Request set(String key, String value) {
        return set(key, bytes(value));
    }

    public static Request delete(String key) {
        return keyed(Opcode.DELETE, key);
    }

    /** INCREMENT/DECREMENT (and quiet forms): extras are delta, initial value and expiration. */
    public static Request counter(Opcode op, String key, long delta, long initial, int expiration) {
        byte[] extras = ByteBuffer.allocate(20).putLong(delta).putLong(initial).putInt(expiration).array();
        return of(op, extras, bytes(key), NONE, 0);
    }

    public static Request noop() {
        return of(Opcode.NOOP);
    }

    /** The same request as a flexible-framing one carrying these framing extras. */
    public Request withFramingExtras(byte[] framing) {
        return new Request(opcode, framing, extras, key, value, cas, vbucket);
    }

    public Request withOpcode(byte code) {
        return new Request(code, framingExtras, extras, key, value, cas, vbucket);
    }

    /** The size of this request on the wire: header and body. */
    public int frameLength() {
        return Mcbp.HEADER_SIZE + framingExtras.length + extras.length + key.length + value.length;
    }

    public boolean quiet() {
        Opcode op = Opcode.of(opcode);
        return op != null && op.quiet();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
