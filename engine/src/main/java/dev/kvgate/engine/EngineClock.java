package dev.kvgate.engine;

/**
 * The time source of an {@link EngineShard}: expiry, delayed flushes and uptime all read it, so tests
 * can drive time with a {@link ManualClock}.
 */
public interface EngineClock {

    /** Milliseconds since the Unix epoch. */
    long nowMillis();

    /** The wall clock. */
    static EngineClock system() {
        return System::currentTimeMillis;
    }
}
