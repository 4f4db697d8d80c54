package dev.kvgate.gateway.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The per-read share: counted, reset per read, one resume task however often it yields, none for a closed channel. */
class ReadShareTest {
    private EmbeddedChannel ch;
    private ChannelHandlerContext ctx;
    private final List<Object> events = new ArrayList<>();

    @BeforeEach
    void setUp() {
        ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter(), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext c, Object evt) {
                events.add(evt);
            }
        });
        ctx = ch.pipeline().firstContext();
    }

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
    }

    @Test
    void aReadGetsItsShareAndTheNextReadAFullOne() {
        ReadShare share = new ReadShare(2);
        assertTrue(share.mayTake());
        share.took();
        share.took();
        assertFalse(share.mayTake());
        share.readComplete();
        assertTrue(share.mayTake());
    }

    @Test
    void yieldingPausesOnceRunsTheRestInOneTaskThenResumes() {
        ReadShare share = new ReadShare(1);
        share.took();
        int[] runs = {0};
        share.yieldRead(ctx, () -> runs[0]++);
        share.yieldRead(ctx, () -> runs[0]++);
        assertEquals(List.of(FrameDecoder.Backlog.PAUSE), events);
        ch.runPendingTasks();
        assertEquals(1, runs[0]);
        assertTrue(share.mayTake(), "the task starts with a full share");
        assertEquals(List.of(FrameDecoder.Backlog.PAUSE, FrameDecoder.Backlog.RESUME), events);
    }

    @Test
    void aTaskThatYieldsAgainDoesNotResume() {
        ReadShare share = new ReadShare(1);
        share.took();
        share.yieldRead(ctx, () -> {
            share.took();
            share.yieldRead(ctx, () -> { });
        });
        ch.runPendingTasks();
        assertEquals(List.of(FrameDecoder.Backlog.PAUSE, FrameDecoder.Backlog.PAUSE, FrameDecoder.Backlog.RESUME),
                events, "the first task yielded again (paused, no resume); the second resumed");
    }

    @Test
    void aClosedChannelsRestIsNotDecoded() {
        ReadShare share = new ReadShare(1);
        share.took();
        int[] runs = {0};
        share.yieldRead(ctx, () -> runs[0]++);
        ch.unsafe().close(ch.newPromise()); // closed before the loop gets to the task
        ch.runPendingTasks();
        assertEquals(0, runs[0]);
        assertEquals(List.of(FrameDecoder.Backlog.PAUSE), events);
    }
}
