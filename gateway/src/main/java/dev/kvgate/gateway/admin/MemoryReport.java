package dev.kvgate.gateway.admin;

import dev.kvgate.gateway.proxy.GatewayStats;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * GET /debug/memory: the process's heap, direct memory and resident set after a full GC, for
 * measuring what a connection costs ({@code java -jar kvgate.jar idle}). Runs System.gc() on the
 * admin thread, never on an event loop; a diagnostic, not something to poll.
 */
final class MemoryReport {
    private MemoryReport() {
    }

    static String json(GatewayStats stats) {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return "{\"heap_used\":" + (rt.totalMemory() - rt.freeMemory())
                + ",\"direct_used\":" + PlatformDependent.usedDirectMemory()
                + ",\"rss\":" + rssBytes()
                + ",\"curr_connections\":" + stats.currentConnections() + "}\n";
    }

    private static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
