package dev.kvgate.config;

import java.util.OptionalLong;

/**
 * The memory budget for large frames in flight.
 *
 * @param budget     bytes; empty for the default share of the JVM's direct-memory limit
 * @param share      that share, used when {@code budget} is empty
 * @param highWater  fraction of the budget above which client connections stop reading
 * @param lowWater   fraction at which they read again
 * @param largeFrame frames of at least this many bytes are gathered into one exact, accounted buffer
 */
public record MemorySettings(OptionalLong budget, double share, double highWater, double lowWater, int largeFrame) {
}
