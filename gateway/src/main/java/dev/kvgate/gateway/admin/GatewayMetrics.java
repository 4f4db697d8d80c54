package dev.kvgate.gateway.admin;

import dev.kvgate.gateway.memory.MemoryBudget;
import dev.kvgate.gateway.pipeline.ListenerStats;
import dev.kvgate.gateway.pipeline.TlsStats;
import dev.kvgate.gateway.proxy.LoopCounters;
import dev.kvgate.gateway.proxy.ShardRing;
import dev.kvgate.mcbp.Opcode;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.PoolArenaMetric;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import io.netty.util.internal.PlatformDependent;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import java.time.Clock;
import java.util.List;
import java.util.Locale;

/**
 * kvgate's Prometheus registry. Every kvgate metric is a callback: nothing is counted through the
 * registry on the request path; a scrape adds up the per-loop counters ({@link LoopCounters},
 * {@link ListenerStats}) and reads the rare-event counters (shard failures, TLS handshakes) and the
 * allocator's and JVM's own figures.
 */
public final class GatewayMetrics {
    private static final String[] OPCODE_NAMES = new String[256];

    static {
        for (int i = 0; i < 256; i++) {
            Opcode op = Opcode.of((byte) i);
            OPCODE_NAMES[i] = op != null ? op.name().toLowerCase(Locale.ROOT) : String.format("0x%02x", i);
        }
    }

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final AdminSources sources;
    private final Clock clock;

    public GatewayMetrics(AdminSources sources, Clock clock) {
        this.sources = sources;
        this.clock = clock;
        ShardRing ring = sources.ring();
        CounterWithCallback.builder().name("kvgate_requests").help("Client requests answered, by opcode and status "
                        + "(a quiet request that succeeded counts as success)")
                .labelNames("opcode", "status").callback(cb -> {
                    long[] sums = new long[256 * LoopCounters.STATUS_SLOTS];
                    for (LoopCounters c : ring.loopCounters()) {
                        for (int op = 0; op < 256; op++) {
                            for (int s = 0; s < LoopCounters.STATUS_SLOTS; s++) {
                                sums[op * LoopCounters.STATUS_SLOTS + s] += c.answers(op, s);
                            }
                        }
                    }
                    for (int op = 0; op < 256; op++) {
                        for (int s = 0; s < LoopCounters.STATUS_SLOTS; s++) {
                            long n = sums[op * LoopCounters.STATUS_SLOTS + s];
                            if (n > 0) {
                                Status status = LoopCounters.status(s);
                                cb.call(n, OPCODE_NAMES[op],
                                        status != null ? status.name().toLowerCase(Locale.ROOT) : "other");
                            }
                        }
                    }
                }).register(registry);
        registry.register(new ShardLatency(ring));
        perShard("kvgate_backend_errors", "Failures of connections to a shard: connects failed, connections lost, "
                + "timeouts, protocol errors", ring::failures);
        perShard("kvgate_backend_timeouts", "Requests failed with 0x86 because their shard did not answer in "
                + "backend.request-timeout", shard -> {
                    long n = 0;
                    for (LoopCounters c : ring.loopCounters()) {
                        n += c.timeouts(shard);
                    }
                    return n;
                });
        perShard("kvgate_shard_ejections", "Times a shard was taken off the hash ring (on-shard-failure = eject)",
                ring::ejections);
        perShard("kvgate_backend_reconnects", "Backend connections established again after one was lost or failed",
                ring::reconnects);
        GaugeWithCallback.builder().name("kvgate_shard_up").help("1 when the shard is reachable and on the ring")
                .labelNames("shard").callback(cb -> {
                    for (int s = 0; s < ring.size(); s++) {
                        cb.call(ring.reachable(s) ? 1 : 0, ring.name(s));
                    }
                }).register(registry);
        List<ListenerStats> listeners = sources.listenerStats();
        GaugeWithCallback.builder().name("kvgate_client_connections").help("Client connections open, by listener")
                .labelNames("listener").callback(cb -> listeners.forEach(l -> cb.call(l.open(), l.listener())))
                .register(registry);
        CounterWithCallback.builder().name("kvgate_client_connections_accepted")
                .help("Client connections accepted, by listener").labelNames("listener")
                .callback(cb -> listeners.forEach(l -> cb.call(l.opened(), l.listener()))).register(registry);
        CounterWithCallback.builder().name("kvgate_received_bytes").help("Bytes read from clients, by listener "
                        + "(on the wire: TLS records included)").labelNames("listener")
                .callback(cb -> listeners.forEach(l -> cb.call(l.bytesIn(), l.listener()))).register(registry);
        CounterWithCallback.builder().name("kvgate_sent_bytes").help("Bytes written to clients, by listener "
                        + "(on the wire: TLS records included)").labelNames("listener")
                .callback(cb -> listeners.forEach(l -> cb.call(l.bytesOut(), l.listener()))).register(registry);
        TlsStats tls = sources.tlsStats();
        CounterWithCallback.builder().name("kvgate_tls_handshakes").help("TLS handshakes completed on the listeners, "
                        + "by protocol and cipher suite").labelNames("protocol", "cipher")
                .callback(cb -> tls.handshakesBySuite().forEach((suite, n) -> cb.call(n.sum(), suite.protocol(),
                        suite.cipher()))).register(registry);
        CounterWithCallback.builder().name("kvgate_tls_handshake_failures").help("TLS handshakes failed on the "
                        + "listeners, by reason").labelNames("reason")
                .callback(cb -> tls.failuresByReason().forEach((reason, n) -> cb.call(n.sum(), reason)))
                .register(registry);
        GaugeWithCallback.builder().name("kvgate_certificate_expiry_seconds").help("Seconds until a certificate "
                        + "kvgate serves or trusts expires (negative once it has)")
                .labelNames("role", "subject", "serial").callback(cb -> {
                    for (Certificates.Entry e : Certificates.of(sources)) {
                        cb.call(e.secondsLeft(clock), e.role(), e.subject(), e.serial());
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("kvgate_uptime_seconds").help("Seconds since kvgate started")
                .callback(cb -> cb.call((clock.millis() - sources.startMillis()) / 1000.0)).register(registry);
        GaugeWithCallback.builder().name("kvgate_requests_in_flight").help("Client requests accepted and not yet "
                + "answered").callback(cb -> cb.call(sources.stats().inFlight())).register(registry);
        nettyMemory();
        budget();
        JvmMetrics.builder().register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    private void perShard(String name, String help, java.util.function.IntToLongFunction value) {
        ShardRing ring = sources.ring();
        CounterWithCallback.builder().name(name).help(help).labelNames("shard").callback(cb -> {
            for (int s = 0; s < ring.size(); s++) {
                cb.call(value.applyAsLong(s), ring.name(s));
            }
        }).register(registry);
    }

    /** The budget for large frames in flight (kvgate.memory) and the backpressure it applied. */
    private void budget() {
        MemoryBudget b = sources.budget();
        GaugeWithCallback.builder().name("kvgate_memory_budget_bytes").help("Bytes large frames in flight may hold "
                + "(kvgate.memory.budget)").callback(cb -> cb.call(b.limit())).register(registry);
        GaugeWithCallback.builder().name("kvgate_memory_used_bytes").help("Bytes large frames in flight hold now")
                .callback(cb -> cb.call(b.used())).register(registry);
        GaugeWithCallback.builder().name("kvgate_memory_peak_bytes").help("Most bytes large frames in flight "
                + "held at once since start").callback(cb -> cb.call(b.peak())).register(registry);
        GaugeWithCallback.builder().name("kvgate_memory_pressure").help("1 while client connections are not read "
                + "because the budget went over its high-water mark").callback(cb -> cb.call(b.underPressure() ? 1 : 0))
                .register(registry);
        CounterWithCallback.builder().name("kvgate_memory_pauses").help("Times a client connection stopped "
                + "reading to wait for the memory budget").callback(cb -> cb.call(b.pauses())).register(registry);
        CounterWithCallback.builder().name("kvgate_memory_refusals").help("Requests larger than the whole memory "
                + "budget, answered 0x03").callback(cb -> cb.call(b.refusals())).register(registry);
    }

    /** The pooled allocator every client and backend channel uses; arena figures come from its metric(). */
    private void nettyMemory() {
        PooledByteBufAllocatorMetric m = PooledByteBufAllocator.DEFAULT.metric();
        GaugeWithCallback.builder().name("kvgate_netty_pooled_used_bytes").help("Memory held by Netty's pooled "
                        + "allocator (chunks in use or cached), by kind").labelNames("kind")
                .callback(cb -> {
                    cb.call(m.usedDirectMemory(), "direct");
                    cb.call(m.usedHeapMemory(), "heap");
                }).register(registry);
        GaugeWithCallback.builder().name("kvgate_netty_pooled_pinned_bytes").help("Memory of the pooled "
                        + "allocator's chunks pinned by buffers in use, by kind").labelNames("kind")
                .callback(cb -> {
                    cb.call(PooledByteBufAllocator.DEFAULT.pinnedDirectMemory(), "direct");
                    cb.call(PooledByteBufAllocator.DEFAULT.pinnedHeapMemory(), "heap");
                }).register(registry);
        GaugeWithCallback.builder().name("kvgate_netty_pooled_active_allocations").help("Buffers allocated from "
                        + "the pooled allocator's arenas and not yet released, by kind").labelNames("kind")
                .callback(cb -> {
                    cb.call(activeAllocations(m.directArenas()), "direct");
                    cb.call(activeAllocations(m.heapArenas()), "heap");
                }).register(registry);
        GaugeWithCallback.builder().name("kvgate_netty_pooled_arenas").help("Arenas of the pooled allocator, by kind")
                .labelNames("kind").callback(cb -> {
                    cb.call(m.numDirectArenas(), "direct");
                    cb.call(m.numHeapArenas(), "heap");
                }).register(registry);
        GaugeWithCallback.builder().name("kvgate_netty_pooled_thread_caches").help("Thread-local caches of the "
                + "pooled allocator").callback(cb -> cb.call(m.numThreadLocalCaches())).register(registry);
        GaugeWithCallback.builder().name("kvgate_netty_direct_memory_bytes").help("Direct memory Netty has "
                        + "allocated, pooled or not (-1 when Netty cannot count it)")
                .callback(cb -> cb.call(PlatformDependent.usedDirectMemory())).register(registry);
    }

    private static long activeAllocations(List<PoolArenaMetric> arenas) {
        long n = 0;
        for (PoolArenaMetric a : arenas) {
            n += a.numActiveAllocations();
        }
        return n;
    }

    /** Shard latency as a classic histogram, its buckets the sum of every loop's. */
    private static final class ShardLatency implements Collector {
        private static final double[] BOUNDS = new double[LoopCounters.LATENCY_BUCKETS];

        static {
            System.arraycopy(LoopCounters.LATENCY_BOUNDS_SECONDS, 0, BOUNDS, 0, BOUNDS.length - 1);
            BOUNDS[BOUNDS.length - 1] = Double.POSITIVE_INFINITY;
        }

        private final ShardRing ring;

        ShardLatency(ShardRing ring) {
            this.ring = ring;
        }

        @Override
        public String getPrometheusName() {
            return "kvgate_shard_latency_seconds";
        }

        @Override
        public MetricSnapshot collect() {
            HistogramSnapshot.Builder h = HistogramSnapshot.builder().name("kvgate_shard_latency_seconds")
                    .help("Time from writing a request to a shard to its answer, by shard");
            for (int s = 0; s < ring.size(); s++) {
                long[] counts = new long[BOUNDS.length];
                long sumNanos = 0;
                for (LoopCounters c : ring.loopCounters()) {
                    for (int b = 0; b < counts.length; b++) {
                        counts[b] += c.latencyBucket(s, b);
                    }
                    sumNanos += c.latencySumNanos(s);
                }
                h.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                        .labels(Labels.of("shard", ring.name(s)))
                        .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS, counts))
                        .sum(sumNanos / 1e9).build());
            }
            return h.build();
        }
    }
}
