package dev.kvgate.gateway.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every test runs on a manual clock: time passes only when a test says so. */
class PeerWarningsTest {
    private static final String LOGGER = "dev.kvgate.test.PeerWarningsTest";
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final Logger log = LoggerFactory.getLogger(LOGGER);
    private final LogCapture logs = new LogCapture(LOGGER);

    @AfterEach
    void close() {
        ((ch.qos.logback.classic.Logger) log).setLevel(null);
        logs.close();
    }

    private PeerWarnings warnings(int perPeer, int global, int maxPeers) {
        return new PeerWarnings(perPeer, global, MINUTE, maxPeers, nanos::get);
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    private static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static InetAddress ip(int n) {
        return ip("10.0." + (n >> 8 & 0xff) + "." + (n & 0xff));
    }

    private List<String> messages() {
        return logs.messages();
    }

    @Test
    void aPeerOverItsLimitIsSuppressedAndItsNextLineSaysHowMuch() {
        PeerWarnings w = warnings(3, 100, 100);
        InetAddress a = ip("10.0.0.1");
        for (int i = 1; i <= 3; i++) {
            assertTrue(w.warn(log, a, "bad frame {} from {}", i, a.getHostAddress()));
        }
        for (int i = 4; i <= 40; i++) {
            assertFalse(w.warn(log, a, "bad frame {} from {}", i, a.getHostAddress()), "line " + i);
        }
        assertEquals(List.of("bad frame 1 from 10.0.0.1", "bad frame 2 from 10.0.0.1", "bad frame 3 from 10.0.0.1"),
                messages());

        advance(MINUTE);
        assertTrue(w.warn(log, a, "bad frame {} from {}", 41, a.getHostAddress()));
        assertEquals("bad frame 41 from 10.0.0.1 (37 similar lines suppressed)", messages().get(3));
        assertTrue(w.warn(log, a, "bad frame {}", 42));
        assertEquals("bad frame 42", messages().get(4), "the count is reported once");
        assertEquals(Level.WARN, logs.events().get(0).getLevel());
    }

    @Test
    void theBudgetRefillsGraduallyOverTheInterval() {
        PeerWarnings w = warnings(6, 100, 100);
        InetAddress a = ip("10.0.0.1");
        for (int i = 0; i < 6; i++) {
            assertTrue(w.info(log, a, "line"));
        }
        assertFalse(w.info(log, a, "line"));
        advance(Duration.ofSeconds(9));
        assertFalse(w.info(log, a, "line"), "a sixth of the interval is one line: not yet");
        advance(Duration.ofSeconds(1));
        assertTrue(w.info(log, a, "line"));
        assertEquals("line (2 similar lines suppressed)", messages().get(6));
        assertFalse(w.info(log, a, "line"));
        advance(Duration.ofSeconds(10));
        assertTrue(w.info(log, a, "line"));
        assertEquals("line (1 similar line suppressed)", messages().get(7));
        assertEquals(Level.INFO, logs.events().get(0).getLevel());
    }

    @Test
    void peersHaveBudgetsOfTheirOwn() {
        PeerWarnings w = warnings(2, 100, 100);
        InetAddress a = ip("10.0.0.1");
        InetAddress b = ip("10.0.0.2");
        assertTrue(w.warn(log, a, "a"));
        assertTrue(w.warn(log, a, "a"));
        assertFalse(w.warn(log, a, "a"));
        assertTrue(w.warn(log, b, "b"), "another address is not held back by a's flood");
        assertTrue(w.warn(log, new InetSocketAddress(b, 1234), "b"), "a port does not make another peer");
        assertFalse(w.warn(log, new InetSocketAddress(b, 5678), "b"));
        assertEquals(2, w.trackedPeers());
    }

    @Test
    void theGlobalCapHoldsManyPeersAndItsCountGoesOnTheNextLine() {
        PeerWarnings w = warnings(10, 5, 100);
        for (int i = 0; i < 5; i++) {
            assertTrue(w.warn(log, ip(i), "peer {}", i));
        }
        for (int i = 5; i < 50; i++) {
            assertFalse(w.warn(log, ip(i), "peer {}", i), "peer " + i);
        }
        assertEquals(5, messages().size());
        advance(MINUTE);
        assertTrue(w.warn(log, ip(99), "peer {}", 99));
        assertEquals("peer 99 (45 lines suppressed across all peers)", messages().get(5));
    }

    @Test
    void aLineTheGlobalCapSuppressedDoesNotSpendThePeersBudget() {
        PeerWarnings w = warnings(2, 1, 100);
        InetAddress a = ip("10.0.0.1");
        assertTrue(w.warn(log, ip("10.0.0.9"), "other"));
        assertFalse(w.warn(log, a, "a"), "the global budget is spent");
        assertFalse(w.warn(log, a, "a"));
        advance(MINUTE);
        assertTrue(w.warn(log, a, "a"));
        assertEquals("a (2 lines suppressed across all peers)", messages().get(1));
        advance(MINUTE);
        assertTrue(w.warn(log, a, "a"), "a still has its second line: the refused ones were given back");
    }

    @Test
    void bothCountsOnOneLine() {
        PeerWarnings w = warnings(1, 2, 100);
        InetAddress a = ip("10.0.0.1");
        assertTrue(w.warn(log, a, "a"));
        assertFalse(w.warn(log, a, "a"));
        assertTrue(w.warn(log, ip("10.0.0.2"), "b"));
        assertFalse(w.warn(log, ip("10.0.0.3"), "c"));
        advance(MINUTE);
        assertTrue(w.warn(log, a, "a"));
        assertEquals("a (1 similar line suppressed, 1 more across all peers)", messages().get(2));
    }

    @Test
    void theTableOfPeersStaysBoundedUnderAFloodOfAddresses() {
        PeerWarnings w = warnings(1, 100_000, 4);
        int written = 0;
        for (int i = 0; i < 1000; i++) {
            written += w.warn(log, ip(i), "peer {}", i) ? 1 : 0;
            assertTrue(w.trackedPeers() <= 4, "tracked " + w.trackedPeers());
        }
        assertEquals(5, written, "four tracked peers and one line for all that found no room");
        advance(MINUTE);
        // Idle entries are swept out to make room; the shared bucket reports what it held back.
        assertTrue(w.warn(log, ip(5000), "peer {}", 5000));
        assertTrue(w.trackedPeers() <= 4);
        for (int i = 5001; i < 5010; i++) {
            w.warn(log, ip(i), "peer {}", i);
        }
        assertTrue(w.trackedPeers() <= 4, "tracked " + w.trackedPeers());
        assertEquals(1, logs.messages("lines suppressed").size(), messages().toString());
        assertEquals(995, messages().stream().filter(m -> m.contains("suppressed"))
                .mapToLong(m -> Long.parseLong(m.replaceAll(".*\\((\\d+) similar.*", "$1"))).sum());
    }

    @Test
    void anEvictedPeersPendingCountIsReportedByTheNextLine() {
        PeerWarnings w = warnings(1, 100, 1);
        InetAddress a = ip("10.0.0.1");
        assertTrue(w.warn(log, a, "a"));
        assertFalse(w.warn(log, a, "a"));
        assertFalse(w.warn(log, a, "a"));
        advance(MINUTE);
        assertTrue(w.warn(log, ip("10.0.0.2"), "b"), "a is idle: its entry makes room");
        assertEquals(1, w.trackedPeers());
        assertEquals("b (2 lines suppressed across all peers)", messages().get(1));
    }

    @Test
    void aThrowableStaysTheThrowableWhenACountIsAdded() {
        PeerWarnings w = warnings(1, 100, 100);
        InetAddress a = ip("10.0.0.1");
        assertTrue(w.warn(log, a, "x {}", "one", new IllegalStateException("first")));
        assertFalse(w.warn(log, a, "x {}", "two", new IllegalStateException("second")));
        advance(MINUTE);
        assertTrue(w.warn(log, a, "x {}", "three", new IllegalStateException("third")));
        ILoggingEvent last = logs.events().get(1);
        assertEquals("x three (1 similar line suppressed)", last.getFormattedMessage());
        assertNotNull(last.getThrowableProxy());
        assertEquals("third", last.getThrowableProxy().getMessage());
    }

    @Test
    void aLevelTheLoggerDropsSpendsNothing() {
        ((ch.qos.logback.classic.Logger) log).setLevel(Level.WARN);
        PeerWarnings w = warnings(2, 100, 100);
        InetAddress a = ip("10.0.0.1");
        for (int i = 0; i < 10; i++) {
            assertFalse(w.info(log, a, "debug noise"));
        }
        assertTrue(w.warn(log, a, "w"));
        assertTrue(w.warn(log, a, "w"));
        assertEquals(List.of("w", "w"), messages(), "no count of lines nobody would have seen");
    }

    @Test
    void theClockMayWrap() {
        nanos.set(Long.MAX_VALUE - Duration.ofSeconds(30).toNanos());
        PeerWarnings w = warnings(2, 100, 100);
        InetAddress a = ip("10.0.0.1");
        assertTrue(w.warn(log, a, "a"));
        assertTrue(w.warn(log, a, "a"));
        assertFalse(w.warn(log, a, "a"));
        advance(MINUTE);
        assertTrue(nanos.get() < 0, "wrapped");
        assertTrue(w.warn(log, a, "a"));
        assertEquals("a (1 similar line suppressed)", messages().get(2));
    }

    @Test
    void aChannelIsKeyedByItsRemoteAddressAndCarriesItsServersInstance() {
        EmbeddedChannel channel = new EmbeddedChannel();
        try {
            assertSame(PeerWarnings.shared(), PeerWarnings.of(channel));
            PeerWarnings w = warnings(1, 100, 100);
            channel.attr(PeerWarnings.KEY).set(w);
            assertSame(w, PeerWarnings.of(channel));
            assertTrue(w.info(log, channel, "{} connected", channel));
            assertFalse(w.info(log, channel.remoteAddress(), "{} again", channel));
            assertTrue(w.info(log, (InetAddress) null, "an unknown peer"));
            assertFalse(w.info(log, (java.net.SocketAddress) null, "another unknown peer shares its budget"));
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void manyThreadsTogetherGetTheBudgetAndNoMore() throws Exception {
        PeerWarnings w = warnings(10, 1000, 100);
        InetAddress a = ip("10.0.0.1");
        AtomicInteger written = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 1000; i++) {
                    if (w.warn(log, a, "line")) {
                        written.incrementAndGet();
                    }
                }
            });
            threads[t].start();
        }
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(10, written.get());
        advance(MINUTE);
        assertTrue(w.warn(log, a, "line"));
        assertEquals("line (3990 similar lines suppressed)", messages().get(10));
    }
}
