package dev.kvgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.config.BackendSettings;
import dev.kvgate.config.LimitsSettings;
import dev.kvgate.config.Settings;
import dev.kvgate.gateway.auth.Authenticator;
import dev.kvgate.gateway.protocol.Mcbp;
import dev.kvgate.gateway.protocol.Opcode;
import dev.kvgate.gateway.protocol.Status;
import dev.kvgate.routing.HashPreset;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A backend connection that fails under its requests: no frame whose entry is gone ever reaches a
 * connection, and nothing read from a connection kvgate gave up on is matched. The real
 * {@link SocketBackend}, over embedded channels whose connection attempts the test decides; time is
 * the client loop's frozen clock, so nothing sleeps.
 */
class BackendRetryTest {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration RECONNECT_MIN = Duration.ofMillis(100);

    private EmbeddedChannel client;
    private SocketBackend backend;
    private Authenticator auth;
    /** Connection attempts the backend started and the test has not yet decided. */
    private final ArrayDeque<ChannelPromise> attempts = new ArrayDeque<>();
    private final List<EmbeddedChannel> connections = new ArrayList<>();
    /** New connections take their first close() as a request only, like TLS flushing close_notify. */
    private boolean lingerOnClose;

    @BeforeEach
    void setUp() {
        client = new EmbeddedChannel();
        client.freezeTime();
        BackendSettings bs = new BackendSettings(1, Duration.ofSeconds(1), REQUEST_TIMEOUT, RECONNECT_MIN,
                Duration.ofSeconds(1), 64, BackendSettings.OnShardFailure.FAIL_FAST, 3, Duration.ofSeconds(5));
        ShardRing ring = new ShardRing(HashPreset.KETAMA_SPYMEMCACHED, List.of("s0"), bs);
        // The backend runs on the client's loop, as in the gateway; each connection is an embedded
        // channel ending in the backend's own handler (no decoder: the test writes whole frames).
        backend = new SocketBackend(client.eventLoop(), 0, ring, InetSocketAddress.createUnresolved("s0", 11211),
                bs, inbound -> {
                    EmbeddedChannel conn = lingerOnClose
                            ? new EmbeddedChannel(new FirstCloseDeferred(), inbound.get())
                            : new EmbeddedChannel(inbound.get());
                    connections.add(conn);
                    ChannelPromise attempt = conn.newPromise();
                    attempts.addLast(attempt);
                    return attempt;
                });
        LoopBackends loop = new LoopBackends(ring, new Backend[][] {{backend}});
        BackendRegistry registry = new BackendRegistry(Map.of(client.eventLoop(), loop), 1);
        LimitsSettings limits = new LimitsSettings(1 << 20, Duration.ofMinutes(1), 1024, 64, 100, 100);
        auth = new Authenticator(Settings.parse("").auth());
        client.pipeline().addLast(new ClientSession(registry, limits, new GatewayStats(), auth));
    }

    @AfterEach
    void tearDown() {
        backend.close();
        client.runPendingTasks();
        connections.forEach(EmbeddedChannel::finishAndReleaseAll);
        client.finishAndReleaseAll();
        auth.close();
    }

    // ---- the shard's side ----

    /** Swallows the first close(): the channel stays open and readable, as while TLS closes. */
    private static final class FirstCloseDeferred extends ChannelOutboundHandlerAdapter {
        private boolean deferred;

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
            if (!deferred) {
                deferred = true;
                return;
            }
            super.close(ctx, promise);
        }
    }

    /** Decides the oldest connection attempt: connected. */
    private EmbeddedChannel connected() {
        ChannelPromise attempt = attempts.pollFirst();
        assertTrue(attempt != null, "a connection attempt was made");
        attempt.setSuccess();
        return (EmbeddedChannel) attempt.channel();
    }

    /** Decides the oldest connection attempt: refused. */
    private void refused() {
        ChannelPromise attempt = attempts.pollFirst();
        assertTrue(attempt != null, "a connection attempt was made");
        attempt.setFailure(new ConnectException("connection refused"));
        ((EmbeddedChannel) attempt.channel()).close();
    }

    /** What the backend put on {@code conn} by the end of this event-loop turn (its batch is flushed). */
    private List<ByteBuf> written(EmbeddedChannel conn) {
        client.runPendingTasks();
        List<ByteBuf> out = new ArrayList<>();
        ByteBuf b;
        while ((b = conn.readOutbound()) != null) {
            out.add(b);
        }
        return out;
    }

    /** The frames' opcode, key and opaque; releases them (the socket would, after writing). */
    private static List<String> describe(List<ByteBuf> frames) {
        List<String> out = new ArrayList<>();
        for (ByteBuf f : frames) {
            out.add(Opcode.of(Mcbp.opcode(f)) + " " + key(f) + " #" + Mcbp.opaque(f));
            f.release();
        }
        return out;
    }

    private static String key(ByteBuf f) {
        return f.toString(Mcbp.keyIndex(f), Mcbp.keyLength(f), StandardCharsets.US_ASCII);
    }

    private static int opaqueOf(String described) {
        return Integer.parseInt(described.substring(described.indexOf('#') + 1));
    }

    // ---- the client's side ----

    private static ByteBuf request(Opcode op, String key, int opaque) {
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        int extras = op == Opcode.SET ? 8 : 0;
        byte[] v = op == Opcode.SET ? "new".getBytes(StandardCharsets.US_ASCII) : new byte[0];
        ByteBuf b = Unpooled.directBuffer(Mcbp.HEADER_SIZE + extras + k.length + v.length);
        b.writeByte(0x80).writeByte(op.code()).writeShort(k.length).writeByte(extras).writeByte(0).writeShort(0)
                .writeInt(extras + k.length + v.length).writeInt(opaque).writeLong(0).writeZero(extras)
                .writeBytes(k).writeBytes(v);
        return b;
    }

    /** A successful GET-style answer (flags, value) or, with a key, a STAT entry. */
    private static ByteBuf response(Opcode op, int opaque, String key, String value) {
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        int extras = op == Opcode.STAT || op == Opcode.NOOP ? 0 : 4;
        ByteBuf b = Unpooled.directBuffer(Mcbp.HEADER_SIZE + extras + k.length + v.length);
        b.writeByte(0x81).writeByte(op.code()).writeShort(k.length).writeByte(extras).writeByte(0).writeShort(0)
                .writeInt(extras + k.length + v.length).writeInt(opaque).writeLong(42).writeZero(extras)
                .writeBytes(k).writeBytes(v);
        return b;
    }

    private static ByteBuf response(Opcode op, int opaque, String value) {
        return response(op, opaque, "", value);
    }

    /** The client's next answer as "opaque status value", or null when there is none yet. */
    private String answer() {
        client.runPendingTasks();
        ByteBuf out = client.readOutbound();
        if (out == null) {
            return null;
        }
        try {
            int status = Mcbp.status(out);
            String value = status == 0
                    ? out.toString(Mcbp.valueIndex(out), Mcbp.valueLength(out), StandardCharsets.US_ASCII)
                    : "";
            return Integer.toHexString(Mcbp.opaque(out)) + " " + Integer.toHexString(status) + " " + value;
        } finally {
            out.release();
        }
    }

    private static final String TMPFAIL = Integer.toHexString(Status.TEMPORARY_FAILURE.code());

    // ---- tests ----

    @Test
    void aTimeoutWhileConnectingLeavesNothingHeldAndALaterRequestGetsItsOwnAnswer() {
        backend.connect(); // the attempt stays undecided: a slow connect (or TLS handshake)
        client.writeInbound(request(Opcode.GET, "early", 0x11));
        assertNull(answer());
        client.advanceTimeBy(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        client.runPendingTasks();
        client.advanceTimeBy(1, TimeUnit.MILLISECONDS); // the grace turn for an answer already read
        client.runPendingTasks();
        assertEquals("11 " + TMPFAIL + " ", answer(), "timed out, not retried");
        assertEquals(0, backend.inFlight());

        EmbeddedChannel conn = connected();
        assertEquals(List.of(), describe(written(conn)), "the timed-out request's frame never goes out");
        client.writeInbound(request(Opcode.GET, "later", 0x22));
        List<String> sent = describe(written(conn));
        assertEquals(1, sent.size());
        assertTrue(sent.get(0).startsWith("GET later #"), sent.toString());
        conn.writeInbound(response(Opcode.GET, opaqueOf(sent.get(0)), "later's value"));
        assertEquals("22 0 later's value", answer());
        assertNull(answer());
    }

    @Test
    void framesReadFromAnAbortedConnectionAreDroppedNotMatchedAgainstTheNextOne() {
        lingerOnClose = true; // as TLS does: the connection reads on while its close_notify is flushed
        backend.connect();
        EmbeddedChannel first = connected();
        client.writeInbound(request(Opcode.GET, "slow", 0x41));
        List<String> sent = describe(written(first));
        client.advanceTimeBy(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        client.runPendingTasks();
        client.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        client.runPendingTasks();
        assertEquals("41 " + TMPFAIL + " ", answer());
        assertTrue(first.isOpen(), "still closing");

        client.advanceTimeBy(RECONNECT_MIN.toMillis(), TimeUnit.MILLISECONDS);
        client.runPendingTasks();
        EmbeddedChannel second = connected();
        client.writeInbound(request(Opcode.GET, "fresh", 0x42));
        List<String> fresh = describe(written(second));
        assertEquals(1, fresh.size());

        // The slow answer finally arrives on the aborted connection: it belongs to nobody now.
        first.writeInbound(response(Opcode.GET, opaqueOf(sent.get(0)), "slow's late value"));
        assertNull(answer(), "nothing is answered from an aborted connection");
        assertEquals(1, backend.inFlight(), "and the new connection's table is untouched");
        second.writeInbound(response(Opcode.GET, opaqueOf(fresh.get(0)), "fresh value"));
        assertEquals("42 0 fresh value", answer());
        assertTrue(second.isOpen());
    }

    @Test
    void anAnswerOutOfOrderFailsEverythingInFlightAndRetriesNothing() {
        backend.connect();
        EmbeddedChannel first = connected();
        client.writeInbound(request(Opcode.GET, "a", 1), request(Opcode.GETQ, "b", 2), request(Opcode.GET, "c", 3));
        List<String> sent = describe(written(first));
        assertEquals(3, sent.size(), sent.toString());

        // One read: an answer nobody asked for (the stream can no longer be trusted), then what looks
        // like c's answer. The first aborts the connection; the second is not matched: b is not
        // settled as a silent miss, c is not answered from a stream kvgate gave up on.
        first.writeInbound(response(Opcode.GET, 999, "bogus"), response(Opcode.GET, opaqueOf(sent.get(2)), "vc"));
        assertEquals("1 " + Integer.toHexString(Status.INTERNAL_ERROR.code()) + " ", answer());
        assertEquals("2 " + TMPFAIL + " ", answer());
        assertEquals("3 " + TMPFAIL + " ", answer());
        assertNull(answer());
        assertTrue(attempts.isEmpty(), "reconnects after the backoff");
    }
}
