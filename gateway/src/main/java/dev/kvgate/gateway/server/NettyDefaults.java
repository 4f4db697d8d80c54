package dev.kvgate.gateway.server;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Netty's process-wide defaults sized for a gateway rather than for a large application server. Netty
 * reads them once, when its allocator and platform classes initialize, so they are set as system
 * properties before kvgate touches any Netty class; a property the operator already set (as
 * {@code -Dio.netty...}) is left as it is.
 *
 * <p>What they change, measured with Native Memory Tracking on an idle gateway (see README, "Small
 * container"):
 * <ul>
 *   <li>{@code io.netty.allocator.type = pooled}: {@code ByteBufAllocator.DEFAULT}, which Netty's own
 *       TLS code uses, becomes the pooled allocator kvgate's channels use, instead of a second,
 *       adaptive pool with chunks of its own.</li>
 *   <li>{@code numDirectArenas} = io threads: a thread is bound to an arena and an arena holds at least
 *       one chunk; Netty's default is two arenas per core whatever the number of event loops.</li>
 *   <li>{@code numHeapArenas = 0}: kvgate's buffers are direct; the few heap buffers (the JDK TLS
 *       engine's) are left to the garbage collector rather than pooled in chunks of their own.</li>
 *   <li>{@code maxOrder = 7}: 1 MiB chunks instead of 4 MiB. Pooled buffers here are small (socket
 *       reads, TLS records, frames under {@code memory.large-frame}); large frames are gathered into
 *       exact, unpooled buffers against the memory budget anyway.</li>
 *   <li>{@code io.netty.jfr.enabled = false}: no allocator events for JDK Flight Recorder, whose
 *       event classes Netty would otherwise load and emit at every chunk allocation.</li>
 *   <li>{@code io.netty.handler.ssl.openssl.bioNonApplicationBufferSize = 256}: every OpenSSL engine
 *       (one per TLS connection) mallocs this buffer when it is made and keeps it until the connection
 *       closes; Netty's 2,048 bytes were about a fifth of what an idle TLS connection held (bench/README,
 *       "Footprint"). It only takes what BoringSSL writes while Netty has no output buffer to give it
 *       (its handshake flight and session tickets while reading the client's messages, an alert): what
 *       does not fit waits in BoringSSL and leaves with the engine's next wrap, which Netty asks for at
 *       once (a server flight with a certificate chain never fitted 2,048 bytes either). An alert or a
 *       key update fits.</li>
 * </ul>
 */
final class NettyDefaults {
    /** Bytes of the buffer each OpenSSL engine keeps for TLS output written while it reads. */
    static final String TLS_BIO_BUFFER = "io.netty.handler.ssl.openssl.bioNonApplicationBufferSize";

    private NettyDefaults() {
    }

    /** The properties kvgate sets unless already set, for a gateway with {@code ioThreads} event loops. */
    static Map<String, String> forIoThreads(int ioThreads) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("io.netty.allocator.type", "pooled");
        p.put("io.netty.allocator.numDirectArenas", Integer.toString(Math.max(1, ioThreads)));
        p.put("io.netty.allocator.numHeapArenas", "0");
        p.put("io.netty.allocator.maxOrder", "7");
        p.put("io.netty.jfr.enabled", "false");
        p.put(TLS_BIO_BUFFER, "256");
        return p;
    }

    /** Sets every default the operator did not set; must run before any Netty class initializes. */
    static void apply(int ioThreads) {
        forIoThreads(ioThreads).forEach((key, value) -> {
            if (System.getProperty(key) == null) {
                System.setProperty(key, value);
            }
        });
    }
}
