package dev.kvgate.it;

import dev.kvgate.routing.HashPreset;
import dev.kvgate.routing.Locators;
import dev.kvgate.routing.ShardLocator;
import dev.kvgate.testkit.MemcachedProcess;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Real memcached shards on loopback, the HOCON that points kvgate at them, and which shard owns a
 * key under kvgate's default placement (spymemcached's ketama).
 */
public final class Shards implements AutoCloseable {
    private final List<MemcachedProcess> processes = new ArrayList<>();
    private ShardLocator ketama;

    public static Shards start(int count) {
        Shards s = new Shards();
        try {
            for (int i = 0; i < count; i++) {
                s.processes.add(MemcachedProcess.builder().memoryMb(64).start());
            }
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        s.ketama = Locators.create(HashPreset.KETAMA_SPYMEMCACHED, s.names());
        return s;
    }

    public MemcachedProcess get(int i) {
        return processes.get(i);
    }

    public int size() {
        return processes.size();
    }

    /** The shards' names on the ring: "127.0.0.1:port". */
    public List<String> names() {
        return processes.stream().map(MemcachedProcess::address).toList();
    }

    public String hocon() {
        return "kvgate.shards = [" + processes.stream().map(p -> "\"" + p.address() + "\"")
                .collect(Collectors.joining(", ")) + "]\n";
    }

    /** The index of the shard kvgate sends {@code key} to while every shard is in service. */
    public int owner(String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return ketama.shardOf(k, 0, k.length);
    }

    /** {@code count} keys {@code prefix + n} owned by {@code shard}, n counting up from 0. */
    public List<String> keysOn(int shard, String prefix, int count) {
        List<String> keys = new ArrayList<>();
        for (int n = 0; keys.size() < count && n < 100_000; n++) {
            if (owner(prefix + n) == shard) {
                keys.add(prefix + n);
            }
        }
        if (keys.size() < count) {
            throw new IllegalStateException("found only " + keys.size() + " keys for shard " + shard);
        }
        return keys;
    }

    @Override
    public void close() {
        processes.forEach(MemcachedProcess::close);
    }
}
