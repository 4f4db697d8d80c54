package dev.kvgate.config;

import java.time.Duration;

/** Connections from kvgate to its shards. */
public record BackendSettings(
        int connectionsPerShard,
        Duration connectTimeout,
        Duration handshakeTimeout,
        Duration requestTimeout,
        Duration reconnectMin,
        Duration reconnectMax,
        int maxInFlight,
        OnShardFailure onShardFailure,
        int ejectAfter,
        Duration retryAfter) {

    /** fail-fast: answer 0x86 while the shard is down; eject: take it off the ring until it answers. */
    public enum OnShardFailure { FAIL_FAST, EJECT }
}
