package dev.kvgate.config;

/** In-process engine shards, started when no remote shard is configured. */
public record EmbeddedSettings(int shards, long memory, int maxItemSize) {
}
