package dev.kvgate.it.placement;

import dev.kvgate.routing.Node;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * kvgate's libmemcached placements against the installed libmemcached (Debian's libmemcached-dev,
 * 1.1.4), asked through a small C helper compiled here with gcc: every distribution kvgate
 * reproduces times every key hash the library was built with (Debian's has no hsieh; twemproxy's copy
 * of it is checked in TwemproxyPlacementIT), over servers of equal and of unequal weight. The helper
 * drives the library as pylibmc 1.6.3 does: behaviours first, in pylibmc's order, then the servers.
 */
@Timeout(180)
class LibmemcachedPlacementIT {

    private static final List<String> HASHES =
            List.of("default", "md5", "crc", "fnv1_64", "fnv1a_64", "fnv1_32", "fnv1a_32", "murmur", "jenkins");
    private static final List<String> PYLIBMC_ORDER =
            List.of("hash", "ketama_hash", "ketama", "ketama_weighted", "distribution");
    private static final List<Node> EQUAL = List.of(new Node("10.0.1.1:11211", 1), new Node("10.0.1.2:11211", 1),
            new Node("cache-c.example:11311", 1), new Node("10.0.1.4:22122", 1));
    private static final List<Node> WEIGHTED = List.of(new Node("10.0.1.1:11211", 1), new Node("10.0.1.2:11211", 3),
            new Node("cache-c.example:11311", 2), new Node("10.0.1.4:22122", 1), new Node("10.0.1.5", 5));

    private static Path helper;
    private static Path dir;

    @BeforeAll
    static void compile() throws Exception {
        dir = References.workDir();
        Path source = References.resource("libmemcached_placement.c", dir);
        helper = dir.resolve("libmemcached_placement");
        References.run(List.of(References.require("gcc", "gcc"), "-O2", "-o", helper.toString(), source.toString(),
                "-lmemcached"), "", dir);
    }

    /** One configuration: behaviours (name, value as the helper takes them) and the kvgate spec. */
    private record Config(String spec, List<String[]> behaviours, List<Node> nodes) {
    }

    private static Config config(List<Node> nodes, String... behaviours) {
        List<String[]> list = new ArrayList<>();
        StringBuilder spec = new StringBuilder("libmemcached");
        for (int i = 0; i < behaviours.length; i += 2) {
            list.add(new String[] {behaviours[i], behaviours[i + 1]});
            spec.append(i == 0 ? ':' : ',').append(behaviours[i]).append('=').append(behaviours[i + 1]);
        }
        return new Config(spec.toString(), list, nodes);
    }

    private static void check(List<Config> configs, long seed) throws Exception {
        List<byte[]> keys = References.keys(seed, false);
        StringBuilder in = new StringBuilder();
        for (Config c : configs) {
            in.append("new\n");
            List<String[]> ordered = new ArrayList<>(c.behaviours());
            ordered.sort((a, b) -> Integer.compare(PYLIBMC_ORDER.indexOf(a[0]), PYLIBMC_ORDER.indexOf(b[0])));
            for (String[] b : ordered) {
                String value = b[1].equals("true") ? "1" : b[1].equals("false") ? "0" : b[1];
                in.append("behavior ").append(b[0]).append(' ').append(value).append('\n');
            }
            for (Node n : c.nodes()) {
                String[] hp = hostPort(n.name());
                in.append("server ").append(hp[0]).append(' ').append(hp[1]).append(' ').append(n.weight()).append('\n');
            }
            if (c == configs.get(0)) {
                in.append("keys ").append(keys.size()).append('\n');
                for (byte[] key : keys) {
                    in.append(References.hex(key)).append('\n');
                }
            } else {
                in.append("again\n");
            }
        }
        String out = References.run(List.of(helper.toString()), in.toString(), dir);
        for (int i = 0; i < configs.size(); i++) {
            Config c = configs.get(i);
            References.assertSamePlacement("libmemcached 1.1.4", c.spec(), c.nodes(), keys,
                    References.ints(out, i * keys.size(), keys.size()));
        }
    }

    private static String[] hostPort(String name) {
        int colon = name.lastIndexOf(':');
        return colon < 0 ? new String[] {name, "11211"} : new String[] {name.substring(0, colon), name.substring(colon + 1)};
    }

    @Test
    void everyDistributionWithEveryKeyHash() throws Exception {
        List<Config> configs = new ArrayList<>();
        for (String hash : HASHES) {
            configs.add(config(EQUAL, "hash", hash));
            configs.add(config(EQUAL, "hash", hash, "distribution", "consistent"));
            configs.add(config(EQUAL, "hash", hash, "ketama", "true"));
            configs.add(config(EQUAL, "hash", hash, "distribution", "consistent_ketama_spy"));
            configs.add(config(EQUAL, "hash", hash, "distribution", "consistent_weighted"));
        }
        check(configs, 15);
    }

    @Test
    void weightsUnderEachDistribution() throws Exception {
        List<Config> configs = new ArrayList<>();
        for (String hash : List.of("default", "md5", "crc", "fnv1a_32")) {
            configs.add(config(WEIGHTED, "hash", hash));
            configs.add(config(WEIGHTED, "hash", hash, "ketama", "true"));
            configs.add(config(WEIGHTED, "hash", hash, "distribution", "consistent_ketama_spy"));
            configs.add(config(WEIGHTED, "hash", hash, "distribution", "consistent_weighted"));
        }
        configs.add(config(WEIGHTED, "ketama_weighted", "true"));
        check(configs, 16);
    }

    @Test
    void behaviourCombinationsAsPylibmcSetsThem() throws Exception {
        List<Config> configs = new ArrayList<>();
        for (List<Node> nodes : List.of(EQUAL, WEIGHTED)) {
            configs.add(config(nodes));
            configs.add(config(nodes, "ketama", "true"));
            configs.add(config(nodes, "ketama_weighted", "true"));
            configs.add(config(nodes, "ketama_weighted", "true", "hash", "crc"));
            configs.add(config(nodes, "ketama_weighted", "false"));
            configs.add(config(nodes, "ketama", "true", "ketama_hash", "md5"));
            configs.add(config(nodes, "ketama", "true", "hash", "md5"));
            configs.add(config(nodes, "ketama", "true", "distribution", "modula"));
            configs.add(config(nodes, "ketama_weighted", "true", "distribution", "consistent"));
            configs.add(config(nodes, "ketama", "false", "hash", "fnv1a_32"));
        }
        check(configs, 17);
    }
}
