package dev.kvgate.engine;

import static dev.kvgate.engine.Frames.NONE;
import static dev.kvgate.engine.Frames.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.mcbp.Opcode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every opcode's success and error answers, compared with what memcached 1.6.18 sends. */
class EngineShardCommandsTest {
    private static final int NOT_FOUND = 0x01;
    private static final int EXISTS = 0x02;
    private static final int TOO_LARGE = 0x03;
    private static final int INVALID = 0x04;
    private static final int NOT_STORED = 0x05;
    private static final int UNKNOWN = 0x81;
    private static final int NO_MEMORY = 0x82;

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void close() {
        h.close();
    }

    private static void assertError(Response r, int status, String text) {
        assertEquals(status, r.status(), "status");
        assertEquals(text, r.valueString());
        assertEquals(0, r.key().length);
        assertEquals(0, r.extras().length);
        assertEquals(0, r.cas(), "errors carry CAS 0");
    }

    private long set(String key, String value) {
        Response r = h.one(Frames.set(key, value));
        assertEquals(0, r.status());
        return r.cas();
    }

    // ---- GET family ----

    @Test
    void getReturnsFlagsValueAndCas() {
        Response stored = h.one(Frames.store(Opcode.SET, "k", "hello", 0xdeadbeef, 0, 0));
        assertEquals(0, stored.status());
        assertTrue(stored.cas() != 0);
        assertEquals(0, stored.value().length);

        Response got = h.one(Frames.get("k"));
        assertEquals(0, got.status());
        assertEquals(0xdeadbeef, got.flags());
        assertEquals(0, got.key().length);
        assertEquals("hello", got.valueString());
        assertEquals(stored.cas(), got.cas());
    }

    @Test
    void getkEchoesTheKey() {
        set("key1", "v");
        Response r = h.one(Frames.get(Opcode.GETK, "key1"));
        assertEquals("key1", r.keyString());
        assertEquals("v", r.valueString());
        assertEquals(0, r.flags());
    }

    @Test
    void getMissSaysNotFound() {
        assertError(h.one(Frames.get("nope")), NOT_FOUND, "Not found");
    }

    @Test
    void getkMissCarriesTheKeyAndNoText() {
        Response r = h.one(Frames.get(Opcode.GETK, "nope"));
        assertEquals(NOT_FOUND, r.status());
        assertEquals("nope", r.keyString());
        assertEquals(0, r.value().length);
        assertEquals(0, r.extras().length);
    }

    @ParameterizedTest
    @EnumSource(value = Opcode.class, names = {"GETQ", "GETKQ"})
    void quietGetsAnswerHitsAndStaySilentOnMisses(Opcode op) {
        h.silent(Frames.get(op, "nope"));
        set("k", "v");
        Response r = h.one(Frames.get(op, "k"));
        assertEquals(0, r.status());
        assertEquals("v", r.valueString());
        assertEquals(op == Opcode.GETKQ ? "k" : "", r.keyString());
    }

    @Test
    void emptyValueIsStoredAndReturned() {
        set("empty", "");
        Response r = h.one(Frames.get("empty"));
        assertEquals(0, r.status());
        assertEquals(0, r.value().length);
    }

    @Test
    void binaryKeysAndValuesAreKeptExactly() {
        byte[] key = {0, 1, (byte) 0xff, ' ', '\r', '\n'};
        byte[] value = new byte[256];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) i;
        }
        assertEquals(0, h.one(Frames.request(Opcode.SET, Frames.storeExtras(0, 0), key, value, 0)).status());
        Response r = h.one(Frames.request(Opcode.GETK, NONE, key, NONE, 0));
        assertArrayEquals(key, r.key());
        assertArrayEquals(value, r.value());
    }

    // ---- SET / ADD / REPLACE ----

    @Test
    void eachMutationGetsANewCas() {
        long first = set("k", "1");
        long second = set("k", "2");
        long other = set("other", "x");
        assertNotEquals(first, second);
        assertNotEquals(second, other);
        assertTrue(second > first && other > second, "one increasing counter per shard");
    }

    @Test
    void addOnExistingKeyIsExists() {
        set("k", "v");
        assertError(h.one(Frames.store(Opcode.ADD, "k", "w", 0, 0, 0)), EXISTS, "Data exists for key.");
        assertEquals("v", h.one(Frames.get("k")).valueString());
    }

    @Test
    void addOnMissingKeyStores() {
        Response r = h.one(Frames.store(Opcode.ADD, "k", "w", 3, 0, 0));
        assertEquals(0, r.status());
        assertEquals(r.cas(), h.one(Frames.get("k")).cas());
    }

    @Test
    void replaceOnMissingKeyIsNotFound() {
        assertError(h.one(Frames.store(Opcode.REPLACE, "k", "w", 0, 0, 0)), NOT_FOUND, "Not found");
        assertError(h.one(Frames.get("k")), NOT_FOUND, "Not found");
    }

    @Test
    void replaceOnExistingKeyStores() {
        set("k", "v");
        assertEquals(0, h.one(Frames.store(Opcode.REPLACE, "k", "w", 9, 0, 0)).status());
        Response r = h.one(Frames.get("k"));
        assertEquals("w", r.valueString());
        assertEquals(9, r.flags());
    }

    @Test
    void setWithMatchingCasStores() {
        long cas = set("k", "v");
        Response r = h.one(Frames.store(Opcode.SET, "k", "w", 0, 0, cas));
        assertEquals(0, r.status());
        assertNotEquals(cas, r.cas());
        assertEquals("w", h.one(Frames.get("k")).valueString());
    }

    @Test
    void casRaceSecondWriterGetsExists() {
        long cas = set("k", "v");
        assertEquals(0, h.one(Frames.store(Opcode.SET, "k", "first", 0, 0, cas)).status());
        assertError(h.one(Frames.store(Opcode.SET, "k", "second", 0, 0, cas)), EXISTS, "Data exists for key.");
        assertEquals("first", h.one(Frames.get("k")).valueString());
    }

    @ParameterizedTest
    @EnumSource(value = Opcode.class, names = {"SET", "ADD", "REPLACE"})
    void casOnMissingKeyIsNotFound(Opcode op) {
        assertError(h.one(Frames.store(op, "k", "v", 0, 0, 1234)), NOT_FOUND, "Not found");
    }

    @Test
    void addWithMatchingCasReplacesAsMemcachedDoes() {
        long cas = set("k", "v");
        assertEquals(0, h.one(Frames.store(Opcode.ADD, "k", "added", 0, 0, cas)).status());
        assertEquals("added", h.one(Frames.get("k")).valueString());
    }

    @ParameterizedTest
    @EnumSource(value = Opcode.class, names = {"SETQ", "ADDQ", "REPLACEQ"})
    void quietStoresAreSilentOnSuccessAndAnswerErrors(Opcode op) {
        if (op == Opcode.REPLACEQ) {
            assertError(h.one(Frames.store(op, "k", "v", 0, 0, 0)), NOT_FOUND, "Not found");
            set("k", "old");
        }
        h.silent(Frames.store(op, "k", "v", 0, 0, 0));
        assertEquals("v", h.one(Frames.get("k")).valueString());
        if (op == Opcode.ADDQ) {
            assertError(h.one(Frames.store(op, "k", "w", 0, 0, 0)), EXISTS, "Data exists for key.");
        }
        assertError(h.one(Frames.store(op, "k", "w", 0, 0, 999_999)), EXISTS, "Data exists for key.");
    }

    @Test
    void valueOverMaxItemSizeIsTooLargeAndSetDropsTheOldValue() {
        set("k", "old");
        Response r = h.one(Frames.setBytes("k", new byte[EngineHarness.MAX_ITEM + 1]));
        assertError(r, TOO_LARGE, "Too large.");
        assertError(h.one(Frames.get("k")), NOT_FOUND, "Not found");
        assertEquals(1, h.shard.stats().storeTooLarge());
    }

    @Test
    void valueOfExactlyMaxItemSizeIsStored() {
        assertEquals(0, h.one(Frames.setBytes("k", new byte[EngineHarness.MAX_ITEM])).status());
        assertEquals(EngineHarness.MAX_ITEM, h.one(Frames.get("k")).value().length);
    }

    @Test
    void quietSetTooLargeStillAnswers() {
        Response r = h.one(Frames.request(Opcode.SETQ, Frames.storeExtras(0, 0), bytes("k"),
                new byte[EngineHarness.MAX_ITEM + 1], 0));
        assertError(r, TOO_LARGE, "Too large.");
    }

    @Test
    void addTooLargeKeepsTheOldValue() {
        set("k", "old");
        Response r = h.one(Frames.request(Opcode.REPLACE, Frames.storeExtras(0, 0), bytes("k"),
                new byte[EngineHarness.MAX_ITEM + 1], 0));
        assertError(r, TOO_LARGE, "Too large.");
        assertEquals("old", h.one(Frames.get("k")).valueString());
    }

    @Test
    void itemLargerThanTheWholeShardIsOutOfMemory() {
        try (EngineHarness small = new EngineHarness(4096, 8192)) {
            Response r = small.one(Frames.setBytes("k", new byte[5000]));
            assertError(r, NO_MEMORY, "Out of memory allocating item");
        }
    }

    // ---- DELETE ----

    @Test
    void deleteRemovesAndAnswersWithCasZero() {
        set("k", "v");
        Response r = h.one(Frames.delete(Opcode.DELETE, "k", 0));
        assertEquals(0, r.status());
        assertEquals(0, r.cas());
        assertError(h.one(Frames.get("k")), NOT_FOUND, "Not found");
        assertError(h.one(Frames.delete(Opcode.DELETE, "k", 0)), NOT_FOUND, "Not found");
    }

    @Test
    void deleteWithCas() {
        long cas = set("k", "v");
        assertError(h.one(Frames.delete(Opcode.DELETE, "k", cas + 100)), EXISTS, "Data exists for key.");
        assertEquals(0, h.one(Frames.delete(Opcode.DELETE, "k", cas)).status());
    }

    @Test
    void deleteQuiet() {
        set("k", "v");
        h.silent(Frames.delete(Opcode.DELETEQ, "k", 0));
        assertError(h.one(Frames.delete(Opcode.DELETEQ, "k", 0)), NOT_FOUND, "Not found");
    }

    // ---- APPEND / PREPEND ----

    @Test
    void appendAndPrependKeepFlagsAndChangeCas() {
        Response stored = h.one(Frames.store(Opcode.SET, "k", "mid", 7, 0, 0));
        Response appended = h.one(Frames.concat(Opcode.APPEND, "k", ">>", 0));
        assertEquals(0, appended.status());
        assertNotEquals(stored.cas(), appended.cas());
        h.silent(Frames.concat(Opcode.PREPENDQ, "k", "<<", 0));
        h.silent(Frames.concat(Opcode.APPENDQ, "k", "!", 0));
        assertEquals(0, h.one(Frames.concat(Opcode.PREPEND, "k", "[", 0)).status());
        Response r = h.one(Frames.get("k"));
        assertEquals("[<<mid>>!", r.valueString());
        assertEquals(7, r.flags());
    }

    @ParameterizedTest
    @EnumSource(value = Opcode.class, names = {"APPEND", "PREPEND", "APPENDQ", "PREPENDQ"})
    void concatOnMissingKeyIsNotStored(Opcode op) {
        assertError(h.one(Frames.concat(op, "k", "x", 0)), NOT_STORED, "Not stored.");
    }

    @Test
    void concatWithCas() {
        long cas = set("k", "a");
        assertError(h.one(Frames.concat(Opcode.APPEND, "k", "b", cas + 1)), EXISTS, "Data exists for key.");
        assertEquals(0, h.one(Frames.concat(Opcode.APPEND, "k", "b", cas)).status());
        assertEquals("ab", h.one(Frames.get("k")).valueString());
    }

    @Test
    void concatBeyondMaxItemSizeIsNotStored() {
        h.one(Frames.setBytes("k", new byte[EngineHarness.MAX_ITEM - 1]));
        assertError(h.one(Frames.concat(Opcode.APPEND, "k", "xy", 0)), NOT_STORED, "Not stored.");
        assertEquals(EngineHarness.MAX_ITEM - 1, h.one(Frames.get("k")).value().length);
    }

    // ---- TOUCH / GAT ----

    @Test
    void touchAnswersFlagsWithoutValue() {
        long cas = h.one(Frames.store(Opcode.SET, "k", "v", 5, 0, 0)).cas();
        Response r = h.one(Frames.touch(Opcode.TOUCH, "k", 100));
        assertEquals(0, r.status());
        assertEquals(5, r.flags());
        assertEquals(0, r.value().length);
        assertEquals(cas, r.cas(), "touch does not change the CAS");
        assertError(h.one(Frames.touch(Opcode.TOUCH, "missing", 100)), NOT_FOUND, "Not found");
    }

    @Test
    void gatFamily() {
        long cas = h.one(Frames.store(Opcode.SET, "k", "val", 7, 0, 0)).cas();
        Response gat = h.one(Frames.touch(Opcode.GAT, "k", 100));
        assertEquals(7, gat.flags());
        assertEquals("val", gat.valueString());
        assertEquals(cas, gat.cas());
        Response gatk = h.one(Frames.touch(Opcode.GATK, "k", 100));
        assertEquals("k", gatk.keyString());
        assertEquals("val", gatk.valueString());
        assertEquals("val", h.one(Frames.touch(Opcode.GATQ, "k", 100)).valueString());
        assertEquals("k", h.one(Frames.touch(Opcode.GATKQ, "k", 100)).keyString());

        assertError(h.one(Frames.touch(Opcode.GAT, "nope", 1)), NOT_FOUND, "Not found");
        Response gatkMiss = h.one(Frames.touch(Opcode.GATK, "nope", 1));
        assertEquals(NOT_FOUND, gatkMiss.status());
        assertEquals("nope", gatkMiss.keyString());
        assertEquals(0, gatkMiss.value().length);
        h.silent(Frames.touch(Opcode.GATQ, "nope", 1));
        h.silent(Frames.touch(Opcode.GATKQ, "nope", 1));
    }

    // ---- FLUSH, NOOP, VERSION, QUIT ----

    @Test
    void flushDropsEverything() {
        set("a", "1");
        set("b", "2");
        assertEquals(0, h.one(Frames.bare(Opcode.FLUSH)).status());
        assertError(h.one(Frames.get("a")), NOT_FOUND, "Not found");
        assertEquals(0, h.shard.stats().currItems());
        assertEquals(0, h.shard.stats().bytes());
        set("c", "3");
        h.silent(Frames.bare(Opcode.FLUSHQ));
        assertError(h.one(Frames.get("c")), NOT_FOUND, "Not found");
    }

    @Test
    void noopAndQuit() {
        Response noop = h.one(Frames.bare(Opcode.NOOP));
        assertEquals(0, noop.status());
        assertEquals(0, noop.value().length);
        Response quit = h.one(Frames.bare(Opcode.QUIT));
        assertEquals(0, quit.status());
        assertEquals(0, quit.value().length);
        h.silent(Frames.bare(Opcode.QUITQ));
    }

    @Test
    void versionLooksLikeMemcached() {
        Response r = h.one(Frames.bare(Opcode.VERSION));
        assertEquals(0, r.status());
        assertEquals(EngineShard.VERSION, r.valueString());
        assertTrue(r.valueString().startsWith("1.6."));
    }

    // ---- unknown commands and validation ----

    @ParameterizedTest
    @ValueSource(ints = {0x1b, 0x1f, 0x20, 0x21, 0x22, 0x25, 0x3f, 0x50, 0x89, 0xff})
    void opcodesMemcachedDoesNotServeAreUnknown(int opcode) {
        // VERBOSITY (0x1b), HELLO and SASL included: memcached 1.6 without SASL answers them so.
        ByteBuf request = Frames.request(opcode, opcode == 0x1b ? Frames.touchExtras(1) : NONE, NONE, NONE, 0);
        Response r = h.one(request);
        assertError(r, UNKNOWN, "Unknown command");
    }

    @Test
    void keyLongerThan250IsInvalid() {
        String key = "k".repeat(251);
        assertError(h.one(Frames.get(key)), INVALID, "Invalid arguments");
        assertError(h.one(Frames.set(key, "v")), INVALID, "Invalid arguments");
        assertEquals(0, h.one(Frames.set("k".repeat(250), "v")).status());
        assertEquals("v", h.one(Frames.get("k".repeat(250))).valueString());
    }

    @Test
    void keyAndExtrasLongerThanTheBodyIsUnknownCommand() {
        ByteBuf request = Frames.get("abc");
        request.setInt(8, 2); // body length 2 < key length 3
        request.writerIndex(26);
        assertError(h.one(request), UNKNOWN, "Unknown command");
    }

    static List<ByteBuf> malformed() {
        byte[] key = bytes("k");
        byte[] four = Frames.touchExtras(0);
        byte[] eight = Frames.storeExtras(0, 0);
        return List.of(
                Frames.request(Opcode.GET, four, key, NONE, 0),                   // extras on GET
                Frames.request(Opcode.GETQ, NONE, NONE, NONE, 0),                 // no key
                Frames.request(Opcode.GETK, NONE, key, bytes("v"), 0),            // value on GET
                Frames.request(Opcode.SET, four, key, bytes("v"), 0),             // 4-byte extras
                Frames.request(Opcode.SETQ, NONE, key, bytes("v"), 0),            // no extras
                Frames.request(Opcode.ADD, eight, NONE, bytes("v"), 0),           // no key
                Frames.request(Opcode.REPLACE, new byte[12], key, NONE, 0),
                Frames.request(Opcode.DELETE, four, key, NONE, 0),
                Frames.request(Opcode.DELETEQ, NONE, key, bytes("v"), 0),
                Frames.request(Opcode.INCREMENT, eight, key, NONE, 0),
                Frames.request(Opcode.DECREMENTQ, Frames.arithmeticExtras(1, 0, 0), key, bytes("v"), 0),
                Frames.request(Opcode.INCREMENT, Frames.arithmeticExtras(1, 0, 0), NONE, NONE, 0),
                Frames.request(Opcode.APPEND, four, key, bytes("v"), 0),
                Frames.request(Opcode.PREPENDQ, NONE, NONE, bytes("v"), 0),
                Frames.request(Opcode.TOUCH, NONE, key, NONE, 0),
                Frames.request(Opcode.GAT, eight, key, NONE, 0),
                Frames.request(Opcode.GATKQ, four, NONE, NONE, 0),
                Frames.request(Opcode.FLUSH, eight, NONE, NONE, 0),
                Frames.request(Opcode.FLUSHQ, NONE, key, NONE, 0),
                Frames.request(Opcode.NOOP, NONE, key, NONE, 0),
                Frames.request(Opcode.VERSION, NONE, NONE, bytes("x"), 0),
                Frames.request(Opcode.QUIT, four, NONE, NONE, 0),
                Frames.request(Opcode.QUITQ, NONE, key, NONE, 0),
                Frames.request(Opcode.STAT, four, NONE, NONE, 0));
    }

    @Test
    void wrongExtrasKeyOrBodyIsInvalidArgumentsEvenForQuietCommands() {
        for (ByteBuf request : malformed()) {
            int opcode = request.getUnsignedByte(1);
            Response r = h.one(request);
            assertEquals(INVALID, r.status(), () -> "opcode 0x" + Integer.toHexString(opcode));
            assertEquals("Invalid arguments", r.valueString());
        }
        assertEquals(0, h.shard.stats().currItems(), "nothing was stored");
    }

    @Test
    void flexibleFramingExtrasAreSkipped() {
        byte[] framing = {0x02, 0x00, 0x01}; // a durability frame info, as a client might send
        Response stored = h.one(Frames.flexRequest(Opcode.SET.code(), framing, Frames.storeExtras(4, 0),
                bytes("flex"), bytes("value"), 0));
        assertEquals(0, stored.status());
        Response got = h.one(Frames.flexRequest(Opcode.GETK.code(), framing, NONE, bytes("flex"), NONE, 0));
        assertEquals("flex", got.keyString());
        assertEquals("value", got.valueString());
        assertEquals(4, got.flags());
        assertEquals(0, h.one(Frames.flexRequest(Opcode.NOOP.code(), framing, NONE, NONE, NONE, 0)).status());
    }

    @Test
    void requestNotStartingAtIndexZeroAndLeftUntouched() {
        ByteBuf inner = Frames.set("k", "v");
        ByteBuf request = Unpooled.buffer().writeBytes(new byte[] {1, 2, 3}).writeBytes(inner);
        inner.release();
        request.readerIndex(3);
        List<ByteBuf> out = new java.util.ArrayList<>();
        try {
            h.shard.execute(request, PooledByteBufAllocator.DEFAULT, out::add);
            assertEquals(3, request.readerIndex());
            assertEquals(1, request.refCnt(), "the engine does not take the request");
        } finally {
            request.release();
            out.forEach(ByteBuf::release);
        }
        assertEquals("v", h.one(Frames.get("k")).valueString());
    }

    @Test
    void storedValueIsACopy() {
        ByteBuf request = Frames.set("k", "abc");
        h.shard.execute(request, PooledByteBufAllocator.DEFAULT, ByteBuf::release);
        request.setByte(request.writerIndex() - 1, 'Z');
        request.release();
        assertEquals("abc", h.one(Frames.get("k")).valueString());
    }

    @Test
    void incompleteFrameIsRejected() {
        ByteBuf request = Frames.set("k", "value");
        request.writerIndex(request.writerIndex() - 1);
        try {
            assertThrows(IllegalArgumentException.class,
                    () -> h.shard.execute(request, PooledByteBufAllocator.DEFAULT, ByteBuf::release));
        } finally {
            request.release();
        }
    }
}
