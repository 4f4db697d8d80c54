package dev.kvgate.testkit;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails any test after which Netty reports a leaked buffer, and any test JVM running without paranoid
 * leak detection; registered in every test JVM through the JUnit service file.
 */
public final class LeakDetectionExtension implements BeforeAllCallback, AfterEachCallback, AfterAllCallback {

    private static final int GC_ROUNDS = 2;
    private static final long GC_PAUSE_MILLIS = 50;
    private static final int PROBE_BUFFERS_PER_KIND = 64;
    private static final int MAX_REPORT_CHARS = 2000;

    @Override
    public void beforeAll(ExtensionContext context) {
        requireParanoid();
        LeakReportAppender.install();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        assertNoLeaks();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // Catches buffers held by class-level fixtures and released (or not) in @AfterAll.
        assertNoLeaks();
    }

    /** Throws unless Netty tracks every buffer: a sampled level lets a leak pass a test by luck. */
    public static void requireParanoid() {
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        if (level != ResourceLeakDetector.Level.PARANOID) {
            throw new AssertionError("Netty leak detection is " + level
                    + ", tests require PARANOID: run with -Dio.netty.leakDetection.level=paranoid");
        }
    }

    /**
     * Makes Netty look for collected-but-unreleased buffers now, and throws listing the reports if
     * any were logged (they are cleared, so one leak fails one test, not every later one).
     */
    public static void assertNoLeaks() {
        requireParanoid();
        LeakReportAppender.install();
        triggerLeakDetection();
        List<String> reports = LeakReportAppender.drain();
        if (reports.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder()
                .append(reports.size()).append(" Netty leak report(s):");
        for (String report : reports) {
            message.append("\n\n").append(report.length() > MAX_REPORT_CHARS
                    ? report.substring(0, MAX_REPORT_CHARS) + " ..." : report);
        }
        throw new AssertionError(message.toString());
    }

    // Netty only polls its reference queue when a new buffer is tracked, so a leak is reported
    // after the buffer is collected AND something allocates.
    private static void triggerLeakDetection() {
        for (int round = 0; round < GC_ROUNDS; round++) {
            System.gc();
            try {
                Thread.sleep(GC_PAUSE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        probe(PooledByteBufAllocator.DEFAULT);
        probe(UnpooledByteBufAllocator.DEFAULT);
    }

    private static void probe(ByteBufAllocator allocator) {
        for (int i = 0; i < PROBE_BUFFERS_PER_KIND; i++) {
            allocator.heapBuffer(8).release();
            allocator.directBuffer(8).release();
        }
    }
}
