package dev.kvgate.config;

import java.time.Duration;
import java.util.List;

/**
 * Bounds on what one client connection may ask of kvgate.
 *
 * @param frameReadTimeout how long a request frame (header or body) may stay incomplete
 * @param passThroughOpcodes opcodes kvgate does not know that are forwarded by key anyway
 */
public record LimitsSettings(int maxFrame, Duration idleTimeout, int maxInFlight, int framesPerRead,
                             int maxConnections, int maxConnectionsPerIp, Duration frameReadTimeout,
                             List<Integer> passThroughOpcodes) {

    public LimitsSettings {
        passThroughOpcodes = List.copyOf(passThroughOpcodes);
    }

    /** With the default frame read timeout (10 s) and no pass-through opcodes. */
    public LimitsSettings(int maxFrame, Duration idleTimeout, int maxInFlight, int framesPerRead,
                          int maxConnections, int maxConnectionsPerIp) {
        this(maxFrame, idleTimeout, maxInFlight, framesPerRead, maxConnections, maxConnectionsPerIp,
                Duration.ofSeconds(10), List.of());
    }
}
