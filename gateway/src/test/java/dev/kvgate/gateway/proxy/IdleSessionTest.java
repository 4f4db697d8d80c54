package dev.kvgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.kvgate.config.BackendSettings;
import dev.kvgate.config.LimitsSettings;
import dev.kvgate.config.Settings;
import dev.kvgate.gateway.auth.Authenticator;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import dev.kvgate.routing.HashPreset;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What an idle client connection holds: a session that never sent a request has no answer ring; the
 * first request makes a small one, which doubles while more requests wait, and answers keep their
 * order throughout.
 */
@Timeout(30)
class IdleSessionTest {
    private EmbeddedChannel channel;
    private OpaqueRewriteTest.WireBackend backend;
    private Authenticator auth;
    private ClientSession session;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        BackendSettings bs = new BackendSettings(1, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(5),
                Duration.ofMillis(100), Duration.ofSeconds(1), 64, BackendSettings.OnShardFailure.FAIL_FAST, 3,
                Duration.ofSeconds(5));
        ShardRing ring = new ShardRing(HashPreset.KETAMA_SPYMEMCACHED, List.of("s0"), bs);
        backend = new OpaqueRewriteTest.WireBackend(channel.eventLoop(), ring);
        LoopBackends loop = new LoopBackends(ring, new Backend[][] {{backend}});
        BackendRegistry registry = new BackendRegistry(Map.of(channel.eventLoop(), loop), 1);
        LimitsSettings limits = new LimitsSettings(1 << 20, Duration.ofMinutes(1), 1024, 64, 100, 100);
        auth = new Authenticator(Settings.parse("").auth());
        session = new ClientSession(registry, limits, new GatewayStats(), auth);
        channel.pipeline().addLast(session);
    }

    @AfterEach
    void tearDown() {
        backend.wire.forEach(b -> {
            if (b.refCnt() > 0) {
                b.release();
            }
        });
        channel.finishAndReleaseAll();
        auth.close();
    }

    private static ByteBuf response(Opcode op, int opaque) {
        ByteBuf b = Unpooled.directBuffer(Mcbp.HEADER_SIZE + 4);
        b.writeByte(0x81).writeByte(op.code()).writeShort(0).writeByte(4).writeByte(0).writeShort(0)
                .writeInt(4).writeInt(opaque).writeLong(0).writeInt(0);
        return b;
    }

    /** The client opaques of the answers written so far, in order; releases them. */
    private List<Integer> answered() {
        channel.runPendingTasks();
        List<Integer> opaques = new ArrayList<>();
        for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
            for (int at = b.readerIndex(); at < b.writerIndex(); at += Mcbp.HEADER_SIZE + b.getInt(at + Mcbp.BODY_LENGTH)) {
                assertEquals(Status.SUCCESS.code(), b.getShort(at + Mcbp.STATUS));
                opaques.add(b.getInt(at + Mcbp.OPAQUE));
            }
            b.release();
        }
        return opaques;
    }

    @Test
    void aSessionThatNeverSentARequestHoldsNoRing() {
        assertEquals(0, session.ringCapacity());
        channel.runPendingTasks();
        assertNull(channel.readOutbound());
        assertEquals(0, session.ringCapacity());
    }

    @Test
    void theFirstRequestMakesASmallRingAndIsAnswered() {
        channel.writeInbound(OpaqueRewriteTest.request(Opcode.NOOP, "", 0x51));
        assertEquals(List.of(0x51), answered());
        assertEquals(4, session.ringCapacity(), "one request at a time needs no more than the first ring");
    }

    @Test
    void requestsWaitingTogetherGrowTheRingAndKeepTheirOrder() {
        // Ten GETs in flight at once: the ring doubles from 4 to 16 while they wait.
        List<Integer> sent = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            channel.writeInbound(OpaqueRewriteTest.request(Opcode.GET, "k" + i, 0x100 + i));
            sent.add(0x100 + i);
        }
        assertEquals(10, backend.wire.size());
        assertEquals(16, session.ringCapacity());
        // Answered in the backend's order, which is the requests' order.
        for (ByteBuf frame : backend.wire) {
            backend.onResponse(response(Opcode.GET, Mcbp.opaque(frame)));
        }
        assertEquals(sent, answered());
        // A request after the burst reuses the ring.
        channel.writeInbound(OpaqueRewriteTest.request(Opcode.NOOP, "", 0x52));
        assertEquals(List.of(0x52), answered());
        assertEquals(16, session.ringCapacity());
    }
}
