package dev.kvgate.engine;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** An {@link EngineClock} that only moves when told to, for tests of expiry and delayed flushes. */
public final class ManualClock implements EngineClock {

    /** 2023-11-14T22:13:20Z: far enough past the epoch that absolute expiry times behave as in production. */
    public static final Instant DEFAULT_START = Instant.ofEpochSecond(1_700_000_000L);

    private final AtomicLong millis;

    public ManualClock() {
        this(DEFAULT_START);
    }

    public ManualClock(Instant start) {
        this.millis = new AtomicLong(start.toEpochMilli());
    }

    @Override
    public long nowMillis() {
        return millis.get();
    }

    /** Whole seconds since the epoch, the unit of memcached's absolute expiry times. */
    public long nowSeconds() {
        return Math.floorDiv(millis.get(), 1000L);
    }

    public void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("time only moves forward: " + duration);
        }
        millis.addAndGet(duration.toMillis());
    }

    public void set(Instant instant) {
        millis.set(instant.toEpochMilli());
    }
}
