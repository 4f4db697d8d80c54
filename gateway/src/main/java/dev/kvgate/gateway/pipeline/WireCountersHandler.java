package dev.kvgate.gateway.pipeline;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.AttributeKey;

/**
 * First in every client pipeline: counts the connection and the bytes it moves on the wire (TLS
 * records included) into its listener's counters for this event loop, and names the listener on the
 * channel for log lines.
 */
public final class WireCountersHandler extends ChannelDuplexHandler {
    /** The listener a client connection came in on. */
    public static final AttributeKey<String> LISTENER = AttributeKey.valueOf("kvgate.listener");

    private final ListenerStats stats;
    private ListenerStats.PerLoop counters;
    private boolean counted;

    public WireCountersHandler(ListenerStats stats) {
        this.stats = stats;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        counters = stats.forLoop(ctx.channel().eventLoop());
        ctx.channel().attr(LISTENER).set(stats.listener());
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        counted = true;
        counters.opened++;
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (counted) {
            counters.closed++;
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf b) {
            counters.bytesIn += b.readableBytes();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf b) {
            // Counted when handed to the transport; a write that then fails is rare enough to ignore.
            counters.bytesOut += b.readableBytes();
        }
        ctx.write(msg, promise);
    }
}
