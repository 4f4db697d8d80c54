package dev.kvgate.gateway.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.config.ShardSettings;
import dev.kvgate.config.TopologySettings;
import dev.kvgate.gateway.log.LogCapture;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The DNS topology source against a DNS server of the test's own on loopback (Netty's DNS codec):
 * shards added, removed and reordered in the answers, A with AAAA, SRV (with a compressed target),
 * and the failures that must keep the last good list: SERVFAIL, no answer, no such name, no records.
 */
@Timeout(60)
class DnsSourceTest {
    private static final Duration INTERVAL = Duration.ofMillis(50);

    private TestDnsServer dns;
    private EventLoopGroup loop;
    private final BlockingQueue<List<ShardSettings>> lists = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        dns = new TestDnsServer();
        loop = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterEach
    void stop() {
        dns.close();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private DnsSource source(String name, TopologySettings.RecordType type, Duration timeout) {
        TopologySettings.Dns settings = new TopologySettings.Dns(name, type, 11211, false, INTERVAL, timeout,
                List.of(new ShardSettings("127.0.0.1", dns.port(), false)));
        DnsSource s = new DnsSource(settings, (EventLoop) loop.next(), NioDatagramChannel.class, NioSocketChannel.class);
        s.start(lists::add);
        return s;
    }

    private List<ShardSettings> next() throws InterruptedException {
        List<ShardSettings> l = lists.poll(10, TimeUnit.SECONDS);
        if (l == null) {
            throw new AssertionError("no new list from the source within 10 s");
        }
        return l;
    }

    private static List<String> names(List<ShardSettings> shards) {
        return shards.stream().map(ShardSettings::address).toList();
    }

    /** Waits until the server has received {@code rounds} more queries: that many polls went by. */
    private void rounds(int rounds) throws InterruptedException {
        dns.received.drainPermits();
        if (!dns.received.tryAcquire(rounds, 10, TimeUnit.SECONDS)) {
            throw new AssertionError("the source stopped asking");
        }
    }

    @Test
    void addRemoveAndReorder() throws Exception {
        dns.set("cache.test", TestDnsServer.Rr.a("10.0.0.2"), TestDnsServer.Rr.a("10.0.0.10"));
        try (DnsSource s = source("cache.test", TopologySettings.RecordType.A, Duration.ofSeconds(1))) {
            assertEquals(List.of("10.0.0.2:11211", "10.0.0.10:11211"), names(next()),
                    "sorted numerically, so that every gateway and every round agree");

            dns.set("cache.test", TestDnsServer.Rr.a("10.0.0.10"), TestDnsServer.Rr.a("10.0.0.2"),
                    TestDnsServer.Rr.a("10.0.0.3"));
            assertEquals(List.of("10.0.0.2:11211", "10.0.0.3:11211", "10.0.0.10:11211"), names(next()), "added");

            dns.set("cache.test", TestDnsServer.Rr.a("10.0.0.3"), TestDnsServer.Rr.a("10.0.0.10"));
            assertEquals(List.of("10.0.0.3:11211", "10.0.0.10:11211"), names(next()), "removed");

            dns.set("cache.test", TestDnsServer.Rr.a("10.0.0.3"), TestDnsServer.Rr.a("10.0.0.10"),
                    TestDnsServer.Rr.a("10.0.0.4"), TestDnsServer.Rr.a("10.0.0.1"));
            next();
            dns.shuffle = true;
            rounds(40);
            assertNull(lists.poll(), "answers in another order are no change");
            assertNull(s.failure());
        }
    }

    @Test
    void ipv4AndIpv6() throws Exception {
        dns.set("dual.test", TestDnsServer.Rr.aaaa("fd00::2"), TestDnsServer.Rr.a("10.0.0.7"),
                TestDnsServer.Rr.aaaa("fd00::1"));
        try (DnsSource s = source("dual.test", TopologySettings.RecordType.A, Duration.ofSeconds(1))) {
            assertEquals(List.of("10.0.0.7:11211", "[fd00::1]:11211", "[fd00::2]:11211"), names(next()));
        }
    }

    @Test
    void srvRecordsNameTheirTargets() throws Exception {
        // "_memcache._tcp.svc.test": the question starts at offset 12 of the message, after the
        // header; "svc.test." starts 10 + 5 bytes later. A server may point the target's suffix there.
        dns.set("_memcache._tcp.svc.test", TestDnsServer.Rr.srv(11212, "memcached-1.svc.test"),
                TestDnsServer.Rr.srvCompressed(11211, "memcached-0", 12 + 10 + 5),
                TestDnsServer.Rr.srv(11211, "memcached-2.svc.test"));
        try (DnsSource s = source("_memcache._tcp.svc.test", TopologySettings.RecordType.SRV, Duration.ofSeconds(1))) {
            assertEquals(List.of("memcached-0.svc.test:11211", "memcached-1.svc.test:11212",
                    "memcached-2.svc.test:11211"), names(next()));
            dns.shuffle = true;
            rounds(20);
            assertNull(lists.poll(), "reordered SRV answers are no change");
            dns.set("_memcache._tcp.svc.test", TestDnsServer.Rr.srv(11212, "memcached-1.svc.test"),
                    TestDnsServer.Rr.srv(11211, "memcached-2.svc.test"));
            assertEquals(List.of("memcached-1.svc.test:11212", "memcached-2.svc.test:11211"), names(next()));
        }
    }

    @Test
    void failuresKeepTheLastGoodListAndAreLoggedOncePerState() throws Exception {
        dns.set("cache.test", TestDnsServer.Rr.a("10.0.0.1"), TestDnsServer.Rr.a("10.0.0.2"));
        try (LogCapture logs = new LogCapture("dev.kvgate.gateway.topology");
             DnsSource s = source("cache.test", TopologySettings.RecordType.A, Duration.ofMillis(100))) {
            assertEquals(2, next().size());

            dns.mode = TestDnsServer.Mode.SERVFAIL;
            rounds(10);
            dns.mode = TestDnsServer.Mode.SILENT;
            rounds(10);
            dns.mode = TestDnsServer.Mode.ANSWER;
            dns.set("cache.test"); // the name exists, with no address
            rounds(10);
            dns.remove("cache.test"); // no such name
            rounds(10);
            assertNull(lists.poll(), "nothing replaces the last good list");
            assertTrue(s.failure() != null);

            dns.set("cache.test", TestDnsServer.Rr.a("10.0.0.1"), TestDnsServer.Rr.a("10.0.0.2"));
            rounds(3); // polls are one after another: the second of these was asked after an answer came back
            assertNull(s.failure(), "answers again");
            assertNull(lists.poll(), "the same list as before the failures: no change to hand over");

            List<String> failing = logs.messages("topology source DNS A cache.test", "keeping the last good topology (2 shards)");
            assertTrue(failing.size() >= 3 && failing.size() <= 5,
                    "one line per change of state (SERVFAIL, timeout, no records, no such name), not per round: "
                            + failing);
            assertTrue(failing.stream().anyMatch(m -> m.contains("timed out")), failing.toString());
            assertEquals(1, logs.messages("topology source DNS A cache.test", "answers again (2 shards)").size());
        }
    }
}
