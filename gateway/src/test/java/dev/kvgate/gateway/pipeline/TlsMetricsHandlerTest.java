package dev.kvgate.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** Handshake failure reasons are labels: a short fixed list, whatever the peer or the engine says. */
class TlsMetricsHandlerTest {
    private static SSLHandshakeException caused(String message, Throwable cause) {
        SSLHandshakeException e = new SSLHandshakeException(message);
        e.initCause(cause);
        return e;
    }

    @Test
    void reasonsComeFromAFixedList() {
        assertEquals("not_tls", TlsMetricsHandler.reason(new NotSslRecordException("not an SSL/TLS record: 8000")));
        assertEquals("timeout", TlsMetricsHandler.reason(new SslHandshakeTimeoutException("handshake timed out")));
        assertEquals("peer_closed", TlsMetricsHandler.reason(new ClosedChannelException()));
        assertEquals("certificate_expired", TlsMetricsHandler.reason(caused("x",
                new RuntimeException(new CertificateExpiredException("NotAfter: ...")))));
        assertEquals("certificate_untrusted", TlsMetricsHandler.reason(caused("x",
                new CertPathValidatorException("no path"))));
        assertEquals("protocol", TlsMetricsHandler.reason(new SSLHandshakeException("No appropriate protocol")));
        assertEquals("cipher", TlsMetricsHandler.reason(new SSLHandshakeException("no cipher suites in common")));
        assertEquals("certificate", TlsMetricsHandler.reason(new SSLHandshakeException("Empty client certificate chain")));
        assertEquals("other", TlsMetricsHandler.reason(new SSLHandshakeException("<script>alert(1)</script>")));
    }
}
