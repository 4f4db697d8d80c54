package dev.kvgate.gateway.proxy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.kvgate.config.BackendSettings;
import dev.kvgate.config.LimitsSettings;
import dev.kvgate.config.Settings;
import dev.kvgate.engine.EngineClock;
import dev.kvgate.engine.EngineShard;
import dev.kvgate.gateway.auth.Authenticator;
import dev.kvgate.gateway.memory.MemoryBudget;
import dev.kvgate.gateway.protocol.FrameDecoder;
import dev.kvgate.mcbp.FrameError;
import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.RequestValidator;
import dev.kvgate.routing.HashPreset;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Coverage-guided fuzzing of the request decoder and the client session, with two in-process
 * engine shards behind them, so that keyed, broadcast and local requests all get real answers.
 * Each input is a script: byte chunks (raw, or a header built from fuzzed fields so that the
 * fuzzer reaches the opcodes quickly), pauses on the channel's frozen clock, a close.
 *
 * <p>Failures: an exception that reaches the session ("unexpected error" logged) or the end of the
 * pipeline; an answer that is not a whole response frame; an answer carrying an opaque that no
 * request (or framing error) had, or more answers for an opaque than requests carried it; a leaked
 * buffer (paranoid leak detection, checked after the run); an input running over the timeout that
 * Jazzer derives from {@code @Timeout} (a hang).
 *
 * <p>In the normal build the saved inputs run as tests (regression mode), and Surefire's {@code fuzz}
 * execution fuzzes {@link #decoderAndSession} for 10 s (JAZZER_FUZZ=1). For a longer run:
 * {@code JAZZER_FUZZ=1 mvn -B -o -pl gateway -am test -Dtest='SessionFuzzTest#longRun'
 * -Dsurefire.failIfNoSpecifiedTests=false} (30 minutes); findings are written under
 * src/test/resources/dev/kvgate/gateway/proxy/SessionFuzzTestInputs/ and replayed by every build.
 */
class SessionFuzzTest {
    /** WARN lines that mean kvgate caught an exception it did not expect (kept, unlike the rest). */
    private static final List<String> UNEXPECTED = new CopyOnWriteArrayList<>();
    private static final AppenderBase<ILoggingEvent> WATCH = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
            String m = e.getFormattedMessage();
            if (e.getLevel().isGreaterOrEqual(Level.WARN) && (m.contains("unexpected error")
                    || m.contains("cannot translate") || m.contains("SASL exchange failed"))) {
                UNEXPECTED.add(m + (e.getThrowableProxy() != null ? ": " + e.getThrowableProxy().getMessage() : ""));
            }
        }
    };
    private static Authenticator auth;

    @BeforeAll
    static void watch() {
        WATCH.start();
        ((Logger) LoggerFactory.getLogger("dev.kvgate")).addAppender(WATCH);
        auth = new Authenticator(Settings.parse("").auth());
    }

    @AfterAll
    static void release() {
        ((Logger) LoggerFactory.getLogger("dev.kvgate")).detachAppender(WATCH);
        auth.close();
    }

    // The JUnit timeout bounds the whole run when fuzzing, and each input (a hang) in both modes.
    @FuzzTest(maxDuration = "10s")
    @Timeout(60)
    void decoderAndSession(FuzzedDataProvider data) {
        run(data);
    }

    @FuzzTest(maxDuration = "30m")
    @Timeout(value = 35, unit = TimeUnit.MINUTES)
    void longRun(FuzzedDataProvider data) {
        run(data);
    }

    private static void run(FuzzedDataProvider data) {
        int errorsBefore = UNEXPECTED.size();
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        BackendSettings bs = new BackendSettings(1, Duration.ofSeconds(1), Duration.ofSeconds(1),
                Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofSeconds(1), 64,
                BackendSettings.OnShardFailure.FAIL_FAST, 3, Duration.ofSeconds(5));
        ShardRing ring = new ShardRing(HashPreset.KETAMA_SPYMEMCACHED, List.of("e0", "e1"), bs);
        Backend[][] shards = new Backend[2][];
        for (int s = 0; s < 2; s++) {
            EngineShard engine = new EngineShard("e" + s, 4 << 20, 64 * 1024, EngineClock.system());
            shards[s] = new Backend[] {new EngineBackend(ch.eventLoop(), s, ring, engine,
                    PooledByteBufAllocator.DEFAULT, bs.requestTimeout().toNanos(), bs.maxInFlight())};
        }
        BackendRegistry registry = new BackendRegistry(Map.of(ch.eventLoop(), new LoopBackends(ring, shards)), 2);
        LimitsSettings limits = new LimitsSettings(128 * 1024, Duration.ofMinutes(1), 16, 4, 100, 100,
                Duration.ofSeconds(1), List.of());
        MemoryBudget budget = new MemoryBudget(1 << 20, 768 * 1024, 512 * 1024, 16 * 1024);
        Map<Integer, Integer> asked = new HashMap<>();
        ch.pipeline().addLast(new FrameDecoder(FrameDecoder.Direction.REQUEST, limits.maxFrame(),
                        limits.framesPerRead(), limits.frameReadTimeout(), budget),
                new Recorder(asked),
                new ClientSession(registry, limits, new GatewayStats(), auth, RequestValidator.STRICT, budget));
        try {
            while (data.remainingBytes() > 0 && ch.isOpen()) {
                switch (data.consumeInt(0, 7)) {
                    case 0 -> ch.advanceTimeBy(data.consumeInt(0, 3000), TimeUnit.MILLISECONDS);
                    case 1 -> ch.close();
                    case 2, 3 -> ch.writeInbound(header(data));
                    default -> ch.writeInbound(Unpooled.wrappedBuffer(data.consumeBytes(data.consumeInt(1, 300))));
                }
                ch.runPendingTasks();
                ch.runScheduledPendingTasks();
                check(ch, asked);
            }
            ch.runPendingTasks();
            check(ch, asked);
            ch.checkException();
        } finally {
            ch.finishAndReleaseAll();
        }
        if (UNEXPECTED.size() > errorsBefore) {
            throw new AssertionError("kvgate caught an unexpected error: " + UNEXPECTED.get(UNEXPECTED.size() - 1));
        }
    }

    /** A request header from fuzzed fields, then a fuzzed body of at most the length it claims. */
    private static ByteBuf header(FuzzedDataProvider data) {
        int keyLength = data.consumeInt(0, 260);
        int extras = data.consumeInt(0, 24);
        int body = keyLength + extras + data.consumeInt(0, 2000);
        boolean flexible = data.consumeBoolean();
        ByteBuf b = Unpooled.buffer();
        b.writeByte(flexible ? 0x08 : 0x80).writeByte(data.consumeByte());
        if (flexible) {
            b.writeByte(data.consumeInt(0, 8)).writeByte(keyLength);
        } else {
            b.writeShort(keyLength);
        }
        b.writeByte(extras).writeByte(data.consumeBoolean() ? 0 : data.consumeByte()).writeShort(0)
                .writeInt(body).writeInt(data.consumeInt()).writeLong(0);
        b.writeBytes(data.consumeBytes(Math.min(body, data.remainingBytes())));
        return b;
    }

    /** Every answer is one or more whole response frames of one opaque, and answers an asked opaque. */
    private static void check(EmbeddedChannel ch, Map<Integer, Integer> asked) {
        Object o;
        while ((o = ch.readOutbound()) != null) {
            if (!(o instanceof ByteBuf out)) {
                continue;
            }
            try {
                if (!out.isReadable()) {
                    continue; // the lingering close's flush marker
                }
                int opaque = Mcbp.opaque(out);
                ByteBuf rest = out.duplicate();
                while (rest.isReadable()) {
                    if (rest.readableBytes() < Mcbp.HEADER_SIZE) {
                        throw new AssertionError("half a header in an answer");
                    }
                    int magic = rest.getUnsignedByte(rest.readerIndex());
                    if (magic != 0x81 && magic != 0x18) {
                        throw new AssertionError("answer with magic " + Integer.toHexString(magic));
                    }
                    if (Mcbp.opaque(rest) != opaque) {
                        throw new AssertionError("one answer, two opaques");
                    }
                    int length = Mcbp.frameLength(rest);
                    if (length > rest.readableBytes()) {
                        throw new AssertionError("answer frame cut short");
                    }
                    rest.skipBytes(length);
                }
                Integer left = asked.get(opaque);
                if (left == null || left == 0) {
                    throw new AssertionError("an answer with opaque " + opaque + " that no request is waiting for");
                }
                asked.put(opaque, left - 1);
            } finally {
                out.release();
            }
        }
    }

    /** Notes the opaque of everything the decoder hands on: the answers must carry one of these. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        private final Map<Integer, Integer> asked;

        Recorder(Map<Integer, Integer> asked) {
            this.asked = asked;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf frame) {
                asked.merge(Mcbp.opaque(frame), 1, Integer::sum);
            } else if (msg instanceof FrameError error) {
                asked.merge(error.opaque(), 1, Integer::sum);
            }
            ctx.fireChannelRead(msg);
        }
    }
}
