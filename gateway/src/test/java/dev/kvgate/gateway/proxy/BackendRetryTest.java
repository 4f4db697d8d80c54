package dev.kvgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.Timeout;

/**
 * A backend connection lost under its requests: reads are retried once on a new connection made at
 * once, everything else gets 0x86, answers keep the client's order, and no frame whose entry is gone
 * ever reaches a connection. The real {@link SocketBackend}, over embedded channels whose connection
 * attempts the test decides; time is the client loop's frozen clock, so nothing sleeps.
 */
@Timeout(30)
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
        BackendSettings bs = new BackendSettings(1, Duration.ofSeconds(1), Duration.ofSeconds(1), REQUEST_TIMEOUT, RECONNECT_MIN,
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
    void aGetInFlightWhenTheConnectionClosesIsRetriedAndAnsweredFromTheNewConnection() {
        backend.connect();
        EmbeddedChannel first = connected();
        client.writeInbound(request(Opcode.GET, "k", 0xA1));
        List<String> sent = describe(written(first));
        assertEquals(List.of("GET k #1"), sent);

        first.close(); // memcached restarted
        assertEquals(1, attempts.size(), "reconnects at once, not after the backoff");
        assertNull(answer(), "no answer yet: the GET waits for the new connection");
        EmbeddedChannel second = connected();
        List<String> resent = describe(written(second));
        assertEquals(1, resent.size());
        assertTrue(resent.get(0).startsWith("GET k #"), resent.toString());
        assertNotEquals(opaqueOf(sent.get(0)), opaqueOf(resent.get(0)), "a fresh opaque on the new connection");

        second.writeInbound(response(Opcode.GET, opaqueOf(resent.get(0)), "from-the-new-connection"));
        assertEquals("a1 0 from-the-new-connection", answer());
        assertNull(answer());
        assertEquals(0, backend.inFlight());
    }

    @Test
    void aSetInFlightWhenTheConnectionClosesGetsTemporaryFailure() {
        backend.connect();
        EmbeddedChannel first = connected();
        client.writeInbound(request(Opcode.SET, "k", 0xB1));
        assertEquals(List.of("SET k #1"), describe(written(first)));

        first.close();
        assertEquals("b1 " + TMPFAIL + " ", answer());
        assertTrue(attempts.isEmpty(), "nothing to retry: the reconnect waits for the backoff");
        client.advanceTimeBy(RECONNECT_MIN.toMillis(), TimeUnit.MILLISECONDS);
        client.runPendingTasks();
        assertEquals(1, attempts.size(), "reconnects after the backoff");
    }

    @Test
    void aRetriedGetWhoseReconnectFailsGetsTemporaryFailure() {
        backend.connect();
        EmbeddedChannel first = connected();
        client.writeInbound(request(Opcode.GET, "k", 0xC1));
        describe(written(first));

        first.close();
        refused(); // the shard is not back yet
        assertEquals("c1 " + TMPFAIL + " ", answer());
        assertEquals(0, backend.inFlight());
    }

    @Test
    void aRetriedGetLostAgainGetsTemporaryFailureAndIsNotRetriedTwice() {
        backend.connect();
        EmbeddedChannel first = connected();
        client.writeInbound(request(Opcode.GET, "k", 0xD1));
        describe(written(first));
        first.close();
        EmbeddedChannel second = connected();
        assertEquals(1, describe(written(second)).size());

        second.close(); // lost again before answering
        assertEquals("d1 " + TMPFAIL + " ", answer());
        assertTrue(attempts.isEmpty(), "no second immediate reconnect without an answer in between");
        assertEquals(0, backend.inFlight());
    }

    @Test
    void aMixedPipelineIsAnsweredInOrderWithOnlyTheSetFailing() {
        backend.connect();
        EmbeddedChannel first = connected();
        client.writeInbound(request(Opcode.GET, "a", 1), request(Opcode.SET, "b", 2), request(Opcode.GET, "c", 3));
        assertEquals(List.of("GET a #1", "SET b #2", "GET c #3"), describe(written(first)));

        first.close();
        assertNull(answer(), "the SET has failed, but its answer waits behind the GET before it");
        EmbeddedChannel second = connected();
        List<String> resent = describe(written(second));
        assertEquals(2, resent.size(), resent.toString());
        assertTrue(resent.get(0).startsWith("GET a #") && resent.get(1).startsWith("GET c #"), resent.toString());
        second.writeInbound(response(Opcode.GET, opaqueOf(resent.get(0)), "va"),
                response(Opcode.GET, opaqueOf(resent.get(1)), "vc"));

        assertEquals("1 0 va", answer());
        assertEquals("2 " + TMPFAIL + " ", answer());
        assertEquals("3 0 vc", answer());
        assertNull(answer());
    }

    @Test
    void aRetriedQuietGetIsFollowedByABarrierAndItsHitDelivered() {
        backend.connect();
        EmbeddedChannel first = connected();
        client.writeInbound(request(Opcode.GETQ, "q", 0xE1));
        List<String> sent = describe(written(first));
        assertEquals(2, sent.size(), "GETQ and kvgate's NOOP: " + sent);

        first.close();
        EmbeddedChannel second = connected();
        List<String> resent = describe(written(second));
        assertEquals(2, resent.size(), "the retried GETQ and a new NOOP, not the old one: " + resent);
        assertTrue(resent.get(0).startsWith("GETQ q #") && resent.get(1).startsWith("NOOP"), resent.toString());
        second.writeInbound(response(Opcode.GETQ, opaqueOf(resent.get(0)), "hit"),
                response(Opcode.NOOP, opaqueOf(resent.get(1)), ""));
        assertEquals("e1 0 hit", answer());
        assertNull(answer());
    }

    @Test
    void aStatWithPartOfItsAnswerTakenIsNotRetried() {
        backend.connect();
        EmbeddedChannel first = connected();
        ByteBuf stat = Unpooled.directBuffer(Mcbp.HEADER_SIZE);
        stat.writeByte(0x80).writeByte(Opcode.STAT.code()).writeZero(6).writeInt(0).writeInt(0xF1).writeLong(0);
        client.writeInbound(stat);
        List<String> sent = describe(written(first));
        assertEquals(1, sent.size());
        first.writeInbound(response(Opcode.STAT, opaqueOf(sent.get(0)), "curr_items", "7"));

        first.close(); // the rest of the answer never comes: sending STAT again would count twice
        assertTrue(attempts.isEmpty(), "nothing to retry");
        assertTrue(answer().startsWith("f1 " + TMPFAIL + " "));
    }

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
    void aTimeoutOnAnActiveConnectionFailsWithoutRetrying() {
        backend.connect();
        EmbeddedChannel first = connected();
        client.writeInbound(request(Opcode.GET, "hung", 0x33));
        describe(written(first));
        client.advanceTimeBy(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        client.runPendingTasks();
        client.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        client.runPendingTasks();
        assertEquals("33 " + TMPFAIL + " ", answer());
        assertTrue(!first.isOpen(), "the hung connection is closed");
        assertTrue(attempts.isEmpty(), "a hung shard is reconnected after the backoff, nothing is retried");
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

        // One read: an answer nobody asked for (dropped and counted: it matches no entry), then c's
        // answer ahead of a's. That one aborts the connection: a fails with 0x84, b is not settled as
        // a silent miss, c is not answered from a stream kvgate gave up on.
        first.writeInbound(response(Opcode.GET, 999, "bogus"), response(Opcode.GET, opaqueOf(sent.get(2)), "vc"));
        assertEquals("1 " + Integer.toHexString(Status.INTERNAL_ERROR.code()) + " ", answer());
        assertEquals("2 " + TMPFAIL + " ", answer());
        assertEquals("3 " + TMPFAIL + " ", answer());
        assertNull(answer());
        assertTrue(attempts.isEmpty(), "an abort retries nothing");
    }
}
