package dev.kvgate.check;

import dev.kvgate.client.Request;
import dev.kvgate.mcbp.Opcode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * One request of the table, written with logical key names and named CAS values, turned into a wire
 * {@link Request} only when a run knows its key prefix and the CAS values it has seen.
 */
final class Req {
    private static final byte[] NONE = new byte[0];

    private final byte opcode;
    private final String key;
    private int keyLength;
    private byte[] extras = NONE;
    private byte[] value = NONE;
    private String casName;
    private long casLiteral;
    /** Store expiration as an absolute Unix time this many seconds after the server's now. */
    private Integer expFromNow;

    private Req(byte opcode, String key) {
        this.opcode = opcode;
        this.key = key;
    }

    /** A request with no extras, key or value: NOOP, VERSION, QUIT, QUITQ, FLUSH without delay. */
    static Req bare(Opcode op) {
        return new Req(op.code(), null);
    }

    /** A request with an opcode byte memcached does not know, and an empty body. */
    static Req unknown(int opcode) {
        return new Req((byte) opcode, null);
    }

    /** Any opcode with exactly these extras, key (null for none) and value: for malformed requests. */
    static Req raw(Opcode op, byte[] extras, String key, String value) {
        Req r = new Req(op.code(), key);
        r.extras = extras;
        r.value = bytes(value);
        return r;
    }

    /** GET, GETQ, GETK, GETKQ, DELETE, DELETEQ: only a key. */
    static Req keyed(Opcode op, String key) {
        return new Req(op.code(), key);
    }

    static Req get(String key) {
        return keyed(Opcode.GET, key);
    }

    /** SET, ADD, REPLACE and their quiet forms, with flags 0 and no expiry unless changed. */
    static Req store(Opcode op, String key, byte[] value) {
        Req r = new Req(op.code(), key);
        r.value = value;
        r.extras = ByteBuffer.allocate(8).putInt(0).putInt(0).array();
        return r;
    }

    static Req store(Opcode op, String key, String value) {
        return store(op, key, bytes(value));
    }

    static Req set(String key, String value) {
        return store(Opcode.SET, key, value);
    }

    /** APPEND, PREPEND and their quiet forms: no extras. */
    static Req concat(Opcode op, String key, String value) {
        Req r = new Req(op.code(), key);
        r.value = bytes(value);
        return r;
    }

    /** INCREMENT, DECREMENT and their quiet forms. */
    static Req counter(Opcode op, String key, long delta, long initial, int expiration) {
        Req r = new Req(op.code(), key);
        r.extras = ByteBuffer.allocate(20).putLong(delta).putLong(initial).putInt(expiration).array();
        return r;
    }

    /** TOUCH, GAT, GATQ, GATK, GATKQ: a new expiration. */
    static Req touch(Opcode op, String key, int expiration) {
        Req r = new Req(op.code(), key);
        r.extras = ByteBuffer.allocate(4).putInt(expiration).array();
        return r;
    }

    /** Store extras: flags. */
    Req flags(int flags) {
        extras = ByteBuffer.allocate(8).putInt(flags).putInt(ByteBuffer.wrap(extras).getInt(4)).array();
        return this;
    }

    /** Store extras: expiration in seconds. */
    Req exp(int seconds) {
        extras = ByteBuffer.allocate(8).putInt(ByteBuffer.wrap(extras).getInt(0)).putInt(seconds).array();
        return this;
    }

    /**
     * Store extras: expiration as an absolute Unix time, {@code seconds} after the server's clock when the
     * request is sent (the case reads the clock first with {@link Case#serverClock()}).
     */
    Req expAt(int seconds) {
        expFromNow = seconds;
        return this;
    }

    /** The CAS an earlier answer of this run was named with. */
    Req cas(String name) {
        casName = name;
        return this;
    }

    /** A CAS no item can have had in these short runs. */
    Req casLiteral(long cas) {
        casLiteral = cas;
        return this;
    }

    /** Pads the key (prefix + name) with 'x' to exactly this many bytes. */
    Req keyLength(int length) {
        keyLength = length;
        return this;
    }

    byte opcode() {
        return opcode;
    }

    String key() {
        return key;
    }

    int keyLength() {
        return keyLength;
    }

    Request toRequest(Script s) {
        byte[] k = key == null ? NONE : s.key(key, keyLength);
        long cas = casName != null ? s.cas(casName) : casLiteral;
        byte[] ext = extras;
        if (expFromNow != null) {
            int at = (int) (s.serverNow() + expFromNow);
            ext = ByteBuffer.allocate(8).putInt(ByteBuffer.wrap(extras).getInt(0)).putInt(at).array();
        }
        return new Request(opcode, NONE, ext, k, value, cas, (short) 0);
    }

    @Override
    public String toString() {
        Opcode op = Opcode.of(opcode);
        StringBuilder b = new StringBuilder(op != null ? op.name() : String.format("0x%02x", opcode & 0xff));
        if (key != null) {
            b.append(' ').append(key);
            if (keyLength > 0) {
                b.append('[').append(keyLength).append(" bytes]");
            }
        }
        if (expFromNow != null) {
            b.append(" exp=now+").append(expFromNow);
        }
        if (value.length > 0) {
            b.append(" value=").append(Expect.show(value));
        }
        if (casName != null) {
            b.append(" cas=").append(casName);
        } else if (casLiteral != 0) {
            b.append(" cas=").append(casLiteral);
        }
        return b.toString();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
