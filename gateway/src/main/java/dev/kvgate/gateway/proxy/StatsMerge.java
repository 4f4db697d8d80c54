package dev.kvgate.gateway.proxy;

import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Responses;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * STAT through the gateway: asks every shard, adds up their counters (items, bytes, hits, misses,
 * evictions ...) and answers one stat group as a single shard would, with the gateway's own values
 * (pid, uptime, version, connections) in place of the shards'. One object per STAT, a rare command.
 */
final class StatsMerge {
    /** Values that describe one process, not an amount: the first shard's value stands. */
    private static final Set<String> NOT_ADDED = Set.of("pid", "uptime", "time", "version", "libevent",
            "pointer_size", "threads", "max_connections", "hash_power_level", "reserved_fds", "hash_bytes");

    private final ResponseQueue queue;
    private final long seq;
    private final boolean general;
    private final Map<String, String> gateway;
    private final Map<String, String> merged = new LinkedHashMap<>();
    private ByteBuf error;
    private int remaining;

    /**
     * @param general whether this is the group-less STAT, which gets the gateway's own entries
     * @param gateway the gateway's entries, listed first and overriding the shards'
     */
    StatsMerge(ResponseQueue queue, long seq, int shards, boolean general, Map<String, String> gateway) {
        this.queue = queue;
        this.seq = seq;
        this.remaining = shards;
        this.general = general;
        this.gateway = gateway;
    }

    /** The waiter of each shard's copy (the shards' sequence numbers are not used). */
    Waiter part() {
        return new Waiter() {
            @Override
            public boolean multiPart(long ignored, ByteBuf frame) {
                if (Mcbp.status(frame) != 0 || Mcbp.keyLength(frame) == 0) {
                    return false;
                }
                try {
                    add(text(frame, Mcbp.keyIndex(frame), Mcbp.keyLength(frame)),
                            text(frame, Mcbp.valueIndex(frame), Mcbp.valueLength(frame)));
                } finally {
                    frame.release();
                }
                return true;
            }

            @Override
            public void answer(long ignored, ByteBuf response) {
                if (response != null && Mcbp.status(response) != 0 && error == null) {
                    error = response;
                } else if (response != null) {
                    response.release();
                }
                done();
            }

            @Override
            public void fail(long ignored, Status status) {
                if (error == null) {
                    error = queue.error(queue.opcode(seq), status, queue.clientOpaque(seq));
                }
                done();
            }
        };
    }

    private void add(String key, String value) {
        String before = merged.get(key);
        if (before == null || NOT_ADDED.contains(key)) {
            merged.putIfAbsent(key, value);
            return;
        }
        try {
            merged.put(key, Long.toString(Long.parseLong(before) + Long.parseLong(value)));
        } catch (NumberFormatException e) {
            try {
                merged.put(key, Double.toString(Double.parseDouble(before) + Double.parseDouble(value)));
            } catch (NumberFormatException notNumeric) {
                // keep the first shard's text
            }
        }
    }

    private void done() {
        if (--remaining > 0) {
            return;
        }
        if (error != null) {
            ByteBuf e = error;
            error = null;
            queue.answer(seq, e);
            return;
        }
        Map<String, String> all = new LinkedHashMap<>();
        if (general) {
            all.putAll(gateway);
        }
        merged.forEach(all::putIfAbsent);
        queue.settle(seq, build(queue.alloc(), queue.clientOpaque(seq), all));
    }

    /** One buffer of exact size holding a STAT answer: a frame per entry, then the terminator. */
    static ByteBuf build(io.netty.buffer.ByteBufAllocator alloc, int opaque, Map<String, String> entries) {
        int size = Mcbp.HEADER_SIZE;
        for (Map.Entry<String, String> e : entries.entrySet()) {
            size += Mcbp.HEADER_SIZE + utf8Length(e.getKey()) + utf8Length(e.getValue());
        }
        ByteBuf out = alloc.buffer(size);
        try {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                Responses.writeStat(out, opaque, e.getKey().getBytes(StandardCharsets.UTF_8),
                        e.getValue().getBytes(StandardCharsets.UTF_8));
            }
            Responses.writeStat(out, opaque, new byte[0], new byte[0]);
            return out;
        } catch (RuntimeException ex) {
            out.release();
            throw ex;
        }
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String text(ByteBuf frame, int index, int length) {
        return frame.toString(index, length, StandardCharsets.UTF_8);
    }
}
