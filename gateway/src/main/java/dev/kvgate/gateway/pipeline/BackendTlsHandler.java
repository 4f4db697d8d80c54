package dev.kvgate.gateway.pipeline;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Behind the SslHandler of a connection to a TLS shard until its handshake is decided: a failure (an
 * untrusted or expired shard certificate, a name mismatch, a plain memcached on the port) is logged
 * once per shard and reason at WARN, repeats of it on reconnect at DEBUG; the SslHandler closes the
 * channel and the backend connection fails its requests with 0x86 and reconnects with backoff.
 */
final class BackendTlsHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(BackendTlsHandler.class);

    /** Last failure reported per shard address; cleared by a successful handshake. */
    private static final Map<String, String> REPORTED = new ConcurrentHashMap<>();

    private final String shard;
    private boolean decided;

    BackendTlsHandler(String host, int port) {
        this.shard = host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                decided = true;
                if (REPORTED.remove(shard) != null) {
                    log.info("shard {}: TLS handshake succeeds again", shard);
                }
                ctx.pipeline().remove(this);
            } else {
                report(done.cause());
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof SSLException || decided) {
            // Reported with the handshake failure; the backend handler would log it raw once more.
            report(root);
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private void report(Throwable cause) {
        if (decided) {
            return;
        }
        decided = true;
        String reason = TlsInfoHandler.reason(cause);
        if (!reason.equals(REPORTED.put(shard, reason))) {
            log.warn("shard {}: TLS handshake failed: {}; check kvgate.backend-tls (trust, verify-hostname) "
                    + "and the shard's certificate", shard, reason);
        } else {
            log.debug("shard {}: TLS handshake failed again: {}", shard, reason);
        }
    }
}
