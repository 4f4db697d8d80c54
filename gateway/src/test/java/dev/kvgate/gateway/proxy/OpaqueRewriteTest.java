package dev.kvgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.kvgate.config.BackendSettings;
import dev.kvgate.config.LimitsSettings;
import dev.kvgate.config.Settings;
import dev.kvgate.gateway.auth.Authenticator;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.routing.HashPreset;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The opaque a client chose goes out as the backend connection's counter, patched in place, and
 * comes back restored on the backend's own response buffer: no copy either way.
 */
@Timeout(30)
class OpaqueRewriteTest {
    /** A backend whose "wire" is a list: what transmit() got, in order. */
    static final class WireBackend extends Backend {
        final List<ByteBuf> wire = new ArrayList<>();
        String aborted;

        WireBackend(EventLoop loop, ShardRing ring) {
            super(loop, 0, ring, ByteBufAllocator.DEFAULT, Duration.ofSeconds(5).toNanos(), 64);
            state = State.ACTIVE;
        }

        @Override
        protected void transmit(ByteBuf frame) {
            wire.add(frame);
        }

        @Override
        protected void flushTransport() {
        }

        @Override
        protected void abort(String reason) {
            aborted = reason;
        }
    }

    private EmbeddedChannel channel;
    private WireBackend backend;
    private Authenticator auth;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel();
        BackendSettings bs = new BackendSettings(1, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofMillis(100),
                Duration.ofSeconds(1), 64, BackendSettings.OnShardFailure.FAIL_FAST, 3, Duration.ofSeconds(5));
        ShardRing ring = new ShardRing(HashPreset.KETAMA_SPYMEMCACHED, List.of("s0"), bs);
        backend = new WireBackend(channel.eventLoop(), ring);
        LoopBackends loop = new LoopBackends(ring, new Backend[][] {{backend}});
        BackendRegistry registry = new BackendRegistry(Map.of(channel.eventLoop(), loop), 1);
        LimitsSettings limits = new LimitsSettings(1 << 20, Duration.ofMinutes(1), 1024, 64, 100, 100);
        auth = new Authenticator(Settings.parse("").auth());
        channel.pipeline().addLast(new ClientSession(registry, limits, new GatewayStats(), auth));
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

    /** A request frame, as a client sends it; also used by {@link IdleSessionTest}. */
    static ByteBuf request(Opcode op, String key, int opaque) {
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        ByteBuf b = Unpooled.directBuffer(Mcbp.HEADER_SIZE + k.length);
        b.writeByte(0x80).writeByte(op.code()).writeShort(k.length).writeByte(0).writeByte(0).writeShort(0)
                .writeInt(k.length).writeInt(opaque).writeLong(0).writeBytes(k);
        return b;
    }

    private static ByteBuf response(Opcode op, int opaque, String value) {
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        ByteBuf b = Unpooled.directBuffer(Mcbp.HEADER_SIZE + 4 + v.length);
        b.writeByte(0x81).writeByte(op.code()).writeShort(0).writeByte(4).writeByte(0).writeShort(0)
                .writeInt(4 + v.length).writeInt(opaque).writeLong(42).writeInt(0).writeBytes(v);
        return b;
    }

    @Test
    void opaqueIsRewrittenInPlaceAndRestoredOnTheBackendsBytes() {
        ByteBuf get = request(Opcode.GET, "k1", 0xCAFE0001);
        channel.writeInbound(get);
        assertEquals(1, backend.wire.size());
        assertSame(get, backend.wire.get(0), "the client's frame itself goes to the backend");
        assertEquals(1, Mcbp.opaque(get), "carrying the connection's counter");

        ByteBuf answer = response(Opcode.GET, 1, "v1");
        backend.onResponse(answer);
        channel.runPendingTasks();
        ByteBuf out = channel.readOutbound();
        assertSame(answer, out, "the backend's own bytes go back to the client");
        assertEquals(0xCAFE0001, Mcbp.opaque(out), "with the client's opaque");
        out.release();
        get.release(); // the test's wire stands in for the socket, which would release after writing
    }

    @Test
    void quietRequestsAreSettledByTheNextAnswer() {
        ByteBuf getq = request(Opcode.GETQ, "miss", 0x0A);
        ByteBuf get = request(Opcode.GET, "hit", 0x0B);
        channel.writeInbound(getq, get);
        assertEquals(List.of(1, 2), backend.wire.stream().map(Mcbp::opaque).toList());
        backend.onResponse(response(Opcode.GET, 2, "v"));
        channel.runPendingTasks();
        ByteBuf out = channel.readOutbound();
        assertEquals(0x0B, Mcbp.opaque(out), "only the GET is answered; the GETQ miss stays silent");
        out.release();
        assertNull(channel.readOutbound());
        assertNull(backend.aborted);
    }

    @Test
    void aQuietTailGetsANoopBarrierWhoseAnswerGoesNowhere() {
        // A SETQ as memcached takes it: 8 bytes of extras (flags, expiration), key, value.
        ByteBuf setq = Unpooled.directBuffer(Mcbp.HEADER_SIZE + 8 + 1 + 1);
        setq.writeByte(0x80).writeByte(Opcode.SETQ.code()).writeShort(1).writeByte(8).writeByte(0).writeShort(0)
                .writeInt(10).writeInt(0x77).writeLong(0).writeLong(0).writeByte('k').writeByte('v');
        channel.writeInbound(setq);
        channel.runPendingTasks(); // the batch's flush
        assertEquals(2, backend.wire.size(), "SETQ, then kvgate's NOOP");
        assertEquals(Opcode.NOOP.code(), Mcbp.opcode(backend.wire.get(1)));
        backend.onResponse(response(Opcode.NOOP, Mcbp.opaque(backend.wire.get(1)), ""));
        channel.runPendingTasks();
        assertNull(channel.readOutbound(), "a successful SETQ is silent, and so is the barrier");
    }

    @Test
    void anAnswerOutOfOrderClosesTheBackendConnection() {
        channel.writeInbound(request(Opcode.GET, "a", 1), request(Opcode.GET, "b", 2));
        backend.onResponse(response(Opcode.GET, 2, "b"));
        assertEquals("response with opaque 2 arrived before the answer to 1", backend.aborted);
    }
}
