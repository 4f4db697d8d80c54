package dev.kvgate.bench;

import dev.kvgate.tools.Json;
import java.io.PrintStream;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/** The outcome of a run, printed as the summary and written as one JSON object (by hand: no JSON library). */
record BenchResult(BenchOptions options, String transport, double durationSeconds, long operations,
                   double p50Us, double p99Us, double p999Us, double maxUs, long errors, long misses,
                   long mismatches, long timeouts, long closed, String firstError) {

    static BenchResult of(BenchOptions options, String transport, long measuredNanos, Histogram latencies,
                          long errors, long misses, long mismatches, long timeouts, long closed, String firstError) {
        long n = latencies.getTotalCount();
        return new BenchResult(options, transport, measuredNanos / 1e9, n,
                n == 0 ? 0 : latencies.getValueAtPercentile(50) / 1e3,
                n == 0 ? 0 : latencies.getValueAtPercentile(99) / 1e3,
                n == 0 ? 0 : latencies.getValueAtPercentile(99.9) / 1e3,
                n == 0 ? 0 : latencies.getMaxValue() / 1e3,
                errors, misses, mismatches, timeouts, closed, firstError);
    }

    double throughput() {
        return durationSeconds > 0 ? operations / durationSeconds : 0;
    }

    String tlsDescription() {
        if (!options.tls()) {
            return "no";
        }
        return options.ca().map(ca -> "yes (server verified against " + ca + ")").orElse("yes (not verified)");
    }

    void printSummary(PrintStream out) {
        out.println(f("target            %s", options.target()));
        out.println(f("tls               %s", tlsDescription()));
        out.println(f("transport         %s, %d thread%s", transport, options.threads(), options.threads() == 1 ? "" : "s"));
        out.println(f("connections       %d", options.connections()));
        out.println(f("pipeline          %d", options.pipeline()));
        out.println(f("get ratio         %s", options.getRatio()));
        out.println(f("value size        %s", options.valueSizes()));
        out.println(f("keys              %d", options.keys()));
        out.println(f("duration          %.3f s", durationSeconds));
        out.println(f("operations        %d", operations));
        out.println(f("throughput        %.1f ops/s", throughput()));
        out.println(f("latency (us)      p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f", p50Us, p99Us, p999Us, maxUs));
        out.println(f("errors            %d (opaque mismatches %d)", errors, mismatches));
        out.println(f("misses            %d", misses));
        out.println(f("timeouts          %d (connections closed early %d)", timeouts, closed));
        if (firstError != null) {
            out.println(f("first problem     %s", firstError));
        }
    }

    String toJson() {
        return "{"
                + "\"target\":" + quote(options.target())
                + ",\"tls\":" + options.tls()
                + ",\"connections\":" + options.connections()
                + ",\"pipeline\":" + options.pipeline()
                + ",\"getRatio\":" + options.getRatio()
                + ",\"valueSize\":" + options.valueSize()
                + ",\"valueSizeMax\":" + options.valueSizeMax()
                + ",\"keys\":" + options.keys()
                + ",\"durationSeconds\":" + f("%.3f", durationSeconds)
                + ",\"operations\":" + operations
                + ",\"throughput\":" + f("%.1f", throughput())
                + ",\"p50Us\":" + f("%.1f", p50Us)
                + ",\"p99Us\":" + f("%.1f", p99Us)
                + ",\"p999Us\":" + f("%.1f", p999Us)
                + ",\"maxUs\":" + f("%.1f", maxUs)
                + ",\"errors\":" + errors
                + ",\"misses\":" + misses
                + ",\"opaqueMismatches\":" + mismatches
                + ",\"timeouts\":" + timeouts
                + ",\"closedConnections\":" + closed
                + ",\"threads\":" + options.threads()
                + "}\n";
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    static String quote(String s) {
        return Json.quote(s);
    }
}
