package dev.kvgate.gateway.pipeline;

import dev.kvgate.gateway.log.PeerWarnings;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In front of the SslHandler: closes a connection whose TLS record stays incomplete longer than the
 * frame read timeout. Half a record is invisible to the mcbp decoder behind the SslHandler (it has
 * no plaintext yet), so without this a peer that sends half a record after the handshake and waits
 * would hold its connection slot until the idle timeout.
 *
 * <p>Only follows the 5-byte record headers (type, version, 16-bit length) through the stream;
 * reads indexes, never moves them, and passes every buffer on unchanged. Time while kvgate itself
 * stopped reading the connection does not count.
 */
public final class TlsRecordStallHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TlsRecordStallHandler.class);
    private static final int HEADER = 5;

    private final long timeoutNanos;
    /** Header bytes of the current record seen so far (0 at a record boundary). */
    private int headerSeen;
    private int lengthHigh;
    /** Body bytes of the current record still to come. */
    private int bodyLeft;
    private long partialSinceNanos = -1;
    private ScheduledFuture<?> timer;

    public TlsRecordStallHandler(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf in) {
            boolean completed = follow(in);
            track(ctx, completed);
        }
        ctx.fireChannelRead(msg);
    }

    /** Walks the record headers in {@code in}; true when at least one record was completed. */
    private boolean follow(ByteBuf in) {
        boolean completed = false;
        int at = in.readerIndex();
        int end = in.writerIndex();
        while (at < end) {
            if (bodyLeft > 0) {
                int n = Math.min(bodyLeft, end - at);
                at += n;
                bodyLeft -= n;
                if (bodyLeft == 0) {
                    completed = true;
                }
                continue;
            }
            int b = in.getUnsignedByte(at++);
            headerSeen++;
            if (headerSeen == 4) {
                lengthHigh = b;
            } else if (headerSeen == HEADER) {
                headerSeen = 0;
                bodyLeft = (lengthHigh << 8) | b;
                if (bodyLeft == 0) {
                    completed = true;
                }
            }
        }
        return completed;
    }

    private boolean partial() {
        return headerSeen > 0 || bodyLeft > 0;
    }

    private void track(ChannelHandlerContext ctx, boolean completed) {
        if (!partial()) {
            partialSinceNanos = -1;
            return;
        }
        if (partialSinceNanos < 0 || completed) {
            partialSinceNanos = ctx.executor().ticker().nanoTime();
        }
        if (timer == null) {
            timer = ctx.executor().schedule(() -> check(ctx), timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void check(ChannelHandlerContext ctx) {
        timer = null;
        if (partialSinceNanos < 0 || !ctx.channel().isActive()) {
            return;
        }
        long now = ctx.executor().ticker().nanoTime();
        if (!ctx.channel().config().isAutoRead()) {
            partialSinceNanos = now;
        } else if (now - partialSinceNanos >= timeoutNanos) {
            PeerWarnings.of(ctx.channel()).warn(log, ctx.channel(), "{}: a TLS record stayed incomplete for {} ms; closing",
                    ctx.channel(), TimeUnit.NANOSECONDS.toMillis(timeoutNanos));
            ctx.close();
            return;
        }
        timer = ctx.executor().schedule(() -> check(ctx), partialSinceNanos + timeoutNanos - now, TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        super.channelInactive(ctx);
    }
}
