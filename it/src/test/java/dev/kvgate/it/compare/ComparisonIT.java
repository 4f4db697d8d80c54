package dev.kvgate.it.compare;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.client.McbpClient;
import dev.kvgate.gateway.GatewayFixture;
import dev.kvgate.gateway.TransportKind;
import dev.kvgate.testkit.MemcachedProcess;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every case of {@link ComparisonTable} against a real memcached and against kvgate on its
 * default embedded shards over plain TCP and TLS; each target must answer as the table says.
 */
@Timeout(120)
class ComparisonIT {
    private static MemcachedProcess memcached;
    private static GatewayFixture gateway;

    @BeforeAll
    static void start() throws Exception {
        memcached = MemcachedProcess.builder().memoryMb(64).start();
        gateway = GatewayFixture.start("");
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            if (memcached != null) {
                memcached.close();
            }
        }
    }

    /** Case by case, each on every target, so a difference shows next to memcached's run of the same case. */
    static Stream<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        List<Case> cases = ComparisonTable.CASES;
        for (int i = 0; i < cases.size(); i++) {
            for (Target t : Target.values()) {
                runs.add(Arguments.of(Named.of(String.format("#%02d %s", i + 1, cases.get(i).name()), i), t));
            }
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("runs")
    void answersAsTheTableSays(int index, Target target) throws Exception {
        Case c = ComparisonTable.CASES.get(index);
        List<String> problems;
        try (McbpClient client = connect(target)) {
            problems = CaseRunner.run(c, client, String.format("c%02d-%s-", index + 1, target.tag()));
        }
        assertTrue(problems.isEmpty(), () -> target + " differs from the table in \"" + c.name() + "\":\n  "
                + String.join("\n  ", problems));
    }

    private static McbpClient connect(Target target) throws IOException {
        return switch (target) {
            case MEMCACHED -> McbpClient.connect("127.0.0.1", memcached.port());
            case KVGATE_PLAIN -> gateway.client(TransportKind.PLAIN);
            case KVGATE_TLS -> gateway.client(TransportKind.TLS);
        };
    }
}
