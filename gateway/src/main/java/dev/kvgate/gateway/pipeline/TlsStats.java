package dev.kvgate.gateway.pipeline;

import java.util.concurrent.atomic.LongAdder;

/** Counters of the TLS listeners' handshakes and unclean closes, shared by every client connection. */
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
}
