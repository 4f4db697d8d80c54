package dev.kvgate.routing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * twemproxy (nutcracker) 0.5.0's pool placement: {@code distribution} ketama or modula (random is
 * not reproducible) and {@code hash}, with nutcracker's defaults (ketama, fnv1a_64).
 *
 * <p>ketama (nc_ketama.c): each server gets {@code floor(weight / total * 40 * servers) * 4} points
 * (float arithmetic, as libmemcached), four per MD5 of "name-i"; the name is the server's explicit
 * name when the pool gives one ({@code - 10.0.0.1:11211:1 cache-a}), else "host" when the port is
 * 11211 and "host:port" otherwise. Equal points go to the earlier server. The key hash is the pool's
 * hash, not MD5. modula (nc_modula.c): a server appears {@code weight} times in a list, in order, and
 * a key goes to entry {@code hash % length}. A pool of one server takes every key. Not reproduced:
 * {@code hash_tag}, auto-ejection.
 *
 * <p>nutcracker sorts a pool's servers by name while checking for duplicates
 * ({@code conf_validate_server}: shorter names first, then byte order), and that sorted order, not
 * the order of the configuration file, is the one modula counts in and ketama breaks ties by.
 */
final class Twemproxy {

    private static final int DEFAULT_PORT = 11211;
    private static final int KETAMA_MAX_HOSTLEN = 86;

    private Twemproxy() {
    }

    static Placement placement(String name, List<String[]> options) {
        boolean ketama = true;
        KeyHash hash = KeyHash.FNV1A_64;
        String hashName = "fnv1a_64";
        for (String[] option : options) {
            switch (option[0]) {
                case "distribution" -> ketama = switch (option[1].toLowerCase(Locale.ROOT)) {
                    case "ketama" -> true;
                    case "modula" -> false;
                    case "random" -> throw new IllegalArgumentException(
                            "distribution random cannot be reproduced: it sends a key to any server");
                    default -> throw new IllegalArgumentException("unknown twemproxy distribution '" + option[1]
                            + "'; valid: ketama, modula");
                };
                case "hash" -> {
                    hashName = option[1].toLowerCase(Locale.ROOT);
                    hash = hash(hashName);
                }
                default -> throw new IllegalArgumentException("unknown twemproxy option '" + option[0]
                        + "'; valid: distribution, hash");
            }
        }
        boolean useKetama = ketama;
        KeyHash keyHash = hash;
        String description = "twemproxy 0.5.0: distribution " + (ketama ? "ketama" : "modula") + ", hash " + hashName;
        return Placement.twemproxy(Placement.spec(name, options), description,
                nodes -> inConfigurationOrder(nodes, sorted -> useKetama ? ketama(keyHash, sorted) : modula(keyHash, sorted)));
    }

    /** Builds over the nodes in nutcracker's order and answers with indexes into the given order. */
    private static ShardLocator inConfigurationOrder(List<Node> nodes,
            java.util.function.Function<List<Node>, ShardLocator> build) {
        Integer[] order = new Integer[nodes.size()];
        byte[][] names = new byte[nodes.size()][];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            names[i] = ringName(nodes.get(i).name()).getBytes(StandardCharsets.UTF_8);
        }
        Arrays.sort(order, (a, b) -> names[a].length != names[b].length
                ? Integer.compare(names[a].length, names[b].length) : Arrays.compareUnsigned(names[a], names[b]));
        for (int i = 1; i < order.length; i++) {
            if (Arrays.equals(names[order[i - 1]], names[order[i]])) {
                throw new IllegalArgumentException("twemproxy refuses two servers named "
                        + ringName(nodes.get(order[i]).name()));
            }
        }
        List<Node> sorted = Arrays.stream(order).map(nodes::get).toList();
        ShardLocator inner = build.apply(sorted);
        int[] toConfigured = Arrays.stream(order).mapToInt(Integer::intValue).toArray();
        return new ShardLocator() {
            @Override
            public int shardOf(byte[] key, int offset, int length) {
                return toConfigured[inner.shardOf(key, offset, length)];
            }

            @Override
            public int shardCount() {
                return toConfigured.length;
            }
        };
    }

    static KeyHash hash(String name) {
        return switch (name) {
            case "one_at_a_time" -> KeyHash.ONE_AT_A_TIME;
            case "md5" -> KeyHash.MD5;
            case "crc16" -> KeyHash.CRC16;
            case "crc32" -> KeyHash.CRC;
            case "crc32a" -> KeyHash.CRC32_FULL;
            case "fnv1_64" -> KeyHash.FNV1_64;
            case "fnv1a_64" -> KeyHash.FNV1A_64;
            case "fnv1_32" -> KeyHash.FNV1_32;
            case "fnv1a_32" -> KeyHash.FNV1A_32;
            case "hsieh" -> KeyHash.HSIEH;
            case "murmur" -> KeyHash.MURMUR;
            case "jenkins" -> KeyHash.JENKINS;
            default -> throw new IllegalArgumentException("unknown twemproxy hash '" + name + "'; valid: one_at_a_time, "
                    + "md5, crc16, crc32, crc32a, fnv1_64, fnv1a_64, fnv1_32, fnv1a_32, hsieh, murmur, jenkins");
        };
    }

    /** The string twemproxy hashes for a server: "host" on port 11211, else the name as given. */
    static String ringName(String name) {
        int colon = name.lastIndexOf(':');
        if (colon > 0 && name.substring(colon + 1).equals(Integer.toString(DEFAULT_PORT))) {
            return name.substring(0, colon);
        }
        return name;
    }

    private static ShardLocator ketama(KeyHash keyHash, List<Node> nodes) {
        if (nodes.size() >= Continuum.MAX_NODES) {
            throw new IllegalArgumentException("too many nodes: " + nodes.size());
        }
        long totalWeight = nodes.stream().mapToLong(Node::weight).sum();
        int total = 0;
        int[] counts = new int[nodes.size()];
        for (int i = 0; i < nodes.size(); i++) {
            counts[i] = Libmemcached.ketamaPoints(nodes.get(i).weight(), totalWeight, nodes.size());
            total += counts[i];
        }
        long[] packed = new long[total];
        int n = 0;
        for (int i = 0; i < nodes.size(); i++) {
            String name = ringName(nodes.get(i).name());
            for (int r = 0; r < counts[i] / 4; r++) {
                byte[] host = (name + "-" + r).getBytes(StandardCharsets.UTF_8);
                if (host.length >= KETAMA_MAX_HOSTLEN) {
                    host = Arrays.copyOf(host, KETAMA_MAX_HOSTLEN - 1);
                }
                byte[] digest = Hashes.md5(host);
                for (int h = 0; h < 4; h++) {
                    packed[n++] = Continuum.pack(Hashes.littleEndianUint32(digest, h * 4), i);
                }
            }
        }
        return new RingLocator(keyHash, Continuum.build(packed, n, Continuum.FIRST_NODE), nodes.size());
    }

    private static ShardLocator modula(KeyHash keyHash, List<Node> nodes) {
        int total = nodes.stream().mapToInt(Node::weight).sum();
        int[] slots = new int[total];
        int s = 0;
        for (int i = 0; i < nodes.size(); i++) {
            for (int w = 0; w < nodes.get(i).weight(); w++) {
                slots[s++] = i;
            }
        }
        return new HashModuloLocator(keyHash, slots, nodes.size());
    }
}
