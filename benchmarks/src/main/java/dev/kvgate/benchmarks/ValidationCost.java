package dev.kvgate.benchmarks;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * What edge validation costs on the forward path: runs {@link ForwardPathBenchmark#route} (the
 * baseline) and {@link ForwardPathBenchmark#routeValidated} in one JMH run, alternating forks, and
 * prints their ratio per value size, since absolute times on a shared machine mean little.
 *
 * <p>{@code java -cp benchmarks/target/benchmarks.jar dev.kvgate.benchmarks.ValidationCost [forks]}
 */
public final class ValidationCost {
    private ValidationCost() {
    }

    public static void main(String[] args) throws RunnerException {
        int forks = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(ForwardPathBenchmark.class.getSimpleName() + "\\.(route|routeValidated)$")
                .param("allocator", Allocators.POOLED)
                .forks(forks)
                .build()).run();
        Map<String, Double> score = new HashMap<>();
        Map<String, Double> error = new HashMap<>();
        for (RunResult r : results) {
            String method = r.getParams().getBenchmark().replaceAll(".*\\.", "");
            String key = method + "/" + r.getParams().getParam("valueSize");
            score.put(key, r.getPrimaryResult().getScore());
            error.put(key, r.getPrimaryResult().getScoreError());
        }
        System.out.println();
        System.out.println("value size  route ns/op      routeValidated ns/op  ratio (validated / route)");
        for (String size : new String[] {"100", "16384"}) {
            double base = score.get("route/" + size);
            double validated = score.get("routeValidated/" + size);
            System.out.printf("%-10s  %6.1f +- %-6.1f  %6.1f +- %-12.1f  %.3f%n", size, base, error.get("route/" + size),
                    validated, error.get("routeValidated/" + size), validated / base);
        }
    }
}
