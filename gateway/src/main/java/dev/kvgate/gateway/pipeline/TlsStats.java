package dev.kvgate.gateway.pipeline;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the TLS listeners' handshakes and unclean closes, shared by every client connection.
 * Counted once per connection, after a handshake that costs far more than an adder; the request
 * path has its own per-loop counters.
 */
public final class TlsStats {
    /** Handshakes completed. */
    public final LongAdder handshakes = new LongAdder();
    /** Handshakes failed: bad or missing client certificates, old protocols, plaintext, timeouts, resets. */
    public final LongAdder handshakeFailures = new LongAdder();
    /** Handshakes completed with a client certificate. */
    public final LongAdder clientCertificates = new LongAdder();
    /** Established connections ended by a TLS error: a record failing its integrity check, a fatal alert. */
    public final LongAdder tlsErrors = new LongAdder();
    /** Established connections the peer closed without close_notify (possibly mid-record). */
    public final LongAdder truncatedCloses = new LongAdder();

    /** A negotiated protocol and cipher suite. */
    public record Suite(String protocol, String cipher) {
    }

    private final ConcurrentMap<Suite, LongAdder> bySuite = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, LongAdder> failuresByReason = new ConcurrentHashMap<>();

    void handshakeCompleted(String protocol, String cipher) {
        bySuite.computeIfAbsent(new Suite(protocol, cipher), s -> new LongAdder()).increment();
    }

    void handshakeFailed(String reason) {
        failuresByReason.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    /** Handshakes completed, by protocol and cipher suite. */
    public Map<Suite, LongAdder> handshakesBySuite() {
        return bySuite;
    }

    /** Handshakes failed, by reason (see {@link TlsMetricsHandler#reason}). */
    public Map<String, LongAdder> failuresByReason() {
        return failuresByReason;
    }
}
