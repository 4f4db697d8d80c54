package dev.kvgate.it.compare;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One named row of the comparison table: a short script and what every target must answer to it. */
record Case(String name, List<Step> steps) {

    static Case of(String name, Step... steps) {
        return new Case(name, List.of(steps));
    }

    @Override
    public String toString() {
        return name;
    }

    // ---- the table's vocabulary ----

    static Step.Exchange x(Req req, Expect expect) {
        return new Step.Exchange(req, expect);
    }

    /** One request, then its answer. */
    static Step send(Req req, Expect expect) {
        return new Step.Send(List.of(x(req, expect)), false);
    }

    /** Requests one at a time, each after the previous answer. */
    static Step each(Step.Exchange... exchanges) {
        return new Step.Send(List.of(exchanges), false);
    }

    /** Requests written back to back with one flush, answers read afterwards. */
    static Step pipeline(Step.Exchange... exchanges) {
        return new Step.Send(List.of(exchanges), true);
    }

    static Step sleep(long millis) {
        return new Step.Sleep(millis);
    }

    static Step connectionClosed() {
        return new Step.ConnectionClosed();
    }

    static Step snapshot(String name) {
        return new Step.Snapshot(name);
    }

    /** Pairs of stat name and delta: {@code deltas("s", "cmd_get", 3, "get_hits", 1)}. */
    static Step deltas(String snapshot, Object... pairs) {
        Map<String, Long> d = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            d.put((String) pairs[i], ((Number) pairs[i + 1]).longValue());
        }
        return new Step.Deltas(snapshot, d);
    }
}
