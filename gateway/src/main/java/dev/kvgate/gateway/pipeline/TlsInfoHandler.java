package dev.kvgate.gateway.pipeline;

import dev.kvgate.gateway.auth.ClientIdentity;
import dev.kvgate.gateway.log.LogSafe;
import dev.kvgate.gateway.log.PeerWarnings;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sits right behind the SslHandler until the handshake is decided: on success stores the
 * {@link ClientIdentity} on the channel, logs one line (peer, protocol, cipher, client certificate),
 * counts it and removes itself; on failure logs one line saying why and swallows the TLS exceptions
 * that follow it, so a hostile or broken peer costs one log line (the SslHandler closes the channel).
 * Both lines go through the server's {@link PeerWarnings}: a peer can open connections far faster
 * than anyone can read their lines. The counters count every handshake.
 */
public final class TlsInfoHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TlsInfoHandler.class);

    private static final int REASON_MAX = 256;

    private final TlsStats stats;
    private boolean failureReported;

    public TlsInfoHandler(TlsStats stats) {
        this.stats = stats;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                SslHandler tls = ctx.pipeline().get(SslHandler.class);
                ClientIdentity identity = ClientIdentity.of(tls.engine().getSession());
                ctx.channel().attr(ClientIdentity.KEY).set(identity);
                stats.handshakes.increment();
                if (identity.certificate().isPresent()) {
                    stats.clientCertificates.increment();
                }
                PeerWarnings.of(ctx.channel()).info(log, ctx.channel(), "{} TLS connected: {} {}, {}", ctx.channel(),
                        identity.protocol(), identity.cipher(), identity.describeClient());
                ctx.pipeline().remove(this);
                ctx.fireUserEventTriggered(evt);
            } else {
                reportFailure(ctx, done.cause());
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (failureReported || root instanceof SSLException) {
            reportFailure(ctx, root);
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private void reportFailure(ChannelHandlerContext ctx, Throwable cause) {
        if (failureReported) {
            return;
        }
        failureReported = true;
        stats.handshakeFailures.increment();
        PeerWarnings.of(ctx.channel()).info(log, ctx.channel(), "{} TLS handshake failed: {}", ctx.channel(),
                reason(cause));
    }

    /**
     * A reason an operator can act on, without a stack trace, on one line: the messages can quote what
     * the peer sent (a certificate's names, say).
     */
    static String reason(Throwable cause) {
        return LogSafe.text(describe(cause), REASON_MAX);
    }

    private static String describe(Throwable cause) {
        if (cause instanceof NotSslRecordException) {
            return "not a TLS record (plaintext sent to a TLS listener?)";
        }
        if (cause instanceof SslHandshakeTimeoutException) {
            return "not finished in time (" + cause.getMessage() + ")";
        }
        if (cause instanceof ClosedChannelException) {
            return "peer closed the connection during the handshake";
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof CertificateExpiredException) {
            return "peer certificate expired (" + root.getMessage() + ")";
        }
        if (root instanceof CertificateNotYetValidException) {
            return "peer certificate not yet valid (" + root.getMessage() + ")";
        }
        if (root instanceof CertPathBuilderException || root instanceof CertPathValidatorException) {
            return "peer certificate not trusted: " + root.getMessage();
        }
        String message = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        return root == cause ? message : cause.getClass().getSimpleName() + ": " + message;
    }
}
