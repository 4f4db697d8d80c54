package dev.kvgate.config;

import java.time.Duration;

/** Bounds on what one client connection may ask of kvgate. */
public record LimitsSettings(int maxFrame, Duration idleTimeout, int maxInFlight, int framesPerRead,
                             int maxConnections, int maxConnectionsPerIp) {
}
