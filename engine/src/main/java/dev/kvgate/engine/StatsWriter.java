package dev.kvgate.engine;

import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The STAT groups of one embedded shard, as memcached 1.6 names them: general, settings, items, slabs, sizes, detail, reset. */
final class StatsWriter {
    private final ItemStore store;

    StatsWriter(ItemStore store) {
        this.store = store;
    }

    /**
     * Answers a STAT request for {@code groupKey} (its key): one frame per statistic and an empty
     * terminator, or KEY_NOT_FOUND for an unknown group. Each frame is a new buffer the sink owns.
     */
    void write(byte[] groupKey, byte opcode, int opaque, ByteBufAllocator alloc, Consumer<ByteBuf> sink) {
        String group = new String(groupKey, StandardCharsets.US_ASCII);
        List<String[]> stats = new ArrayList<>();
        if (group.isEmpty()) {
            generalStats(stats);
        } else if (group.startsWith("reset")) {
            synchronized (store.lock) {
                store.counters = new ItemStore.Counters();
            }
        } else if (group.startsWith("settings")) {
            settingsStats(stats);
        } else if (group.startsWith("detail")) {
            String sub = group.substring("detail".length());
            if (sub.startsWith(" dump")) {
                stats.add(new String[] {"detailed", "END\r\n"});
            } else if (!sub.startsWith(" on") && !sub.startsWith(" off")) {
                sink.accept(EngineResponses.error(alloc, opcode, opaque, Status.KEY_NOT_FOUND));
                return;
            }
        } else if (group.equals("items")) {
            itemStats(stats);
        } else if (group.equals("slabs")) {
            slabStats(stats);
        } else if (group.equals("sizes")) {
            stats.add(new String[] {"sizes_status", "disabled"});
        } else {
            sink.accept(EngineResponses.error(alloc, opcode, opaque, Status.KEY_NOT_FOUND));
            return;
        }
        for (String[] stat : stats) {
            sink.accept(EngineResponses.stat(alloc, opaque, stat[0], stat[1]));
        }
        sink.accept(EngineResponses.stat(alloc, opaque, "", ""));
    }

    private void generalStats(List<String[]> out) {
        long now = store.nowSeconds();
        EngineStats s = store.stats();
        add(out, "pid", ProcessHandle.current().pid());
        add(out, "uptime", now - store.startedAt);
        add(out, "time", now);
        out.add(new String[] {"version", EngineShard.VERSION});
        add(out, "pointer_size", 64);
        add(out, "cmd_get", s.cmdGet());
        add(out, "cmd_set", s.cmdSet());
        add(out, "cmd_flush", s.cmdFlush());
        add(out, "cmd_touch", s.cmdTouch());
        add(out, "get_hits", s.getHits());
        add(out, "get_misses", s.getMisses());
        add(out, "get_expired", s.getExpired());
        add(out, "get_flushed", s.getFlushed());
        add(out, "delete_misses", s.deleteMisses());
        add(out, "delete_hits", s.deleteHits());
        add(out, "incr_misses", s.incrMisses());
        add(out, "incr_hits", s.incrHits());
        add(out, "decr_misses", s.decrMisses());
        add(out, "decr_hits", s.decrHits());
        add(out, "cas_misses", s.casMisses());
        add(out, "cas_hits", s.casHits());
        add(out, "cas_badval", s.casBadval());
        add(out, "touch_hits", s.touchHits());
        add(out, "touch_misses", s.touchMisses());
        add(out, "store_too_large", s.storeTooLarge());
        add(out, "store_no_memory", s.storeNoMemory());
        add(out, "limit_maxbytes", s.limitMaxbytes());
        add(out, "bytes", s.bytes());
        add(out, "curr_items", s.currItems());
        add(out, "total_items", s.totalItems());
        add(out, "evictions", s.evictions());
        add(out, "reclaimed", s.reclaimed());
    }

    private void settingsStats(List<String[]> out) {
        add(out, "maxbytes", store.memoryLimit);
        out.add(new String[] {"evictions", "on"});
        out.add(new String[] {"cas_enabled", "yes"});
        out.add(new String[] {"flush_enabled", "yes"});
        add(out, "item_size_max", store.maxItemSize);
        add(out, "item_overhead", EngineShard.ITEM_OVERHEAD);
    }

    private void itemStats(List<String[]> out) {
        long now = store.nowSeconds();
        synchronized (store.lock) {
            if (store.table.isEmpty()) {
                return;
            }
            add(out, "items:1:number", store.table.size());
            add(out, "items:1:age", store.oldest == null ? 0 : now - store.oldest.storedAt);
            add(out, "items:1:mem_requested", store.bytes);
            add(out, "items:1:evicted", store.counters.evictions);
            add(out, "items:1:reclaimed", store.counters.reclaimed);
        }
    }

    private void slabStats(List<String[]> out) {
        synchronized (store.lock) {
            add(out, "active_slabs", store.table.isEmpty() ? 0 : 1);
            add(out, "total_malloced", store.bytes);
        }
    }

    private static void add(List<String[]> out, String stat, long value) {
        out.add(new String[] {stat, Long.toString(value)});
    }
}
