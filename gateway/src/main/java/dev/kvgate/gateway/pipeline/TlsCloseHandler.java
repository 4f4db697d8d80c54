package dev.kvgate.gateway.pipeline;

import dev.kvgate.gateway.log.PeerWarnings;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports how an established TLS connection ended when it did not end cleanly, in one line: a TLS
 * error (a record failing its integrity check, a fatal alert) or the peer closing without close_notify
 * (a crashed client, a middlebox reset, an abrupt close mid-record). The engines differ in how they
 * surface a bad record (the JDK's throws, BoringSSL's closes with a failed close event): both end here.
 * The line goes through the server's {@link PeerWarnings}, since a peer can end connections badly on
 * purpose as fast as it can open them.
 */
@ChannelHandler.Sharable
final class TlsCloseHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TlsCloseHandler.class);
    private static final AttributeKey<Boolean> REPORTED = AttributeKey.valueOf("kvgate.tls-close-reported");

    private final TlsStats stats;

    TlsCloseHandler(TlsStats stats) {
        this.stats = stats;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof SSLException) {
            if (ctx.channel().attr(REPORTED).setIfAbsent(Boolean.TRUE) == null) {
                stats.tlsErrors.increment();
                PeerWarnings.of(ctx.channel()).info(log, ctx.channel(), "{} TLS error: {}; closing", ctx.channel(),
                        TlsInfoHandler.reason(root));
            }
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslCloseCompletionEvent close && !close.isSuccess()
                && ctx.channel().attr(REPORTED).get() == null) {
            SslHandler tls = ctx.pipeline().get(SslHandler.class);
            if (tls != null && tls.handshakeFuture().isSuccess()) {
                if (!(close.cause() instanceof ClosedChannelException)) {
                    ctx.channel().attr(REPORTED).set(Boolean.TRUE);
                    stats.tlsErrors.increment();
                    PeerWarnings.of(ctx.channel()).info(log, ctx.channel(), "{} TLS error: {}; closing",
                            ctx.channel(), TlsInfoHandler.reason(close.cause()));
                } else if (tls.engine().isInboundDone()) {
                    // The SslHandler closes the engine's inbound side on EOF only when kvgate had not started
                    // closing itself: a peer that just drops the socket after our close_notify is no news.
                    ctx.channel().attr(REPORTED).set(Boolean.TRUE);
                    stats.truncatedCloses.increment();
                    // BoringSSL also ends here after a record that fails its integrity check: it sends the
                    // alert and closes without raising the error to the pipeline.
                    PeerWarnings.of(ctx.channel()).info(log, ctx.channel(), "{} TLS connection ended without "
                            + "close_notify (peer closed, possibly mid-record, or sent a corrupt record)",
                            ctx.channel());
                }
            }
        }
        ctx.fireUserEventTriggered(evt);
    }
}
