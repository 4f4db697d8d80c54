package dev.kvgate.bench;

import dev.kvgate.config.TlsSettings;
import dev.kvgate.mcbp.Transport;
import dev.kvgate.tls.ClientTls;
import dev.kvgate.tls.SslProviders;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * The {@code bench} command: a closed-loop mcbp load generator over plain TCP or TLS against any mcbp
 * server (memcached, kvgate, a TLS terminator). Connect, SET every key once, warm up, measure, drain,
 * close; see {@link BenchOptions#USAGE} for the options.
 */
public final class Bench {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int BAD_OPTIONS = 2;

    private static final String PREFIX = "kvgate bench: ";
    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final long HANDSHAKE_WAIT_MILLIS = 15_000;
    /** The preload is abandoned when no SET completes for this long. */
    private static final long PRELOAD_STALL_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** How long outstanding requests may take to answer after the measured phase. */
    private static final long DRAIN_MILLIS = 2_000;
    private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final BenchOptions options;
    private final SslContext ssl;
    private final PrintStream out;
    private final PrintStream err;

    private Bench(BenchOptions options, SslContext ssl, PrintStream out, PrintStream err) {
        this.options = options;
        this.ssl = ssl;
        this.out = out;
        this.err = err;
    }

    /** Runs the command; returns 0 when the run completed, 1 when it could not connect, 2 for bad options. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (BenchOptions.Invalid e) {
            err.println(PREFIX + e.getMessage());
            return BAD_OPTIONS;
        }
        if (options.help()) {
            out.println(BenchOptions.USAGE);
            return OK;
        }
        SslContext ssl = null;
        if (options.tls()) {
            if (options.ca().isPresent()) {
                try {
                    ssl = ClientTls.forTrust(options.ca().get(), Optional.empty(), Optional.empty(),
                            TlsSettings.Provider.AUTO, List.of());
                } catch (RuntimeException e) {
                    err.println(PREFIX + "--ca " + options.ca().get() + ": " + e.getMessage());
                    return BAD_OPTIONS;
                }
            } else {
                err.println(PREFIX + "warning: --tls without --ca trusts any server certificate (--insecure)");
                try {
                    ssl = SslContextBuilder.forClient()
                            .sslProvider(SslProviders.choose(TlsSettings.Provider.AUTO))
                            .protocols(SslProviders.protocols(List.of()))
                            .trustManager(InsecureTrustManagerFactory.INSTANCE)
                            .build();
                } catch (SSLException e) {
                    err.println(PREFIX + "cannot set up TLS: " + e.getMessage());
                    return FAILED;
                }
            }
        }
        return new Bench(options, ssl, out, err).execute();
    }

    private int execute() {
        Transport transport = Transport.best();
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(options.threads(),
                new DefaultThreadFactory("kvgate-bench", true), transport.ioHandler());
        List<Channel> channels = new ArrayList<>(options.connections());
        RunState run = null;
        try {
            byte[] value = new byte[options.valueSizeMax()];
            Arrays.fill(value, (byte) 'v');
            run = new RunState(options.pipeline(), options.getRatio(), options.keys(), value, options.valueSize(),
                    options.connections(), group);
            int maxFrame = Math.max(1024 * 1024, options.valueSizeMax() + 64 * 1024);
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(transport.socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
                    .option(ChannelOption.ALLOCATOR, ByteBufAllocator.DEFAULT)
                    .handler(new BenchChannelInitializer(ssl, options.host(), options.port(), maxFrame, run));

            String failure = connect(bootstrap, channels);
            if (failure != null) {
                err.println(PREFIX + "cannot connect to " + options.target() + ": " + failure);
                return FAILED;
            }
            failure = preload(run, channels);
            if (failure != null) {
                err.println(PREFIX + "preload failed: " + failure);
                return FAILED;
            }
            long[] measured = load(run, channels);
            drainAndClose(run, channels);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();

            BenchResult result = collect(run, transport.name(), measured[1] - measured[0]);
            result.printSummary(out);
            if (options.json().isPresent()) {
                try {
                    Files.writeString(options.json().get(), result.toJson(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    err.println(PREFIX + "cannot write " + options.json().get() + ": " + e);
                    return FAILED;
                }
            }
            return OK;
        } finally {
            if (run != null) {
                run.closing(true);
            }
            for (Channel ch : channels) {
                ch.close().awaitUninterruptibly();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    /** Opens every connection (and completes the TLS handshakes); returns why not, or null. */
    private String connect(Bootstrap bootstrap, List<Channel> channels) {
        List<ChannelFuture> connecting = new ArrayList<>(options.connections());
        for (int i = 0; i < options.connections(); i++) {
            ChannelFuture f = bootstrap.connect(options.host(), options.port());
            connecting.add(f);
            channels.add(f.channel());
        }
        for (ChannelFuture f : connecting) {
            if (!f.awaitUninterruptibly(CONNECT_TIMEOUT_MILLIS + 1_000L) || !f.isSuccess()) {
                return describe(f.cause(), "connect timed out");
            }
        }
        if (ssl != null) {
            for (Channel ch : channels) {
                SslHandler tls = ch.pipeline().get(SslHandler.class);
                if (tls == null) {
                    return "connection closed before the TLS handshake";
                }
                if (!tls.handshakeFuture().awaitUninterruptibly(HANDSHAKE_WAIT_MILLIS)
                        || !tls.handshakeFuture().isSuccess()) {
                    return "TLS handshake failed: " + describe(tls.handshakeFuture().cause(), "timed out");
                }
            }
        }
        return null;
    }

    /** SETs every key once, spread over the connections, so that GETs hit; returns why it failed, or null. */
    private String preload(RunState run, List<Channel> channels) {
        if (!options.quiet()) {
            err.println(PREFIX + "preloading " + options.keys() + " keys of " + options.valueSizes());
        }
        int stride = channels.size();
        for (int i = 0; i < stride; i++) {
            BenchConnectionHandler handler = channels.get(i).pipeline().get(BenchConnectionHandler.class);
            if (handler == null) {
                return "connection closed";
            }
            int first = i;
            channels.get(i).eventLoop().execute(() -> handler.startPreload(first, stride));
        }
        long lastCount = -1;
        long lastProgress = System.nanoTime();
        try {
            while (!run.preloaded.await(200, TimeUnit.MILLISECONDS)) {
                long count = run.allStats().stream().mapToLong(LoopStats::preloaded).sum();
                long now = System.nanoTime();
                if (count != lastCount) {
                    lastCount = count;
                    lastProgress = now;
                } else if (now - lastProgress > PRELOAD_STALL_NANOS) {
                    return "no SET answered for " + TimeUnit.NANOSECONDS.toSeconds(PRELOAD_STALL_NANOS) + "s";
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        long closed = run.allStats().stream().mapToLong(LoopStats::closed).sum();
        if (closed > 0) {
            return closed + " connection(s) closed: " + run.firstError();
        }
        long failedSets = run.allStats().stream().mapToLong(LoopStats::preloadErrors).sum();
        if (failedSets > 0) {
            err.println(PREFIX + "warning: " + failedSets + " of " + options.keys() + " preload SETs failed ("
                    + run.firstError() + "); GETs of those keys will miss");
        }
        return null;
    }

    /** Warm-up, then the measured phase with a progress line a second; returns its start and end (nanoTime). */
    private long[] load(RunState run, List<Channel> channels) {
        run.phase(RunState.Phase.WARMUP);
        for (Channel ch : channels) {
            BenchConnectionHandler handler = ch.pipeline().get(BenchConnectionHandler.class);
            if (handler != null) {
                ch.eventLoop().execute(handler::startLoad);
            }
        }
        if (options.warmupNanos() > 0) {
            if (!options.quiet()) {
                err.println(PREFIX + "warming up for " + seconds(options.warmupNanos()) + " s");
            }
            sleepUntil(System.nanoTime() + options.warmupNanos());
        }
        run.phase(RunState.Phase.MEASURE);
        long start = System.nanoTime();
        long end = start + options.durationNanos();
        long lastTick = start;
        for (long tick = 1; ; tick++) {
            long nextTick = start + tick * TICK_NANOS;
            if (nextTick >= end || !sleepUntil(nextTick)) {
                break;
            }
            long now = System.nanoTime();
            long count = run.collectLatencies();
            long errors = run.allStats().stream().mapToLong(LoopStats::errors).sum();
            if (!options.quiet()) {
                err.println(String.format(Locale.ROOT, "%s%3ds  %.0f ops/s  p99 %.1f us  errors %d", PREFIX, tick,
                        count / ((now - lastTick) / 1e9), run.latencies().getValueAtPercentile(99) / 1e3, errors));
            }
            lastTick = now;
        }
        sleepUntil(end);
        run.phase(RunState.Phase.STOP);
        return new long[] {start, System.nanoTime()};
    }

    /** Lets outstanding requests answer for a while, then closes every connection; the rest count as timeouts. */
    private void drainAndClose(RunState run, List<Channel> channels) {
        try {
            run.drained.await(DRAIN_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        run.closing(true);
        for (Channel ch : channels) {
            ch.close();
        }
        for (Channel ch : channels) {
            ch.closeFuture().awaitUninterruptibly();
        }
    }

    /** Called after the event loops have terminated, so every counter is final. */
    private BenchResult collect(RunState run, String transport, long measuredNanos) {
        run.collectLatencies();
        long errors = 0;
        long misses = 0;
        long mismatches = 0;
        long timeouts = 0;
        long closed = 0;
        for (LoopStats s : run.allStats()) {
            errors += s.errors();
            misses += s.misses();
            mismatches += s.mismatches();
            timeouts += s.timeouts();
            closed += s.closed();
        }
        return BenchResult.of(options, transport, measuredNanos, run.latencies(), errors, misses, mismatches, timeouts,
                closed, run.firstError());
    }

    /** Sleeps until {@code deadline} (nanoTime); false when interrupted, which ends the run early. */
    private static boolean sleepUntil(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.3g", nanos / 1e9);
    }

    private static String describe(Throwable cause, String otherwise) {
        if (cause == null) {
            return otherwise;
        }
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }
}
