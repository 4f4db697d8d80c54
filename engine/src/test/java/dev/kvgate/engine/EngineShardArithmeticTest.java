package dev.kvgate.engine;

import static dev.kvgate.engine.Frames.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.kvgate.mcbp.Opcode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** INCREMENT/DECREMENT, including memcached's wrap, floor, in-place padding and number parsing. */
class EngineShardArithmeticTest {
    private static final long NO_CREATE = 0xffffffffL;

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void close() {
        h.close();
    }

    private Response incr(String key, long delta) {
        return h.one(Frames.arithmetic(Opcode.INCREMENT, key, delta, 0, 0));
    }

    private Response decr(String key, long delta) {
        return h.one(Frames.arithmetic(Opcode.DECREMENT, key, delta, 0, 0));
    }

    @Test
    void missingWithNoCreateExpirationIsNotFound() {
        Response r = h.one(Frames.arithmetic(Opcode.INCREMENT, "c", 1, 5, NO_CREATE));
        assertEquals(0x01, r.status());
        assertEquals("Not found", r.valueString());
        assertEquals(0x01, h.one(Frames.arithmetic(Opcode.DECREMENTQ, "c", 1, 5, NO_CREATE)).status());
        assertEquals(0x01, h.one(Frames.get("c")).status());
        assertEquals(1, h.shard.stats().incrMisses());
        assertEquals(1, h.shard.stats().decrMisses());
    }

    @Test
    void missingIsCreatedWithTheInitialValueNotTheDelta() {
        Response r = h.one(Frames.arithmetic(Opcode.INCREMENT, "c", 100, 5, 0));
        assertEquals(0, r.status());
        assertEquals(5, r.counter());
        Response got = h.one(Frames.get("c"));
        assertEquals("5", got.valueString());
        assertEquals(0, got.flags());
        assertEquals(r.cas(), got.cas());
        Response d = h.one(Frames.arithmetic(Opcode.DECREMENT, "d", 100, -1L, 0));
        assertEquals(-1L, d.counter());
        assertEquals("18446744073709551615", h.one(Frames.get("d")).valueString());
    }

    @Test
    void incrementAndDecrement() {
        h.one(Frames.store(Opcode.SET, "c", "10", 42, 0, 0));
        Response r = incr("c", 5);
        assertEquals(15, r.counter());
        assertEquals(0, r.extras().length);
        assertEquals(12, decr("c", 3).counter());
        Response got = h.one(Frames.get("c"));
        assertEquals("12", got.valueString());
        assertEquals(42, got.flags(), "flags survive");
        assertEquals(r.cas() + 1, got.cas(), "each update takes a new CAS");
    }

    @Test
    void incrementWrapsAt2To64() {
        h.one(Frames.set("c", "18446744073709551615"));
        assertEquals(1, incr("c", 2).counter());
        // memcached rewrites a shorter number in place, space-padded to the old length.
        assertEquals("1" + " ".repeat(19), h.one(Frames.get("c")).valueString());
    }

    @Test
    void decrementFloorsAtZero() {
        h.one(Frames.set("c", "5"));
        assertEquals(0, decr("c", 6).counter());
        assertEquals(0, decr("c", -1L).counter(), "delta is unsigned");
        assertEquals("0", h.one(Frames.get("c")).valueString());
    }

    @Test
    void shorterResultIsPaddedWithSpacesLongerOneGrows() {
        h.one(Frames.set("c", "100"));
        assertEquals(5, decr("c", 95).counter());
        assertEquals("5  ", h.one(Frames.get("c")).valueString());
        assertEquals(1005, incr("c", 1000).counter());
        assertEquals("1005", h.one(Frames.get("c")).valueString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"abc", "12abc", "", " ", "-1", "99999999999999999999", "1.5", "0x10", "--1"})
    void nonNumericValues(String value) {
        h.one(Frames.set("c", value));
        Response r = incr("c", 1);
        assertEquals(0x06, r.status());
        assertEquals("Non-numeric server-side value for incr or decr", r.valueString());
        assertEquals(0, r.cas());
        assertEquals(value, h.one(Frames.get("c")).valueString(), "unchanged");
        assertEquals(0x06, h.one(Frames.arithmetic(Opcode.DECREMENTQ, "c", 1, 0, 0)).status());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "+7|9", " 12 |14", "5\t|7", "007|9", "-0|2", "18446744073709551613|18446744073709551615"})
    void numbersAsStrtoullReadsThem(String value, String expected) {
        h.one(Frames.set("c", value));
        assertEquals(Long.parseUnsignedLong(expected), incr("c", 2).counter());
    }

    @Test
    void nulEndsTheNumber() {
        h.one(Frames.setBytes("c", new byte[] {'5', 0, 'x'}));
        assertEquals(7, incr("c", 2).counter());
    }

    @Test
    void casIsChecked() {
        long cas = h.one(Frames.set("c", "1")).cas();
        Response mismatch = h.one(Frames.request(Opcode.INCREMENT, Frames.arithmeticExtras(1, 0, 0), bytes("c"),
                Frames.NONE, cas + 10));
        assertEquals(0x02, mismatch.status());
        assertEquals("Data exists for key.", mismatch.valueString());
        Response match = h.one(Frames.request(Opcode.INCREMENT, Frames.arithmeticExtras(1, 0, 0), bytes("c"),
                Frames.NONE, cas));
        assertEquals(2, match.counter());
        assertNotEquals(cas, match.cas());
    }

    @Test
    void quietFormsAreSilentOnSuccess() {
        h.silent(Frames.arithmetic(Opcode.INCREMENTQ, "c", 1, 10, 0));
        h.silent(Frames.arithmetic(Opcode.INCREMENTQ, "c", 5, 0, 0));
        h.silent(Frames.arithmetic(Opcode.DECREMENTQ, "c", 2, 0, 0));
        assertEquals("13", h.one(Frames.get("c")).valueString());
    }

    @Test
    void parseCounterMatchesSafeStrtoull() {
        assertEquals(0L, EngineShard.parseCounter(bytes("0")));
        assertEquals(-1L, EngineShard.parseCounter(bytes("18446744073709551615")));
        assertNull(EngineShard.parseCounter(bytes("18446744073709551616")));
        assertEquals(1L, EngineShard.parseCounter(bytes("-18446744073709551615")), "strtoull wraps; 1 is not negative");
        assertNull(EngineShard.parseCounter(bytes("-5")));
        assertEquals(3L, EngineShard.parseCounter(bytes("\n\t 3\r")));
        assertNull(EngineShard.parseCounter(bytes("+")));
    }
}
