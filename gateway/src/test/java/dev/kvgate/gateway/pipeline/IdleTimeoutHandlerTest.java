package dev.kvgate.gateway.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The idle timer counts from the last read or flush, on a manual clock; a write alone makes no promise. */
class IdleTimeoutHandlerTest {
    private final MockTicker clock = Ticker.newMockTicker();
    private EmbeddedChannel ch;
    private int events;

    @BeforeEach
    void setUp() {
        ch = EmbeddedChannel.builder().ticker(clock).build();
        ch.pipeline().addLast(new IdleTimeoutHandler(10, TimeUnit.SECONDS), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt == IdleStateEvent.ALL_IDLE_STATE_EVENT) {
                    events++;
                }
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ((ByteBuf) msg).release();
            }
        });
    }

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
    }

    private void advance(long seconds) {
        clock.advance(seconds, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
    }

    @Test
    void aSilentConnectionIsIdleAfterTheTimeoutAndAgainOneTimeoutLater() {
        advance(9);
        assertEquals(0, events);
        advance(1);
        assertEquals(1, events);
        advance(9);
        assertEquals(1, events, "asked again only a whole timeout later");
        advance(1);
        assertEquals(2, events);
    }

    @Test
    void aFlushRestartsTheTimeoutAndAWriteAloneDoesNot() {
        advance(8);
        ch.write(Unpooled.wrappedBuffer(new byte[] {1}), ch.voidPromise());
        advance(2);
        assertEquals(1, events, "a write that was not flushed is no activity");
        advance(8);
        ch.flush();
        advance(9);
        assertEquals(1, events);
        advance(1);
        assertEquals(2, events, "idle one timeout after the flush");
        ByteBuf out;
        while ((out = ch.readOutbound()) != null) {
            out.release();
        }
    }

    @Test
    void aReadRestartsTheTimeout() {
        advance(9);
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {1}));
        advance(9);
        assertEquals(0, events);
        advance(1);
        assertEquals(1, events);
    }

    @Test
    void aClosedConnectionHasNoTimerLeft() {
        ch.close();
        advance(60);
        assertEquals(0, events);
        assertTrue(!ch.isOpen());
    }
}
