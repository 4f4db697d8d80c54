package dev.kvgate.it.placement;

import dev.kvgate.routing.Node;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * kvgate's php-memcached placements against PHP's memcached extension (Debian's php-memcached 3.2.0
 * on libmemcached 1.1.4), asked with {@code Memcached::getServerByKey}: options set in the order
 * given, then the servers added, as a PHP application usually does it.
 */
@Timeout(180)
class PhpMemcachedPlacementIT {

    private static final List<Node> EQUAL = List.of(new Node("10.0.2.1", 1),
            new Node("10.0.2.2:11211", 1), new Node("cache-c.example:11311", 1));
    private static final List<Node> WEIGHTED = List.of(new Node("10.0.2.1:11211", 2), new Node("10.0.2.2:11211", 1),
            new Node("cache-c.example:11311", 4), new Node("10.0.2.4:22122", 1));

    private record Config(String spec, List<String[]> options, List<Node> nodes) {
    }

    /** Options as pairs of the spec's spelling: distribution=consistent, libketama_compatible=true, hash=md5. */
    private static Config config(List<Node> nodes, String... options) {
        List<String[]> list = new ArrayList<>();
        StringBuilder spec = new StringBuilder("php-memcached");
        for (int i = 0; i < options.length; i += 2) {
            list.add(new String[] {options[i], options[i + 1]});
            spec.append(i == 0 ? ':' : ',').append(options[i]).append('=').append(options[i + 1]);
        }
        return new Config(spec.toString(), list, nodes);
    }

    private static String phpValue(String option, String value) {
        return switch (option) {
            case "distribution" -> "DISTRIBUTION_" + value.toUpperCase(Locale.ROOT);
            case "hash" -> "HASH_" + value.toUpperCase(Locale.ROOT);
            default -> value.equals("true") ? "1" : "0";
        };
    }

    @Test
    void consistentAndLibketamaModesAsPhpSetsThem() throws Exception {
        List<Config> configs = new ArrayList<>();
        for (List<Node> nodes : List.of(EQUAL, WEIGHTED)) {
            configs.add(config(nodes));
            configs.add(config(nodes, "distribution", "consistent"));
            configs.add(config(nodes, "libketama_compatible", "true"));
            configs.add(config(nodes, "distribution", "consistent", "hash", "md5"));
            configs.add(config(nodes, "distribution", "consistent", "hash", "crc"));
            configs.add(config(nodes, "distribution", "consistent", "hash", "fnv1a_32"));
            configs.add(config(nodes, "hash", "crc", "libketama_compatible", "true"));
            configs.add(config(nodes, "libketama_compatible", "true", "hash", "crc"));
            configs.add(config(nodes, "hash", "murmur"));
        }
        Path dir = References.workDir();
        Path script = References.resource("php_memcached_placement.php", dir);
        List<byte[]> keys = References.keys(18, false);
        StringBuilder in = new StringBuilder();
        for (Config c : configs) {
            in.append("new\n");
            for (String[] o : c.options()) {
                in.append("option ").append(o[0].toUpperCase(Locale.ROOT)).append(' ')
                        .append(phpValue(o[0], o[1])).append('\n');
            }
            for (Node n : c.nodes()) {
                int colon = n.name().lastIndexOf(':');
                String host = colon < 0 ? n.name() : n.name().substring(0, colon);
                String port = colon < 0 ? "11211" : n.name().substring(colon + 1);
                in.append("server ").append(host).append(' ').append(port).append(' ').append(n.weight()).append('\n');
            }
            in.append("keys ").append(keys.size()).append('\n');
            for (byte[] key : keys) {
                in.append(References.hex(key)).append('\n');
            }
        }
        String out = References.run(List.of(References.require("php", "php-cli and php-memcached"), script.toString()),
                in.toString(), dir);
        for (int i = 0; i < configs.size(); i++) {
            Config c = configs.get(i);
            References.assertSamePlacement("PHP memcached 3.2.0", c.spec(), c.nodes(), keys,
                    References.ints(out, i * keys.size(), keys.size()));
        }
    }
}
