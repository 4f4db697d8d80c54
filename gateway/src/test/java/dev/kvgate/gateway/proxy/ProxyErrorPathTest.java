package dev.kvgate.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.config.BackendSettings;
import dev.kvgate.config.LimitsSettings;
import dev.kvgate.config.Settings;
import dev.kvgate.gateway.auth.Authenticator;
import dev.kvgate.gateway.auth.PasswordHash;
import dev.kvgate.gateway.memory.MemoryBudget;
import dev.kvgate.gateway.pipeline.BackendChannelInitializer;
import dev.kvgate.gateway.pipeline.ClientChannelInitializer;
import dev.kvgate.gateway.pipeline.HandlerNames;
import dev.kvgate.gateway.pipeline.TlsStats;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.RequestValidator;
import dev.kvgate.mcbp.Status;
import dev.kvgate.routing.HashPreset;
import dev.kvgate.testcerts.TestPki;
import dev.kvgate.tls.KeyType;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledDirectByteBuf;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The proxy's failure paths, one by one: timeouts while connecting and while handshaking, answers
 * that come late or match nothing, a shard dying in the middle of a pipeline, a client leaving with
 * answers on their way, SASL and translation failures, an exception at every handler of both
 * pipelines. Each test checks that every request got exactly one answer (or, when the client is
 * gone, none) and that every buffer it made was released.
 *
 * <p>The client, the session, the real {@link SocketBackend} and its connections are embedded
 * channels sharing one manual clock ({@link MockTicker}): time moves only when a test says so, nothing
 * sleeps.
 */
@Timeout(60)
class ProxyErrorPathTest {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(500);
    private static final Duration RECONNECT_MIN = Duration.ofMillis(100);
    private static final String TMPFAIL = hex(Status.TEMPORARY_FAILURE.code());
    private static final String INTERNAL = hex(Status.INTERNAL_ERROR.code());

    private static final String SASL = "kvgate.auth { mode = sasl, allow-plain-on-plaintext = true, users = ["
            + " { name = app, password = \"" + PasswordHash.hash("pw".toCharArray(), 10_000) + "\" } ] }";

    @TempDir
    static Path pkiDir;
    private static TestPki pki;

    private final MockTicker clock = Ticker.newMockTicker();
    private EmbeddedChannel client;
    private SocketBackend backend;
    private ShardRing ring;
    private Authenticator auth;
    private final FailingAllocator alloc = new FailingAllocator();
    private final ArrayDeque<ChannelPromise> attempts = new ArrayDeque<>();
    private final List<EmbeddedChannel> connections = new ArrayList<>();
    /** Every buffer a test made (requests, answers): all must be released by the end. */
    private final List<ByteBuf> made = new ArrayList<>();
    /** Client opaque -> answers written to the client. */
    private final Map<Integer, List<String>> answers = new TreeMap<>();
    /** What each new backend connection's pipeline is: plain decoder, or TLS in front of it. */
    private SslContext backendTls;
    /** The ring's shards (the backend under test is shard 0; the others route to it too) and failure mode. */
    private List<String> shardNames = List.of("s0");
    private BackendSettings.OnShardFailure onFailure = BackendSettings.OnShardFailure.FAIL_FAST;

    // ---- set-up ----

    private void start(String authHocon, boolean clientTls) throws Exception {
        client = EmbeddedChannel.builder().ticker(clock).build();
        client.config().setAllocator(alloc);
        BackendSettings bs = new BackendSettings(1, Duration.ofSeconds(1), HANDSHAKE_TIMEOUT, REQUEST_TIMEOUT,
                RECONNECT_MIN, Duration.ofSeconds(1), 64, onFailure, 2, Duration.ofSeconds(5));
        ring = new ShardRing(HashPreset.KETAMA_SPYMEMCACHED, shardNames, bs);
        backend = new SocketBackend(client.eventLoop(), 0, ring, InetSocketAddress.createUnresolved("s0", 11211),
                bs, inbound -> {
                    // The gateway's own backend pipeline: [TLS] -> response decoder -> the backend's handler.
                    EmbeddedChannel conn = EmbeddedChannel.builder().ticker(clock).build();
                    conn.pipeline().addLast(new BackendChannelInitializer(backendTls, "s0", 11211, 1 << 20,
                            HANDSHAKE_TIMEOUT.toMillis(), MemoryBudget.unlimited(64 * 1024), inbound));
                    connections.add(conn);
                    ChannelPromise attempt = conn.newPromise();
                    attempts.addLast(attempt);
                    return attempt;
                });
        Backend[][] byShard = new Backend[shardNames.size()][];
        java.util.Arrays.fill(byShard, new Backend[] {backend});
        LoopBackends loop = new LoopBackends(ring, byShard);
        BackendRegistry registry = new BackendRegistry(Map.of(client.eventLoop(), loop), shardNames.size());
        LimitsSettings limits = new LimitsSettings(1 << 20, Duration.ofMinutes(1), 1024, 64, 100, 100);
        auth = new Authenticator(Settings.parse(authHocon).auth());
        Supplier<SslContext> serverTls = null;
        if (clientTls) {
            SslContext ctx = SslContextBuilder.forServer(pki().serverChain().toFile(), pki().serverKey().toFile())
                    .sslProvider(SslProvider.JDK).build();
            serverTls = () -> ctx;
        }
        client.pipeline().addLast(new ClientChannelInitializer(serverTls, Duration.ofMinutes(1), new TlsStats(),
                limits, registry, new GatewayStats(), auth, RequestValidator.STRICT, MemoryBudget.unlimited(64 * 1024)));
    }

    private void start() throws Exception {
        start("", false);
    }

    private static synchronized TestPki pki() {
        if (pki == null) {
            pki = TestPki.create(pkiDir.resolve("pki"), KeyType.EC);
        }
        return pki;
    }

    @AfterEach
    void tearDown() {
        if (backend != null) {
            backend.close();
            client.runPendingTasks();
        }
        connections.forEach(EmbeddedChannel::finishAndReleaseAll);
        if (client != null) {
            drainAnswers();
            client.finishAndReleaseAll();
        }
        if (auth != null) {
            auth.close();
        }
        for (ByteBuf b : made) {
            assertEquals(0, b.refCnt(), "a buffer the test made was not released");
        }
    }

    // ---- time ----

    /** Moves the shared clock and runs whatever fell due, on every channel. */
    private void advance(Duration d) {
        clock.advance(d.toNanos(), TimeUnit.NANOSECONDS);
        runAll();
    }

    private void runAll() {
        for (int i = 0; i < 3; i++) {
            client.runPendingTasks();
            client.runScheduledPendingTasks();
            for (EmbeddedChannel c : List.copyOf(connections)) {
                c.runPendingTasks();
                c.runScheduledPendingTasks();
            }
        }
    }

    /** Past the request timeout and the grace turn that follows it. */
    private void timeOut() {
        advance(REQUEST_TIMEOUT);
        advance(Duration.ofMillis(1));
    }

    // ---- the shard's side ----

    private EmbeddedChannel connected() {
        ChannelPromise attempt = attempts.pollFirst();
        assertNotNull(attempt, "a connection attempt was made");
        attempt.setSuccess();
        return (EmbeddedChannel) attempt.channel();
    }

    /** Request frames the backend put on {@code conn} by the end of this turn, as "OPCODE key #opaque". */
    private List<String> written(EmbeddedChannel conn) {
        runAll();
        List<String> out = new ArrayList<>();
        ByteBuf f;
        while ((f = conn.readOutbound()) != null) {
            out.add(Opcode.of(Mcbp.opcode(f)) + " " + f.toString(Mcbp.keyIndex(f), Mcbp.keyLength(f),
                    StandardCharsets.US_ASCII) + " #" + Mcbp.opaque(f));
            f.release();
        }
        return out;
    }

    private static int opaqueOf(String described) {
        return Integer.parseInt(described.substring(described.indexOf('#') + 1));
    }

    private ByteBuf response(Opcode op, int opaque, String value) {
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        int extras = op == Opcode.GET || op == Opcode.GETQ ? 4 : 0;
        ByteBuf b = Unpooled.directBuffer(Mcbp.HEADER_SIZE + extras + v.length);
        b.writeByte(0x81).writeByte(op.code()).writeShort(0).writeByte(extras).writeByte(0).writeShort(0)
                .writeInt(extras + v.length).writeInt(opaque).writeLong(42).writeZero(extras).writeBytes(v);
        made.add(b);
        return b;
    }

    /** Answers on {@code conn} the requests it was sent, in order: GETs with "v-KEY", the rest empty. */
    private void answerAll(EmbeddedChannel conn, List<String> sent) {
        for (String s : sent) {
            Opcode op = Opcode.valueOf(s.substring(0, s.indexOf(' ')));
            if (op == Opcode.GETQ) {
                continue; // a miss: silence
            }
            String key = s.substring(s.indexOf(' ') + 1, s.indexOf(" #"));
            conn.writeInbound(response(op, opaqueOf(s), op == Opcode.GET ? "v-" + key : ""));
        }
        runAll();
    }

    // ---- the client's side ----

    private ByteBuf request(Opcode op, String key, int opaque) {
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        int extras = op == Opcode.SET ? 8 : 0;
        byte[] v = op == Opcode.SET ? "value".getBytes(StandardCharsets.US_ASCII) : new byte[0];
        ByteBuf b = Unpooled.directBuffer(Mcbp.HEADER_SIZE + extras + k.length + v.length);
        b.writeByte(0x80).writeByte(op.code()).writeShort(k.length).writeByte(extras).writeByte(0).writeShort(0)
                .writeInt(extras + k.length + v.length).writeInt(opaque).writeLong(0).writeZero(extras)
                .writeBytes(k).writeBytes(v);
        made.add(b);
        return b;
    }

    /** A flexible-framing (0x08) GET with one framing extra: the barrier (id 0, no data). */
    private ByteBuf flexibleGet(String key, int opaque) {
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        ByteBuf b = Unpooled.directBuffer(Mcbp.HEADER_SIZE + 1 + k.length);
        b.writeByte(0x08).writeByte(Opcode.GET.code()).writeByte(1).writeByte(k.length).writeByte(0).writeByte(0)
                .writeShort(0).writeInt(1 + k.length).writeInt(opaque).writeLong(0)
                .writeByte(0x00)
                .writeBytes(k);
        made.add(b);
        return b;
    }

    /** Client frames straight into the session (past TLS, when there is TLS: the session is what is tested). */
    private void send(ByteBuf... frames) {
        ChannelHandlerContext frames_ = client.pipeline().context(HandlerNames.FRAMES);
        for (ByteBuf f : frames) {
            frames_.fireChannelRead(f);
        }
        runAll();
    }

    /** Collects what the client was sent so far into {@link #answers}. */
    private void drainAnswers() {
        runAll();
        Object o;
        while ((o = client.readOutbound()) != null) {
            if (!(o instanceof ByteBuf out)) {
                continue;
            }
            try {
                if (out.readableBytes() < Mcbp.HEADER_SIZE) {
                    continue; // TLS bytes or an empty flush marker
                }
                int status = Mcbp.status(out);
                String value = status == 0
                        ? out.toString(Mcbp.valueIndex(out), Mcbp.valueLength(out), StandardCharsets.US_ASCII)
                        : "";
                answers.computeIfAbsent(Mcbp.opaque(out), k -> new ArrayList<>()).add(hex(status) + " " + value);
            } finally {
                out.release();
            }
        }
    }

    /** The answers each opaque got: exactly one each, and no answer for anything else. */
    private void assertAnswered(Map<Integer, String> expected) {
        drainAnswers();
        Map<Integer, List<String>> want = new TreeMap<>();
        expected.forEach((k, v) -> want.put(k, List.of(v)));
        assertEquals(want, answers);
    }

    private static String hex(int status) {
        return Integer.toHexString(status);
    }

    // ---- timeouts ----

    @Test
    void aTimeoutWhileConnectingAnswersOnceAndItsFrameNeverReachesTheConnection() throws Exception {
        start();
        backend.connect(); // TCP connect undecided
        send(request(Opcode.GET, "a", 1), request(Opcode.SET, "b", 2));
        timeOut();
        assertAnswered(Map.of(1, TMPFAIL + " ", 2, TMPFAIL + " "));
        EmbeddedChannel conn = connected(); // the attempt goes on and succeeds late
        assertEquals(List.of(), written(conn), "the timed-out requests' frames are gone with them");

        send(request(Opcode.GET, "c", 3));
        List<String> sent = written(conn);
        assertEquals(1, sent.size(), sent.toString());
        answerAll(conn, sent);
        assertAnswered(Map.of(1, TMPFAIL + " ", 2, TMPFAIL + " ", 3, "0 v-c"));
    }

    @Test
    void aTlsHandshakeThatNeverFinishesFailsTheHeldRequestsAtTheHandshakeTimeout() throws Exception {
        backendTls = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).build();
        start();
        backend.connect();
        EmbeddedChannel conn = connected(); // TCP is up; the shard never answers the ClientHello
        send(request(Opcode.GET, "a", 1), request(Opcode.SET, "b", 2));
        assertAnswered(Map.of());

        advance(HANDSHAKE_TIMEOUT);
        assertAnswered(Map.of(1, TMPFAIL + " ", 2, TMPFAIL + " "));
        assertFalse(conn.isOpen(), "the SslHandler closed the connection at kvgate.backend.handshake-timeout");
        assertEquals(0, backend.inFlight());
        assertTrue(attempts.isEmpty(), "reconnects after the backoff, not at once");
        advance(RECONNECT_MIN);
        assertEquals(1, attempts.size());
    }

    @Test
    void lateAnswersOnATimedOutConnectionAreDroppedAndTheNextConnectionIsUntouched() throws Exception {
        start();
        backend.connect();
        EmbeddedChannel first = connected();
        send(request(Opcode.GET, "slow", 1));
        List<String> slow = written(first);
        timeOut();
        assertAnswered(Map.of(1, TMPFAIL + " "));
        assertFalse(first.isOpen());

        advance(RECONNECT_MIN);
        EmbeddedChannel second = connected();
        send(request(Opcode.GET, "fresh", 2));
        List<String> fresh = written(second);
        // The same opaque the slow GET had, arriving late on the new connection: a stray, not an answer.
        second.writeInbound(response(Opcode.GET, opaqueOf(slow.get(0)), "late"));
        runAll();
        assertEquals(1, backend.inFlight(), "the fresh GET still waits for its own answer");
        assertEquals(1, ring.strayAnswers());
        answerAll(second, fresh);
        assertAnswered(Map.of(1, TMPFAIL + " ", 2, "0 v-fresh"));
        assertTrue(second.isOpen(), "a stray answer does not cost the connection");
    }

    @Test
    void anAnswerMatchingNothingIsCountedDroppedAndTheOthersStillGetTheirs() throws Exception {
        start();
        backend.connect();
        EmbeddedChannel conn = connected();
        send(request(Opcode.GET, "a", 1), request(Opcode.GET, "b", 2));
        List<String> sent = written(conn);
        conn.writeInbound(response(Opcode.GET, 999, "nobody's"));
        conn.writeInbound(response(Opcode.GET, 1000, "nobody's either"));
        answerAll(conn, sent);
        assertAnswered(Map.of(1, "0 v-a", 2, "0 v-b"));
        assertEquals(2, ring.strayAnswers());
        assertEquals(0, backend.inFlight());
    }

    @Test
    void aTimeoutWhileConnectingAndThatAttemptsFailureCountOnceTowardsEjection() throws Exception {
        shardNames = List.of("s0", "s1");
        onFailure = BackendSettings.OnShardFailure.EJECT; // eject-after = 2
        start();
        backend.connect();
        send(request(Opcode.GET, "a", 1));
        timeOut(); // failure of attempt 1
        refused(); // the same attempt fails: not a second failure
        assertFalse(ring.isEjected(0), "one attempt, one failure");
        advance(RECONNECT_MIN);
        refused(); // attempt 2: the second failure in a row
        assertTrue(ring.isEjected(0), "two attempts failed in a row: ejected");
        assertAnswered(Map.of(1, TMPFAIL + " "));
    }

    @Test
    void aConnectionThatAnsweredAndIsThenLostCountsEvenIfItsAttemptHadATimeout() throws Exception {
        shardNames = List.of("s0", "s1");
        onFailure = BackendSettings.OnShardFailure.EJECT; // eject-after = 2
        start();
        backend.connect();
        send(request(Opcode.GET, "a", 1));
        timeOut(); // counted for this attempt
        EmbeddedChannel conn = connected();
        send(request(Opcode.SET, "b", 2));
        answerAll(conn, written(conn)); // an answer: the streak starts again
        conn.close(); // lost: a failure (1)
        runAll();
        advance(RECONNECT_MIN);
        refused(); // the next attempt fails: 2 in a row
        assertTrue(ring.isEjected(0), "the loss after an answer counted");
        assertAnswered(Map.of(1, TMPFAIL + " ", 2, "0 "));
    }

    private void refused() {
        ChannelPromise attempt = attempts.pollFirst();
        assertNotNull(attempt, "a connection attempt was made");
        attempt.setFailure(new java.net.ConnectException("connection refused"));
        attempt.channel().close();
        runAll();
    }

    // ---- shard death ----

    @Test
    void aShardDyingMidPipelineMidFrameAnswersEveryRequestExactlyOnce() throws Exception {
        start();
        backend.connect();
        EmbeddedChannel first = connected();
        List<ByteBuf> pipeline = new ArrayList<>();
        Map<Integer, String> expected = new TreeMap<>();
        for (int i = 1; i <= 12; i++) {
            boolean set = i % 3 == 0;
            pipeline.add(request(set ? Opcode.SET : Opcode.GET, "k" + i, i));
        }
        send(pipeline.toArray(ByteBuf[]::new));
        List<String> sent = written(first);
        assertEquals(12, sent.size());
        // The first four are answered, then half of the fifth's answer arrives and the shard dies.
        answerAll(first, sent.subList(0, 4));
        ByteBuf fifth = response(Opcode.GET, opaqueOf(sent.get(4)), "v-k5");
        first.writeInbound(fifth.retainedSlice(0, 30));
        fifth.release();
        first.close();
        runAll();
        for (int i = 1; i <= 4; i++) {
            expected.put(i, i % 3 == 0 ? "0 " : "0 v-k" + i);
        }
        // Reads in flight are retried on a new connection made at once; mutations fail.
        EmbeddedChannel second = connected();
        List<String> resent = written(second);
        assertEquals(List.of("GET", "GET", "GET", "GET", "GET"),
                resent.stream().map(s -> s.substring(0, s.indexOf(' '))).toList(), resent.toString());
        answerAll(second, resent);
        for (int i = 5; i <= 12; i++) {
            expected.put(i, i % 3 == 0 ? TMPFAIL + " " : "0 v-k" + i);
        }
        assertAnswered(expected);
        assertEquals(0, backend.inFlight());
    }

    // ---- the client leaves ----

    @Test
    void aClientClosingWithAnswersOnTheirWayGetsNoneAndEveryBufferIsReleased() throws Exception {
        start();
        backend.connect();
        EmbeddedChannel conn = connected();
        send(request(Opcode.GET, "a", 1), request(Opcode.SET, "b", 2), request(Opcode.GETQ, "c", 3));
        List<String> sent = written(conn);
        client.close();
        runAll();
        // The answers (and one to a request the shard has not seen yet) arrive after the client left.
        answerAll(conn, sent);
        conn.writeInbound(response(Opcode.GET, 4242, "stray"));
        runAll();
        assertAnswered(Map.of());
        assertEquals(0, backend.inFlight());
        assertTrue(conn.isOpen(), "the shared backend connection goes on");
    }

    // ---- slots that must not hang ----

    @Test
    void aSaslCheckThatFailsAnswers0x84AndTheRequestsBehindItGoOn() throws Exception {
        start(SASL, false);
        backend.connect();
        EmbeddedChannel conn = connected();
        // The password check runs on the auth pool; building its answer back on the loop fails.
        alloc.failNext = 1;
        byte[] plain = "\0app\0pw".getBytes(StandardCharsets.US_ASCII);
        ByteBuf saslAuth = Unpooled.directBuffer();
        saslAuth.writeByte(0x80).writeByte(Opcode.SASL_AUTH.code()).writeShort(5).writeByte(0).writeByte(0)
                .writeShort(0).writeInt(5 + plain.length).writeInt(1).writeLong(0)
                .writeBytes("PLAIN".getBytes(StandardCharsets.US_ASCII)).writeBytes(plain);
        made.add(saslAuth);
        send(saslAuth, request(Opcode.GET, "behind", 2));
        // Waits for the auth pool's answer to reach the loop: an event, bounded by the test's @Timeout.
        while (answers.isEmpty()) {
            drainAnswers();
            Thread.onSpinWait();
        }
        assertEquals(List.of(), written(conn), "not authenticated: the GET behind it never reaches the shard");
        assertAnswered(Map.of(1, INTERNAL + " ", 2, hex(Status.AUTH_ERROR.code()) + " "));
    }

    @Test
    void aSaslListMechsThatThrowsAnswers0x84() throws Exception {
        start(SASL, false);
        alloc.failNext = 1;
        ByteBuf list = Unpooled.directBuffer();
        list.writeByte(0x80).writeByte(Opcode.SASL_LIST_MECHS.code()).writeZero(6).writeInt(0).writeInt(1).writeLong(0);
        made.add(list);
        send(list, request(Opcode.GET, "k", 2));
        // Answered, and the connection goes on: the GET behind it is judged (not authenticated).
        assertAnswered(Map.of(1, INTERNAL + " ", 2, hex(Status.AUTH_ERROR.code()) + " "));
    }

    @Test
    void aRequestThatCannotBeTranslatedAnswers0x84AndTheNextOneIsServed() throws Exception {
        start();
        backend.connect();
        EmbeddedChannel conn = connected();
        alloc.failNext = 1; // the copy without framing extras
        send(flexibleGet("a", 1), request(Opcode.GET, "b", 2));
        List<String> sent = written(conn);
        assertEquals(1, sent.size(), sent.toString());
        answerAll(conn, sent);
        assertAnswered(Map.of(1, INTERNAL + " ", 2, "0 v-b"));
    }

    // ---- exceptionCaught at each handler ----

    static Stream<Arguments> clientHandlers() {
        return Stream.of(
                Arguments.of(false, HandlerNames.IDLE), Arguments.of(false, HandlerNames.FRAMES),
                Arguments.of(false, HandlerNames.SESSION),
                Arguments.of(true, HandlerNames.TLS_RECORDS), Arguments.of(true, HandlerNames.TLS),
                Arguments.of(true, HandlerNames.TLS_INFO), Arguments.of(true, HandlerNames.TLS_CLOSE),
                Arguments.of(true, HandlerNames.IDLE), Arguments.of(true, HandlerNames.FRAMES),
                Arguments.of(true, HandlerNames.SESSION));
    }

    @ParameterizedTest(name = "client tls={0}: {1}")
    @MethodSource("clientHandlers")
    void anExceptionAtAClientHandlerClosesTheClientAndItsAnswersAreReleased(boolean tls, String handler)
            throws Exception {
        start("", tls);
        backend.connect();
        EmbeddedChannel conn = connected();
        send(request(Opcode.GET, "a", 1), request(Opcode.SET, "b", 2));
        List<String> sent = written(conn);
        assertEquals(2, sent.size());
        fireExceptionAt(client.pipeline(), handler);
        runAll();
        assertFalse(client.isOpen(), "the client connection is closed");
        answerAll(conn, sent);
        assertAnswered(Map.of());
        assertEquals(0, backend.inFlight());
        assertTrue(conn.isOpen(), "a client's failure does not touch the shared backend connection");
    }

    static Stream<Arguments> backendHandlers() {
        return Stream.of(
                Arguments.of(false, HandlerNames.FRAMES), Arguments.of(false, HandlerNames.BACKEND),
                Arguments.of(true, HandlerNames.TLS), Arguments.of(true, HandlerNames.TLS_INFO),
                Arguments.of(true, HandlerNames.FRAMES), Arguments.of(true, HandlerNames.BACKEND));
    }

    @ParameterizedTest(name = "backend tls={0}: {1}")
    @MethodSource("backendHandlers")
    void anExceptionAtABackendHandlerAnswersEveryRequestOnce(boolean tls, String handler) throws Exception {
        if (tls) {
            backendTls = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).build();
        }
        start();
        backend.connect();
        EmbeddedChannel conn = connected();
        send(request(Opcode.GET, "a", 1), request(Opcode.SET, "b", 2));
        if (!tls) {
            assertEquals(2, written(conn).size());
        } // with TLS the handshake never finishes here: both are held for the connection
        fireExceptionAt(conn.pipeline(), handler);
        runAll();
        assertFalse(conn.isOpen(), "the backend connection is closed");
        if (!tls) {
            // Lost, not aborted: the GET is retried once on a new connection made at once.
            EmbeddedChannel second = connected();
            List<String> resent = written(second);
            assertEquals(1, resent.size(), resent.toString());
            answerAll(second, resent);
            assertAnswered(Map.of(1, "0 v-a", 2, TMPFAIL + " "));
        } else {
            assertAnswered(Map.of(1, TMPFAIL + " ", 2, TMPFAIL + " "));
        }
        assertEquals(0, backend.inFlight());
    }

    /** Makes {@code handler} be the first to see an exception, as if it had come from below it. */
    private static void fireExceptionAt(ChannelPipeline pipeline, String handler) {
        RuntimeException boom = new IllegalStateException("injected at " + handler);
        List<String> names = pipeline.names();
        int at = names.indexOf(handler);
        assertTrue(at >= 0, handler + " in " + names);
        if (at == 0) {
            pipeline.fireExceptionCaught(boom);
        } else {
            pipeline.context(names.get(at - 1)).fireExceptionCaught(boom);
        }
    }

    /** Unpooled direct buffers; fails the next {@link #failNext} allocations as Netty does when out of direct memory. */
    private static final class FailingAllocator extends AbstractByteBufAllocator {
        int failNext;

        FailingAllocator() {
            super(true);
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            fail();
            return new UnpooledDirectByteBuf(this, initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            fail();
            return new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return false;
        }

        private void fail() {
            if (failNext > 0) {
                failNext--;
                throw new OutOfMemoryError("test: no direct memory left");
            }
        }
    }
}
