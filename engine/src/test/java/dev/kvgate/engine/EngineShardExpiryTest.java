package dev.kvgate.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kvgate.mcbp.Opcode;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Expiry and delayed flushes as memcached's realtime() and item_is_flushed() decide them, on a manual clock. */
class EngineShardExpiryTest {
    private static final long THIRTY_DAYS = 60L * 60 * 24 * 30;

    private final EngineHarness h = new EngineHarness();

    @AfterEach
    void close() {
        h.close();
    }

    private boolean present(String key) {
        int status = h.one(Frames.get(key)).status();
        return status == 0;
    }

    private void advanceSeconds(long seconds) {
        h.clock.advance(Duration.ofSeconds(seconds));
    }

    @Test
    void zeroNeverExpires() {
        h.one(Frames.set("k", "v", 0));
        advanceSeconds(THIRTY_DAYS * 100);
        assertEquals(true, present("k"));
    }

    @Test
    void relativeSecondsExpireAtTheSecond() {
        h.one(Frames.set("k", "v", 10));
        advanceSeconds(9);
        assertEquals(true, present("k"));
        advanceSeconds(1);
        assertEquals(false, present("k"));
        assertEquals(1, h.shard.stats().getExpired());
        assertEquals(0, h.shard.stats().currItems(), "an expired item found by a read is removed");
    }

    @Test
    void expiryCountsWholeClockSeconds() {
        h.clock.advance(Duration.ofMillis(999)); // x.999: memcached's clock still says x
        h.one(Frames.set("k", "v", 1));
        h.clock.advance(Duration.ofMillis(1));
        assertEquals(false, present("k"), "1 second after the set, by memcached's second-granular clock");
    }

    @Test
    void thirtyDaysIsStillRelative() {
        h.one(Frames.set("k", "v", THIRTY_DAYS));
        advanceSeconds(THIRTY_DAYS - 1);
        assertEquals(true, present("k"));
        advanceSeconds(1);
        assertEquals(false, present("k"));
    }

    @Test
    void beyondThirtyDaysIsAbsoluteUnixTime() {
        long now = h.clock.nowSeconds();
        h.one(Frames.set("future", "v", now + 100));
        h.one(Frames.set("past", "v", now - 100));
        h.one(Frames.set("now", "v", now));
        h.one(Frames.set("just-past-30d", "v", THIRTY_DAYS + 1)); // 1970: long gone
        assertEquals(false, present("past"));
        assertEquals(false, present("now"));
        assertEquals(false, present("just-past-30d"));
        advanceSeconds(99);
        assertEquals(true, present("future"));
        advanceSeconds(1);
        assertEquals(false, present("future"));
    }

    @Test
    void largestExpirationIsFarFuture() {
        h.one(Frames.set("k", "v", 0xffffffffL)); // unsigned on the wire: year 2106, not "negative"
        advanceSeconds(THIRTY_DAYS * 12);
        assertEquals(true, present("k"));
    }

    @Test
    void touchExtendsAndShortens() {
        h.one(Frames.set("k", "v", 10));
        advanceSeconds(8);
        assertEquals(0, h.one(Frames.touch(Opcode.TOUCH, "k", 10)).status());
        advanceSeconds(8);
        assertEquals(true, present("k"), "touched at +8 for 10s: alive at +16");
        assertEquals(0, h.one(Frames.touch(Opcode.TOUCH, "k", 0)).status());
        advanceSeconds(THIRTY_DAYS);
        assertEquals(true, present("k"), "touch with 0 removes the expiry");
        assertEquals(0, h.one(Frames.touch(Opcode.TOUCH, "k", 1)).status());
        advanceSeconds(1);
        assertEquals(false, present("k"));
        assertEquals(0x01, h.one(Frames.touch(Opcode.TOUCH, "k", 10)).status(), "cannot revive an expired item");
    }

    @Test
    void gatExtends() {
        h.one(Frames.set("k", "v", 5));
        advanceSeconds(4);
        assertEquals("v", h.one(Frames.touch(Opcode.GAT, "k", 100)).valueString());
        advanceSeconds(50);
        assertEquals("v", h.one(Frames.touch(Opcode.GATK, "k", 1)).valueString());
        advanceSeconds(1);
        h.silent(Frames.touch(Opcode.GATQ, "k", 100));
    }

    @Test
    void appendKeepsTheExpiry() {
        h.one(Frames.set("k", "v", 10));
        advanceSeconds(5);
        h.one(Frames.concat(Opcode.APPEND, "k", "w", 0));
        advanceSeconds(5);
        assertEquals(false, present("k"));
    }

    @Test
    void incrementKeepsTheExpiryAndCreatesWithTheGivenOne() {
        h.one(Frames.set("k", "1", 10));
        h.one(Frames.arithmetic(Opcode.INCREMENT, "k", 1, 0, 1000));
        h.one(Frames.arithmetic(Opcode.INCREMENT, "new", 1, 7, 10));
        advanceSeconds(10);
        assertEquals(false, present("k"));
        assertEquals(false, present("new"));
    }

    @Test
    void expiredItemIsTreatedAsMissingByEveryCommand() {
        h.one(Frames.set("k", "v", 1));
        advanceSeconds(1);
        assertEquals(0, h.one(Frames.store(Opcode.ADD, "k", "new", 0, 0, 0)).status());
        h.one(Frames.set("r", "v", 1));
        advanceSeconds(1);
        assertEquals(0x01, h.one(Frames.store(Opcode.REPLACE, "r", "new", 0, 0, 0)).status());
        h.one(Frames.set("a", "v", 1));
        advanceSeconds(1);
        assertEquals(0x05, h.one(Frames.concat(Opcode.APPEND, "a", "x", 0)).status());
        h.one(Frames.set("d", "v", 1));
        advanceSeconds(1);
        assertEquals(0x01, h.one(Frames.delete(Opcode.DELETE, "d", 0)).status());
    }

    @Test
    void delayedFlushInvalidatesItemsStoredBeforeItsTimeOneSecondEarly() {
        h.one(Frames.set("before", "v"));
        h.one(Frames.flush(Opcode.FLUSH, 10));
        assertEquals(true, present("before"));
        advanceSeconds(5);
        h.one(Frames.set("during", "v"));
        advanceSeconds(3);
        assertEquals(true, present("before"));
        advanceSeconds(1); // memcached's oldest_live is the flush time minus one second
        assertEquals(false, present("before"));
        assertEquals(false, present("during"), "stored before the flush time: flushed too");
        assertEquals(2, h.shard.stats().getFlushed());
        advanceSeconds(1);
        h.one(Frames.set("after", "v"));
        advanceSeconds(100);
        assertEquals(true, present("after"));
    }

    @Test
    void flushDelayOfOneSecondAppliesNow() {
        h.one(Frames.set("k", "v"));
        h.silent(Frames.flush(Opcode.FLUSHQ, 1));
        assertEquals(false, present("k"));
    }

    @Test
    void flushAtAnAbsoluteTimeBeforeStartIsIgnoredAsMemcachedDoes() {
        h.one(Frames.set("k", "v"));
        h.one(Frames.flush(Opcode.FLUSH, 1_000_000_000L)); // 2001
        assertEquals(true, present("k"));
    }

    @Test
    void laterFlushReplacesAPendingOne() {
        h.one(Frames.flush(Opcode.FLUSH, 10));
        h.one(Frames.bare(Opcode.FLUSH));
        h.one(Frames.set("k", "v"));
        advanceSeconds(1);
        h.one(Frames.set("k2", "v"));
        advanceSeconds(20);
        assertEquals(true, present("k"), "the immediate flush cancelled the delayed one");
        assertEquals(true, present("k2"));
    }

    @Test
    void itemsSetInTheSecondOfAnImmediateFlushSurvive() {
        h.one(Frames.set("old", "v"));
        h.one(Frames.bare(Opcode.FLUSH));
        h.one(Frames.set("new", "v"));
        assertEquals(false, present("old"));
        assertEquals(true, present("new"));
        advanceSeconds(5);
        assertEquals(true, present("new"));
    }
}
