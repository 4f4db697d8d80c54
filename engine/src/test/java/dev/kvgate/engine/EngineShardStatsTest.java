package dev.kvgate.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.mcbp.Opcode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** STAT groups and the counters behind them. */
class EngineShardStatsTest {
    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void close() {
        h.close();
    }

    private Map<String, String> stats(String group) {
        List<Response> frames = h.all(Frames.stat(group));
        Response last = frames.get(frames.size() - 1);
        assertEquals(0, last.status());
        assertEquals(0, last.key().length, "terminator has no key");
        assertEquals(0, last.value().length, "terminator has no value");
        Map<String, String> out = new LinkedHashMap<>();
        for (Response r : frames.subList(0, frames.size() - 1)) {
            assertEquals(Opcode.STAT.code() & 0xff, r.opcode());
            assertEquals(0, r.status());
            assertEquals(0, r.cas());
            assertTrue(r.key().length > 0);
            out.put(r.keyString(), r.valueString());
        }
        return out;
    }

    @Test
    void generalStatsCountWhatHappened() {
        h.one(Frames.set("a", "1"));
        h.one(Frames.set("b", "22"));
        h.one(Frames.get("a"));
        h.one(Frames.get("zz"));
        h.silent(Frames.get(Opcode.GETQ, "zz"));
        h.one(Frames.arithmetic(Opcode.INCREMENT, "a", 1, 0, 0));
        h.one(Frames.arithmetic(Opcode.DECREMENT, "q", 1, 0, 0xffffffffL));
        h.one(Frames.delete(Opcode.DELETE, "b", 0));
        h.one(Frames.delete(Opcode.DELETE, "b", 0));
        h.one(Frames.touch(Opcode.TOUCH, "a", 10));
        h.one(Frames.touch(Opcode.GAT, "nope", 10));
        Map<String, String> s = stats("");
        assertEquals(EngineShard.VERSION, s.get("version"));
        assertEquals("2", s.get("cmd_set"));
        assertEquals("3", s.get("cmd_get"));
        assertEquals("1", s.get("get_hits"));
        assertEquals("2", s.get("get_misses"));
        assertEquals("1", s.get("incr_hits"));
        assertEquals("1", s.get("decr_misses"));
        assertEquals("1", s.get("delete_hits"));
        assertEquals("1", s.get("delete_misses"));
        assertEquals("2", s.get("cmd_touch"));
        assertEquals("1", s.get("touch_hits"));
        assertEquals("1", s.get("touch_misses"));
        assertEquals("1", s.get("curr_items"));
        assertEquals("2", s.get("total_items"));
        assertEquals(Long.toString(EngineShard.itemSize(1, 1)), s.get("bytes"));
        assertEquals(Long.toString(EngineHarness.MEMORY), s.get("limit_maxbytes"));
        for (String name : List.of("pid", "uptime", "time", "evictions", "cas_hits", "cas_badval", "cas_misses")) {
            assertTrue(s.containsKey(name), name);
        }
        EngineStats snapshot = h.shard.stats();
        assertEquals(1, snapshot.items());
        assertEquals(1, snapshot.hits());
        assertEquals(2, snapshot.misses());
    }

    @Test
    void casCounters() {
        long cas = h.one(Frames.set("a", "1")).cas();
        h.one(Frames.store(Opcode.SET, "a", "2", 0, 0, cas));
        h.one(Frames.store(Opcode.SET, "a", "3", 0, 0, cas));
        h.one(Frames.store(Opcode.SET, "nope", "3", 0, 0, cas));
        EngineStats s = h.shard.stats();
        assertEquals(1, s.casHits());
        assertEquals(1, s.casBadval());
        assertEquals(1, s.casMisses());
    }

    @Test
    void resetClearsCountersButNotItems() {
        h.one(Frames.set("a", "1"));
        h.one(Frames.get("a"));
        assertTrue(stats("reset").isEmpty());
        EngineStats s = h.shard.stats();
        assertEquals(0, s.cmdGet());
        assertEquals(0, s.cmdSet());
        assertEquals(1, s.currItems());
    }

    @Test
    void groupsWithContent() {
        assertTrue(stats("items").isEmpty(), "no items, no item classes");
        h.one(Frames.set("a", "1"));
        assertEquals("1", stats("items").get("items:1:number"));
        assertEquals("1", stats("slabs").get("active_slabs"));
        assertEquals(Long.toString(EngineHarness.MEMORY), stats("settings").get("maxbytes"));
        assertEquals(Integer.toString(EngineHarness.MAX_ITEM), stats("settings").get("item_size_max"));
        assertEquals("disabled", stats("sizes").get("sizes_status"));
        assertTrue(stats("detail on").isEmpty());
        assertEquals("END\r\n", stats("detail dump").get("detailed"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bogus", "conns", "item", "detail x", "slabsx"})
    void unknownGroupIsNotFoundWithoutTerminator(String group) {
        Response r = h.one(Frames.stat(group));
        assertEquals(0x01, r.status());
        assertEquals("Not found", r.valueString());
    }
}
