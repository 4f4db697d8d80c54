package dev.kvgate.config;

import java.time.Duration;

/** Connections from kvgate to its shards. */
public record BackendSettings(
        int connectionsPerShard,
        Duration connectTimeout,
        Duration requestTimeout,
        Duration reconnectMin,
        Duration reconnectMax,
        int maxInFlight) {
}
