package dev.kvgate.gateway.pipeline;

import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The access log (kvgate.log.access): one INFO line on logger {@code kvgate.access} for every Nth
 * answer an event loop writes to its clients (peer, listener, opcode, status, bytes). Only in the
 * pipeline when enabled; it reads the answer's header, never its key or value. Quiet requests that
 * succeed are not answered, so they are not logged.
 */
final class AccessLogHandler extends ChannelOutboundHandlerAdapter {
    static final Logger ACCESS = LoggerFactory.getLogger("kvgate.access");

    private final long every;
    private final ListenerStats stats;
    private ListenerStats.PerLoop loop;

    /** @param sample fraction of answers logged, (0, 1] */
    AccessLogHandler(double sample, ListenerStats stats) {
        this.every = Math.max(1, Math.round(1 / sample));
        this.stats = stats;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        loop = stats.forLoop(ctx.channel().eventLoop());
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof ByteBuf b && ACCESS.isInfoEnabled()) {
            // One write may carry several answers (a run of them leaves as one slice): each counts.
            int at = b.readerIndex();
            int end = b.writerIndex();
            while (end - at >= Mcbp.HEADER_SIZE) {
                int length = Mcbp.HEADER_SIZE + (int) Math.min(Integer.MAX_VALUE - Mcbp.HEADER_SIZE,
                        b.getUnsignedInt(at + 8));
                if (++loop.accessTick % every == 0) {
                    log(ctx, b, at, Math.min(length, end - at));
                }
                at += length;
            }
        }
        ctx.write(msg, promise);
    }

    private void log(ChannelHandlerContext ctx, ByteBuf b, int at, int length) {
        int op = b.getUnsignedByte(at + 1);
        int code = b.getUnsignedShort(at + 6);
        Opcode opcode = Opcode.of((byte) op);
        Status status = Status.of(code);
        String opName = opcode != null ? opcode.name().toLowerCase(Locale.ROOT) : String.format("0x%02x", op);
        String statusName = status != null ? status.name().toLowerCase(Locale.ROOT) : String.format("0x%04x", code);
        ACCESS.atInfo().addKeyValue("opcode", opName).addKeyValue("status", statusName)
                .addKeyValue("bytes", length)
                .log("{} {} {} {} {} bytes", ctx.channel(), stats.listener(), opName, statusName, length);
    }
}
