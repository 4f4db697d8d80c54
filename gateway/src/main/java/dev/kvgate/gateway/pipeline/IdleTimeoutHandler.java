package dev.kvgate.gateway.pipeline;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Ticker;
import java.util.concurrent.TimeUnit;

/**
 * Fires {@link IdleStateEvent#ALL_IDLE_STATE_EVENT} once neither a read nor a flush happened for the
 * timeout. Unlike Netty's all-idle {@code IdleStateHandler}, writes are not tracked by a listener on
 * each write's promise (which turns every void promise into a real one): the last write is the time
 * of the last flush, one store per flush. One timer per connection, re-armed for what is left.
 */
public final class IdleTimeoutHandler extends ChannelDuplexHandler {
    private final long timeoutNanos;
    private Ticker ticker;
    private long lastActivity;
    private boolean reading;
    private Future<?> timer;
    private boolean fired;
    private final Runnable check = this::check;
    private ChannelHandlerContext ctx;

    public IdleTimeoutHandler(long timeout, TimeUnit unit) {
        this.timeoutNanos = Math.max(unit.toNanos(timeout), TimeUnit.MILLISECONDS.toNanos(1));
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.ticker = ctx.executor().ticker();
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            start();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start();
        super.channelActive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stop();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stop();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        reading = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (reading) {
            reading = false;
            lastActivity = ticker.nanoTime();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void flush(ChannelHandlerContext ctx) throws Exception {
        lastActivity = ticker.nanoTime();
        ctx.flush();
    }

    private void start() {
        if (timer != null || fired) {
            return;
        }
        lastActivity = ticker.nanoTime();
        timer = ctx.executor().schedule(check, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private void stop() {
        fired = true;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void check() {
        timer = null;
        if (fired || !ctx.channel().isOpen()) {
            return;
        }
        long left = timeoutNanos - (ticker.nanoTime() - lastActivity);
        if (reading || left > 0) {
            timer = ctx.executor().schedule(check, reading ? timeoutNanos : left, TimeUnit.NANOSECONDS);
            return;
        }
        // The next check counts from now: a handler that keeps the connection (a session waiting on
        // its answers) is asked again one timeout later.
        lastActivity = ticker.nanoTime();
        timer = ctx.executor().schedule(check, timeoutNanos, TimeUnit.NANOSECONDS);
        ctx.fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
    }
}
