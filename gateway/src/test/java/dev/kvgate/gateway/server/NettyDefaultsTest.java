package dev.kvgate.gateway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NettyDefaultsTest {
    @Test
    void oneDirectArenaPerIoThreadAndOneMiBChunks() {
        Map<String, String> p = NettyDefaults.forIoThreads(3);
        assertEquals("3", p.get("io.netty.allocator.numDirectArenas"));
        assertEquals("0", p.get("io.netty.allocator.numHeapArenas"));
        assertEquals("pooled", p.get("io.netty.allocator.type"));
        // 8 KiB pages << 7 = 1 MiB chunks
        assertEquals("7", p.get("io.netty.allocator.maxOrder"));
        assertEquals("1", NettyDefaults.forIoThreads(0).get("io.netty.allocator.numDirectArenas"));
    }

    @Test
    void whatTheOperatorSetIsKept() {
        Map<String, String> saved = new HashMap<>();
        for (String key : NettyDefaults.forIoThreads(1).keySet()) {
            saved.put(key, System.getProperty(key));
            System.clearProperty(key);
        }
        try {
            System.setProperty("io.netty.allocator.maxOrder", "9");
            NettyDefaults.apply(2);
            assertEquals("9", System.getProperty("io.netty.allocator.maxOrder"));
            assertEquals("2", System.getProperty("io.netty.allocator.numDirectArenas"));
            assertEquals("false", System.getProperty("io.netty.jfr.enabled"));
        } finally {
            saved.forEach((key, value) -> {
                if (value == null) {
                    System.clearProperty(key);
                } else {
                    System.setProperty(key, value);
                }
            });
        }
    }
}
