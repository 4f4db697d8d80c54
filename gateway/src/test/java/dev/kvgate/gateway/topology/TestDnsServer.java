package dev.kvgate.gateway.topology;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small authoritative DNS server on a UDP loopback port, built on Netty's own DNS codec: answers A,
 * AAAA and SRV questions from records a test sets and changes, and can shuffle its answers, fail
 * (SERVFAIL) or stay silent (a timeout for the asker).
 */
public final class TestDnsServer implements AutoCloseable {
    public enum Mode { ANSWER, SERVFAIL, SILENT }

    /** One resource record: type, and its data already encoded. */
    public record Rr(DnsRecordType type, byte[] data) {
        public static Rr a(String ip) {
            return new Rr(DnsRecordType.A, address(ip));
        }

        public static Rr aaaa(String ip) {
            return new Rr(DnsRecordType.AAAA, address(ip));
        }

        /** SRV: priority 10, weight 5, the port and the target name (uncompressed). */
        public static Rr srv(int port, String target) {
            ByteBuf b = Unpooled.buffer();
            b.writeShort(10).writeShort(5).writeShort(port);
            writeName(b, target);
            return new Rr(DnsRecordType.SRV, bytes(b));
        }

        /**
         * SRV whose target is {@code label} followed by a compression pointer to {@code offset} of the
         * message (a name a server may compress against the question's).
         */
        public static Rr srvCompressed(int port, String label, int offset) {
            ByteBuf b = Unpooled.buffer();
            b.writeShort(10).writeShort(5).writeShort(port);
            byte[] l = label.getBytes(StandardCharsets.US_ASCII);
            b.writeByte(l.length).writeBytes(l);
            b.writeShort(0xC000 | offset);
            return new Rr(DnsRecordType.SRV, bytes(b));
        }

        private static byte[] address(String ip) {
            try {
                return InetAddress.getByName(ip).getAddress();
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException(ip, e);
            }
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    private final Map<String, List<Rr>> zone = new ConcurrentHashMap<>();
    public final AtomicInteger queries = new AtomicInteger();
    /** One permit per query received: what tests wait on. */
    public final Semaphore received = new Semaphore(0);
    public volatile Mode mode = Mode.ANSWER;
    public volatile boolean shuffle;

    public TestDnsServer() throws InterruptedException {
        channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                                new Responder());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Sets every record of {@code name} (replacing what it had); no records: the name exists, empty. */
    public void set(String name, Rr... records) {
        zone.put(name.toLowerCase(Locale.ROOT), List.of(records));
    }

    public void remove(String name) {
        zone.remove(name.toLowerCase(Locale.ROOT));
    }

    private final class Responder extends SimpleChannelInboundHandler<DatagramDnsQuery> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramDnsQuery query) {
            queries.incrementAndGet();
            received.release();
            if (mode == Mode.SILENT) {
                return;
            }
            DnsQuestion q = query.recordAt(DnsSection.QUESTION);
            DatagramDnsResponse response = new DatagramDnsResponse(query.recipient(), query.sender(), query.id());
            response.setAuthoritativeAnswer(true).setRecursionDesired(query.isRecursionDesired());
            response.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(q.name(), q.type()));
            String name = q.name().toLowerCase(Locale.ROOT);
            if (name.endsWith(".")) {
                name = name.substring(0, name.length() - 1);
            }
            List<Rr> records = zone.get(name);
            if (mode == Mode.SERVFAIL) {
                response.setCode(DnsResponseCode.SERVFAIL);
            } else if (records == null) {
                response.setCode(DnsResponseCode.NXDOMAIN);
            } else {
                List<Rr> matching = new ArrayList<>();
                for (Rr r : records) {
                    if (r.type().equals(q.type())) {
                        matching.add(r);
                    }
                }
                if (shuffle) {
                    Collections.shuffle(matching);
                }
                for (Rr r : matching) {
                    response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(q.name(), r.type(), 0,
                            Unpooled.wrappedBuffer(r.data())));
                }
            }
            ctx.writeAndFlush(response);
        }
    }

    private static void writeName(ByteBuf b, String name) {
        for (String label : name.split("\\.")) {
            byte[] l = label.getBytes(StandardCharsets.US_ASCII);
            b.writeByte(l.length).writeBytes(l);
        }
        b.writeByte(0);
    }

    private static byte[] bytes(ByteBuf b) {
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
