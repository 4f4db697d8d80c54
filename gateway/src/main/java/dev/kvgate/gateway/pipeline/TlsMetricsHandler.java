package dev.kvgate.gateway.pipeline;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;
import javax.net.ssl.SSLSession;

/**
 * Right behind the SslHandler until the handshake is decided: counts it by protocol and cipher, or
 * its failure by a reason from a short fixed list (a label, so never the peer's text), then removes
 * itself. Logging the handshake stays {@link TlsInfoHandler}'s job.
 */
final class TlsMetricsHandler extends ChannelInboundHandlerAdapter {
    private final TlsStats stats;

    TlsMetricsHandler(TlsStats stats) {
        this.stats = stats;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                SSLSession session = ctx.pipeline().get(SslHandler.class).engine().getSession();
                stats.handshakeCompleted(session.getProtocol(), session.getCipherSuite());
            } else {
                stats.handshakeFailed(reason(done.cause()));
            }
            ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** One of: not_tls, timeout, peer_closed, certificate_expired, certificate_not_yet_valid, certificate_untrusted, protocol, cipher, certificate, other. */
    static String reason(Throwable cause) {
        if (cause instanceof NotSslRecordException) {
            return "not_tls";
        }
        if (cause instanceof SslHandshakeTimeoutException) {
            return "timeout";
        }
        if (cause instanceof ClosedChannelException) {
            return "peer_closed";
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
            if (root instanceof CertificateExpiredException) {
                return "certificate_expired";
            }
            if (root instanceof CertificateNotYetValidException) {
                return "certificate_not_yet_valid";
            }
            if (root instanceof CertPathBuilderException || root instanceof CertPathValidatorException) {
                return "certificate_untrusted";
            }
        }
        String m = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
        if (m.contains("protocol")) {
            return "protocol";
        }
        if (m.contains("cipher")) {
            return "cipher";
        }
        if (m.contains("certificate")) {
            return "certificate";
        }
        return "other";
    }
}
