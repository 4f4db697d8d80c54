package dev.kvgate.it.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.it.Shards;
import dev.kvgate.tls.ClientTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A seeded random-frame soak through the whole server (listeners, TLS, decoder, session, backend
 * connections, real memcached), over both transports. Each connection sends a random script of
 * valid requests (against a model of its own keys), requests kvgate must refuse (0x04, 0x81), quiet
 * ones, in random chunkings, and sometimes ends with a malformed frame. Every answer is checked
 * against the model, in order; a missing answer (a hang) fails when the generous outer wait runs
 * out; a malformed frame must close the connection after the answers before it; leaks fail through
 * paranoid leak detection. The seed is in the test name and the failure message, to replay it.
 */
@Timeout(300)
class RandomFrameSoakIT {
    private static final long SEED = Long.getLong("kvgate.soak.seed", 20261202L);
    private static final int CONNECTIONS = Integer.getInteger("kvgate.soak.connections", 12);
    private static final int REQUESTS = Integer.getInteger("kvgate.soak.requests", 400);
    /** Generous: only a hang waits this long. */
    private static final long ANSWER_WAIT_SECONDS = 30;

    private static Shards shards;
    private static GatewayFixture gateway;
    private static EventLoopGroup group;

    @BeforeAll
    static void start() throws Exception {
        shards = Shards.start(2);
        gateway = GatewayFixture.start(shards.hocon());
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stop() throws Exception {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (shards != null) {
            shards.close();
        }
    }

    record Answer(int opaque, int opcode, int status, String value) {
    }

    /** One expected answer: opaque, status, and the value for a hit (null: not checked). */
    record Expect(int opaque, int status, String value) {
    }

    @ParameterizedTest
    @EnumSource(TransportKind.class)
    void randomFramesGetTheirAnswersAndNothingElse(TransportKind t) throws Exception {
        SslContext tls = t == TransportKind.TLS ? ClientTls.trustingCertificates(gateway.pki().caCertificate()) : null;
        for (int c = 0; c < CONNECTIONS; c++) {
            long seed = SEED * 31 + c * 7919L + t.ordinal();
            try {
                soakOne(tls, new Random(seed), t + "-" + c);
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + " (-Dkvgate.soak.seed=" + SEED + ", connection " + c
                        + "): " + e.getMessage(), e);
            }
        }
    }

    private void soakOne(SslContext tls, Random rnd, String prefix) throws Exception {
        LinkedBlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
        CountDownLatch closed = new CountDownLatch(1);
        Channel ch = connect(tls, answers, closed);
        Map<String, String> model = new HashMap<>();
        List<Expect> expected = new ArrayList<>();
        ByteBuf script = Unpooled.buffer();
        int opaque = 1;
        for (int i = 0; i < REQUESTS; i++) {
            String key = prefix + "-k" + rnd.nextInt(20);
            int kind = rnd.nextInt(100);
            if (kind < 30) {
                String v = "v" + rnd.nextInt(1_000_000) + "x".repeat(rnd.nextInt(3000));
                frame(script, 0x01, opaque, key, 8, v);
                model.put(key, v);
                expected.add(new Expect(opaque, 0, null));
            } else if (kind < 60) {
                frame(script, 0x00, opaque, key, 0, "");
                String v = model.get(key);
                expected.add(new Expect(opaque, v == null ? 0x01 : 0, v));
            } else if (kind < 68) {
                frame(script, 0x09, opaque, key, 0, ""); // GETQ: answered only on a hit
                String v = model.get(key);
                if (v != null) {
                    expected.add(new Expect(opaque, 0, v));
                }
            } else if (kind < 76) {
                frame(script, 0x04, opaque, key, 0, "");
                expected.add(new Expect(opaque, model.remove(key) == null ? 0x01 : 0, null));
            } else if (kind < 82) {
                frame(script, 0x0a, opaque, "", 0, "");
                expected.add(new Expect(opaque, 0, null));
            } else if (kind < 88) {
                frame(script, 0x01, opaque, key, 3, "bad extras"); // refused locally, never forwarded
                expected.add(new Expect(opaque, 0x04, null));
            } else if (kind < 92) {
                frame(script, 0xEE, opaque, key, 0, ""); // not an opcode kvgate knows
                expected.add(new Expect(opaque, 0x81, null));
            } else if (kind < 96) {
                frame(script, 0x11, opaque, key, 8, "quiet"); // SETQ: silent on success
                model.put(key, "quiet");
            } else {
                frame(script, 0x0b, opaque, "", 0, ""); // VERSION
                expected.add(new Expect(opaque, 0, null));
            }
            opaque++;
        }
        boolean malformedEnd = rnd.nextInt(3) == 0;
        if (malformedEnd) {
            script.writeByte(0x42).writeZero(23); // bad magic: answers before it, then close
        } else {
            frame(script, 0x0a, opaque, "", 0, ""); // a final NOOP: settles the quiet ones before it
            expected.add(new Expect(opaque, 0, null));
        }
        // Random chunkings: from single bytes to several frames per write.
        while (script.isReadable()) {
            int n = Math.min(script.readableBytes(), rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(8) : 1 + rnd.nextInt(9000));
            ch.write(script.readRetainedSlice(n));
            if (rnd.nextInt(4) == 0) {
                ch.flush();
            }
        }
        ch.flush();
        script.release();

        for (Expect e : expected) {
            Answer a = answers.poll(ANSWER_WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(a, "no answer within " + ANSWER_WAIT_SECONDS + " s for opaque " + e.opaque() + " (a hang)");
            assertEquals(e.opaque(), a.opaque(), "answers in request order, one per request: " + a);
            assertEquals(e.status(), a.status(), "status of " + a);
            if (e.value() != null) {
                assertEquals(e.value(), a.value(), "value of " + a);
            }
        }
        if (malformedEnd) {
            assertTrue(closed.await(ANSWER_WAIT_SECONDS, TimeUnit.SECONDS), "a malformed frame closes the connection");
        } else {
            ch.close().sync();
        }
        closed.await(ANSWER_WAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals(null, answers.poll(), "nothing but the expected answers");
    }

    private static void frame(ByteBuf out, int opcode, int opaque, String key, int extras, String value) {
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        byte[] v = value.getBytes(StandardCharsets.US_ASCII);
        out.writeByte(0x80).writeByte(opcode).writeShort(k.length).writeByte(extras).writeByte(0).writeShort(0)
                .writeInt(extras + k.length + v.length).writeInt(opaque).writeLong(0).writeZero(extras)
                .writeBytes(k).writeBytes(v);
    }

    private Channel connect(SslContext tls, LinkedBlockingQueue<Answer> answers, CountDownLatch closed)
            throws Exception {
        TransportKind t = tls != null ? TransportKind.TLS : TransportKind.PLAIN;
        return new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), "localhost", gateway.port(t)));
                        }
                        ch.pipeline().addLast(new Collector(answers, closed));
                    }
                })
                .connect("127.0.0.1", gateway.port(t)).sync().channel();
    }

    /** Cuts the answer stream into frames; one {@link Answer} per frame, in arrival order. */
    private static final class Collector extends ChannelInboundHandlerAdapter {
        private final LinkedBlockingQueue<Answer> answers;
        private final CountDownLatch closed;
        private ByteBuf pending;

        Collector(LinkedBlockingQueue<Answer> answers, CountDownLatch closed) {
            this.answers = answers;
            this.closed = closed;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            pending = ctx.alloc().buffer();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                pending.writeBytes(in);
            } finally {
                in.release();
            }
            while (pending.readableBytes() >= 24) {
                int at = pending.readerIndex();
                long body = pending.getUnsignedInt(at + 8);
                if (pending.readableBytes() < 24 + body) {
                    break;
                }
                int opcode = pending.getUnsignedByte(at + 1);
                int keyLength = pending.getUnsignedShort(at + 2);
                int extras = pending.getUnsignedByte(at + 4);
                int status = pending.getUnsignedShort(at + 6);
                int opaque = pending.getInt(at + 12);
                int valueAt = at + 24 + extras + keyLength;
                String value = pending.toString(valueAt, (int) body - extras - keyLength, StandardCharsets.US_ASCII);
                answers.add(new Answer(opaque, opcode, status, value));
                pending.skipBytes(24 + (int) body);
            }
            pending.discardReadBytes();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            pending.release();
            closed.countDown();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
