package dev.kvgate.mcbp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every opcode against every shape of extras, key, value and datatype. The expectation is
 * {@link MemcachedRules}, an independent transcription of memcached's conditions, not the
 * validator's own table.
 */
class RequestValidatorTest {
    static final int[] EXTRAS = {0, 1, 3, 4, 8, 12, 20, 24, 255};
    static final int[] KEYS = {0, 1, 2, 249, 250, 251, 1000};
    static final int[] VALUES = {0, 1, 2, 3, 8, 1024};

    static ByteBuf frame(byte magic, int opcode, int extras, int key, int value, int datatype, int framingExtras) {
        int body = framingExtras + extras + key + value;
        ByteBuf b = Unpooled.buffer(Mcbp.HEADER_SIZE + body);
        b.writeByte(magic).writeByte(opcode);
        if (Magic.isFlexible(magic)) {
            b.writeByte(framingExtras).writeByte(key);
        } else {
            b.writeShort(key);
        }
        b.writeByte(extras).writeByte(datatype).writeShort(0).writeInt(body).writeInt(0x12345678).writeLong(0);
        b.writeZero(framingExtras);
        for (int i = 0; i < extras; i++) {
            b.writeByte(i);
        }
        for (int i = 0; i < key; i++) {
            b.writeByte('a' + i % 26);
        }
        b.writeZero(value);
        return b;
    }

    @Test
    void everyOpcodeHasASpecAndEveryShapeIsJudgedAsMemcachedWould() {
        assertEquals(Opcode.values().length, MemcachedRules.SPEC.size(), "a spec per opcode");
        RequestValidator v = RequestValidator.STRICT;
        int checked = 0;
        int invalid = 0;
        List<String> wrong = new ArrayList<>();
        for (Opcode op : Opcode.values()) {
            for (int e : EXTRAS) {
                for (int k : KEYS) {
                    for (int val : VALUES) {
                        boolean expected = k <= Mcbp.MAX_KEY_LENGTH && MemcachedRules.SPEC.get(op).valid(e, k, val);
                        ByteBuf f = frame((byte) 0x80, op.code() & 0xff, e, k, val, 0, 0);
                        RequestValidator.Verdict got = v.check(f);
                        RequestValidator.Verdict want = expected ? RequestValidator.Verdict.VALID
                                : RequestValidator.Verdict.INVALID;
                        if (got != want) {
                            wrong.add(op + " extras=" + e + " key=" + k + " value=" + val + ": " + got + ", want " + want);
                        }
                        assertEquals(0, f.readerIndex(), "no index moved");
                        f.release();
                        checked++;
                        invalid += expected ? 0 : 1;
                    }
                }
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        assertTrue(invalid > checked / 2, "most shapes are invalid: " + invalid + " of " + checked);
    }

    @Test
    void flexibleFramingExtrasAreNotCountedAsExtrasOrValue() {
        ByteBuf get = frame((byte) 0x08, Opcode.GET.code(), 0, 3, 0, 0, 3);
        ByteBuf set = frame((byte) 0x08, Opcode.SET.code(), 8, 3, 5, 0, 2);
        ByteBuf getWithValue = frame((byte) 0x08, Opcode.GET.code(), 0, 3, 1, 0, 3);
        try {
            assertEquals(RequestValidator.Verdict.VALID, RequestValidator.STRICT.check(get));
            assertEquals(RequestValidator.Verdict.VALID, RequestValidator.STRICT.check(set));
            assertEquals(RequestValidator.Verdict.INVALID, RequestValidator.STRICT.check(getWithValue));
        } finally {
            get.release();
            set.release();
            getWithValue.release();
        }
    }

    @Test
    void aDatatypeIsRefusedSinceNoneWasNegotiated() {
        for (int datatype : new int[] {1, 2, 4, 0x80}) {
            ByteBuf f = frame((byte) 0x80, Opcode.SET.code(), 8, 3, 5, datatype, 0);
            assertEquals(RequestValidator.Verdict.INVALID, RequestValidator.STRICT.check(f), "datatype " + datatype);
            f.release();
        }
    }

    @Test
    void unknownOpcodesAreUnknownUnlessPassedThrough() {
        RequestValidator withA0 = new RequestValidator(List.of(0xa0));
        for (int code = 0; code < 256; code++) {
            if (Opcode.of((byte) code) != null) {
                continue;
            }
            ByteBuf f = frame((byte) 0x80, code, 4, 3, 7, 0, 0);
            assertEquals(RequestValidator.Verdict.UNKNOWN, RequestValidator.STRICT.check(f), "opcode " + code);
            assertEquals(code == 0xa0 ? RequestValidator.Verdict.VALID : RequestValidator.Verdict.UNKNOWN,
                    withA0.check(f), "opcode " + code);
            f.release();
        }
        assertTrue(withA0.passThrough((byte) 0xa0));
        ByteBuf keyless = frame((byte) 0x80, 0xa0, 0, 0, 0, 0, 0);
        ByteBuf longKey = frame((byte) 0x80, 0xa0, 0, 251, 0, 0, 0);
        assertEquals(RequestValidator.Verdict.INVALID, withA0.check(keyless), "pass-through needs a key to route by");
        assertEquals(RequestValidator.Verdict.INVALID, withA0.check(longKey));
        keyless.release();
        longKey.release();
    }

    @Test
    void aKnownOpcodeCannotBePassThrough() {
        assertThrows(IllegalArgumentException.class, () -> new RequestValidator(List.of(0x01)));
        assertThrows(IllegalArgumentException.class, () -> new RequestValidator(List.of(256)));
    }

    @Test
    void describeGivesTheReadmeTable() {
        assertEquals("extras 8; key required (1-250); value any", RequestValidator.describe(Opcode.SET));
        assertEquals("extras 0 or 4; key none; value none", RequestValidator.describe(Opcode.FLUSH));
    }
}
