package dev.kvgate.it;

import dev.kvgate.testkit.MemcachedProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** A few real memcached processes on loopback, and the HOCON that points kvgate at them. */
final class Shards implements AutoCloseable {
    final List<MemcachedProcess> processes = new ArrayList<>();

    static Shards start(int count) {
        Shards s = new Shards();
        try {
            for (int i = 0; i < count; i++) {
                s.processes.add(MemcachedProcess.builder().memoryMb(64).start());
            }
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    MemcachedProcess get(int i) {
        return processes.get(i);
    }

    List<String> names() {
        return processes.stream().map(MemcachedProcess::address).toList();
    }

    String hocon() {
        return "kvgate.shards = [" + processes.stream().map(p -> "\"" + p.address() + "\"")
                .collect(Collectors.joining(", ")) + "]\n";
    }

    @Override
    public void close() {
        processes.forEach(MemcachedProcess::close);
    }
}
