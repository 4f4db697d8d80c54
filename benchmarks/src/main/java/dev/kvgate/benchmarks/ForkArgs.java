package dev.kvgate.benchmarks;

/**
 * JVM arguments every benchmark fork starts with (prepended, so {@code -jvmArgsAppend} on the command
 * line can still override them, e.g. {@code -jvmArgsAppend -Dio.netty.leakDetection.level=simple}).
 */
final class ForkArgs {
    /** Worker threads as Netty event-loop threads: see {@link EventLoopThreads}. */
    static final String EXECUTOR = "-Djmh.executor=CUSTOM";
    static final String EXECUTOR_CLASS = "-Djmh.executor.class=dev.kvgate.benchmarks.EventLoopThreads";
    /**
     * Netty's default leak detection samples one allocation in 128 and records a stack trace for it:
     * about 12 B/op on average that would hide whether the code itself allocates.
     */
    static final String NO_LEAK_DETECTION = "-Dio.netty.leakDetection.level=disabled";

    private ForkArgs() {
    }
}
