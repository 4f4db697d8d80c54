package dev.kvgate.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.Test;

class LeakDetectionExtensionTest {

    @Test
    void testJvmRunsWithParanoidDetection() {
        assertEquals(ResourceLeakDetector.Level.PARANOID, ResourceLeakDetector.getLevel());
    }

    @Test
    void releasedBuffersPass() {
        ByteBuf buf = UnpooledByteBufAllocator.DEFAULT.directBuffer(16);
        buf.writeLong(42);
        buf.release();
        LeakDetectionExtension.assertNoLeaks();
    }

    @Test
    void catchesDeliberateLeak() {
        leakOneBuffer();
        AssertionError failure = null;
        // GC timing is not guaranteed; a few rounds make the test robust without making the check slow.
        for (int attempt = 0; attempt < 20 && failure == null; attempt++) {
            try {
                LeakDetectionExtension.assertNoLeaks();
            } catch (AssertionError e) {
                failure = e;
            }
        }
        assertNotNull(failure, "the deliberately leaked buffer was not reported");
        assertTrue(failure.getMessage().contains("LEAK:"), failure.getMessage());
        assertTrue(failure.getMessage().contains("leakOneBuffer"),
                "paranoid records should point at the allocation site: " + failure.getMessage());
        // The check drained the report, so the extension's own afterEach must pass.
        assertTrue(LeakReportAppender.drain().isEmpty());
    }

    // A separate frame so no local variable keeps the buffer reachable. Direct, because Netty does
    // not track unpooled heap buffers at all.
    private static void leakOneBuffer() {
        ByteBuf leaked = UnpooledByteBufAllocator.DEFAULT.directBuffer(32);
        leaked.writeInt(0xdeadbeef);
        leaked.readByte();
    }

    @Test
    void reportsAreClippedAndCleared() {
        LeakReportAppender.install();
        org.slf4j.LoggerFactory.getLogger(LeakReportAppender.LEAK_LOGGER).error("LEAK: {}", "x".repeat(3000));
        AssertionError failure = assertThrows(AssertionError.class, LeakDetectionExtension::assertNoLeaks);
        assertTrue(failure.getMessage().length() < 2200, "report not clipped: " + failure.getMessage().length());
        LeakDetectionExtension.assertNoLeaks();
    }
}
