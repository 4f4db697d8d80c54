package dev.kvgate.gateway;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.gateway.pipeline.TlsRecordStallHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Half a TLS record left alone closes the connection at the read timeout, on a frozen clock. */
class TlsRecordStallHandlerTest {
    private EmbeddedChannel channel;

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    private void start() {
        channel = EmbeddedChannel.builder().handlers(new TlsRecordStallHandler(Duration.ofSeconds(1))).build();
        channel.freezeTime();
    }

    private void feed(byte[] bytes, int from, int to) {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes, from, to - from));
        ByteBuf passed;
        while ((passed = channel.readInbound()) != null) {
            passed.release();
        }
    }

    private void advance(long millis) {
        channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    /** An application-data record of {@code length} body bytes. */
    private static byte[] record(int length) {
        byte[] r = new byte[5 + length];
        r[0] = 23;
        r[1] = 3;
        r[2] = 3;
        r[3] = (byte) (length >> 8);
        r[4] = (byte) length;
        return r;
    }

    @Test
    void halfARecordIsClosedAtTheTimeout() {
        start();
        byte[] r = record(100);
        feed(r, 0, 40);
        advance(999);
        assertTrue(channel.isOpen());
        advance(1);
        assertFalse(channel.isOpen());
    }

    @Test
    void halfAHeaderCountsToo() {
        start();
        feed(record(10), 0, 2);
        advance(1000);
        assertFalse(channel.isOpen());
    }

    @Test
    void wholeRecordsInAnySplitAreNeverStalledAndNothingIsChanged() {
        start();
        byte[] a = record(300);
        byte[] b = record(0);
        byte[] stream = new byte[a.length + b.length];
        System.arraycopy(a, 0, stream, 0, a.length);
        System.arraycopy(b, 0, stream, a.length, b.length);
        for (int i = 0; i < stream.length; i += 7) {
            feed(stream, i, Math.min(stream.length, i + 7));
            advance(20);
        }
        advance(10_000);
        assertTrue(channel.isOpen(), "each record completed within the timeout of its first byte");
    }

    @Test
    void pausedReadingDoesNotCount() {
        start();
        feed(record(100), 0, 10);
        channel.config().setAutoRead(false);
        advance(5000);
        assertTrue(channel.isOpen());
        channel.config().setAutoRead(true);
        advance(2000);
        assertFalse(channel.isOpen());
    }
}
