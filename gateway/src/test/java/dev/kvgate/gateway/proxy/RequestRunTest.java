package dev.kvgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.config.BackendSettings;
import dev.kvgate.config.LimitsSettings;
import dev.kvgate.config.Settings;
import dev.kvgate.gateway.auth.Authenticator;
import dev.kvgate.gateway.protocol.FrameDecoder;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.routing.HashPreset;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A client's frames of one read bound for one backend connection leave as one write, patched in
 * place; a run the connection never took is released with it, and its reads are retried.
 */
@Timeout(30)
class RequestRunTest {
    private EmbeddedChannel client;
    private SocketBackend backend;
    private Authenticator auth;
    private final ArrayDeque<ChannelPromise> attempts = new ArrayDeque<>();
    private final List<EmbeddedChannel> connections = new ArrayList<>();

    @BeforeEach
    void setUp() {
        client = new EmbeddedChannel();
        client.freezeTime();
        BackendSettings bs = new BackendSettings(1, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofMillis(100), Duration.ofSeconds(1), 64, BackendSettings.OnShardFailure.FAIL_FAST, 3,
                Duration.ofSeconds(5));
        ShardRing ring = new ShardRing(HashPreset.KETAMA_SPYMEMCACHED, List.of("s0"), bs);
        backend = new SocketBackend(client.eventLoop(), 0, ring, InetSocketAddress.createUnresolved("s0", 11211),
                bs, inbound -> {
                    EmbeddedChannel conn = new EmbeddedChannel(inbound.get());
                    connections.add(conn);
                    ChannelPromise attempt = conn.newPromise();
                    attempts.addLast(attempt);
                    return attempt;
                });
        LoopBackends loop = new LoopBackends(ring, new Backend[][] {{backend}});
        BackendRegistry registry = new BackendRegistry(Map.of(client.eventLoop(), loop), 1);
        LimitsSettings limits = new LimitsSettings(1 << 20, Duration.ofMinutes(1), 1024, 64, 100, 100);
        auth = new Authenticator(Settings.parse("").auth());
        client.pipeline().addLast(new FrameDecoder(FrameDecoder.Direction.REQUEST, 1 << 20, 64),
                new ClientSession(registry, limits, new GatewayStats(), auth));
    }

    @AfterEach
    void tearDown() {
        backend.close();
        client.runPendingTasks();
        connections.forEach(EmbeddedChannel::finishAndReleaseAll);
        client.finishAndReleaseAll();
        auth.close();
    }

    private EmbeddedChannel connected() {
        ChannelPromise attempt = attempts.pollFirst();
        assertTrue(attempt != null, "a connection attempt was made");
        attempt.setSuccess();
        client.runPendingTasks();
        return (EmbeddedChannel) attempt.channel();
    }

    /** Requests back to back in one buffer, as one read of the client's socket. */
    private static ByteBuf oneRead(Opcode... ops) {
        // Untracked by the leak detector, as a production read buffer: see SliceRun.
        ByteBuf b = new io.netty.buffer.UnpooledByteBufAllocator(true, true).directBuffer(256);
        for (int i = 0; i < ops.length; i++) {
            byte[] k = ("k" + i).getBytes(StandardCharsets.US_ASCII);
            int extras = ops[i] == Opcode.SET ? 8 : 0;
            b.writeByte(0x80).writeByte(ops[i].code()).writeShort(k.length).writeByte(extras).writeByte(0)
                    .writeShort(0).writeInt(extras + k.length).writeInt(100 + i).writeLong(0).writeZero(extras)
                    .writeBytes(k);
        }
        return b;
    }

    /** Each write on {@code conn} as the list of backend opaques it holds; releases them. */
    private static List<List<Integer>> writes(EmbeddedChannel conn) {
        List<List<Integer>> out = new ArrayList<>();
        ByteBuf b;
        while ((b = conn.readOutbound()) != null) {
            List<Integer> frames = new ArrayList<>();
            for (int at = b.readerIndex(); at < b.writerIndex(); at += Mcbp.HEADER_SIZE + b.getInt(at + 8)) {
                frames.add(b.getInt(at + 12));
            }
            out.add(frames);
            b.release();
        }
        return out;
    }

    private static ByteBuf answer(int opaque) {
        ByteBuf b = Unpooled.directBuffer(Mcbp.HEADER_SIZE);
        return b.writeByte(0x81).writeByte(0).writeZero(6).writeInt(0).writeInt(opaque).writeLong(0);
    }

    /** Client opaques of the answers written to the client. */
    private List<Integer> answers() {
        client.runPendingTasks();
        List<Integer> out = new ArrayList<>();
        Object o;
        while ((o = client.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            for (int at = b.readerIndex(); at < b.writerIndex(); at += Mcbp.HEADER_SIZE + b.getInt(at + 8)) {
                out.add(b.getInt(at + 12));
            }
            b.release();
        }
        return out;
    }

    @Test
    void framesOfOneReadLeaveAsOneWriteWithTheirOpaquesPatchedInPlace() {
        backend.connect();
        EmbeddedChannel conn = connected();
        client.writeInbound(oneRead(Opcode.GET, Opcode.SET, Opcode.GET, Opcode.DELETE));
        assertEquals(List.of(List.of(1, 2, 3, 4)), writes(conn));
        for (int opaque = 1; opaque <= 4; opaque++) {
            conn.writeInbound(answer(opaque));
        }
        assertEquals(List.of(100, 101, 102, 103), answers());
    }

    @Test
    void aRunTheLostConnectionNeverTookIsReleasedAndItsReadsAreRetried() {
        backend.connect();
        EmbeddedChannel first = connected();
        // Into the session without running the loop's tasks: the backend's flush has not run yet.
        // The decoder's slices of one read, handed on without the read's end (which would run the
        // loop's tasks in an embedded channel).
        ByteBuf read = oneRead(Opcode.GET, Opcode.SET, Opcode.GET);
        io.netty.channel.ChannelHandlerContext decoder = client.pipeline().context(FrameDecoder.class);
        for (int length : new int[] {26, 34, 26}) {
            decoder.fireChannelRead(read.readRetainedSlice(length));
        }
        read.release();
        first.close();
        first.runPendingTasks(); // the connection's loss reaches the backend before its flush would run
        client.runPendingTasks();
        assertEquals(List.of(), writes(first), "nothing reached the lost connection");
        EmbeddedChannel second = connected();
        client.runPendingTasks();
        List<List<Integer>> resent = writes(second);
        assertEquals(2, resent.stream().mapToInt(List::size).sum(), "the two GETs, again: " + resent);
        for (List<Integer> w : resent) {
            for (int opaque : w) {
                second.writeInbound(answer(opaque));
            }
        }
        List<Integer> got = answers();
        assertEquals(3, got.size(), got.toString());
        assertTrue(got.containsAll(List.of(100, 101, 102)));
        assertNull(first.readOutbound());
    }
}
