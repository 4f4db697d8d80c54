package dev.kvgate.routing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * libmemcached 1.1.4's placement as a function of its behaviours, as {@code memcached_behavior_set},
 * {@code server_add}, {@code update_continuum} and {@code dispatch_host} compute it.
 *
 * <p>Three pieces of state decide where a key goes: the distribution, the key hash and the
 * "weighted ketama" flag. The behaviours move them like this (behavior.cc):
 * <ul>
 *   <li>{@code hash=H}: the key hash, which also hashes the points of an unweighted ring.</li>
 *   <li>{@code ketama=true}: distribution consistent_ketama, flag off; {@code ketama=false}: modula.</li>
 *   <li>{@code ketama_weighted=true}: key hash MD5, distribution consistent_weighted, flag on;
 *       {@code false} is {@code ketama=true}.</li>
 *   <li>{@code distribution=D}: consistent and consistent_ketama turn the flag off,
 *       consistent_weighted turns it on, modula and consistent_ketama_spy leave it.</li>
 *   <li>Adding a server of weight above 1 under any consistent distribution turns the flag on.</li>
 *   <li>{@code ketama_hash} sets a distribution hash that 1.1.4 never uses for placement.</li>
 * </ul>
 * Placement then: modula is {@code hash(key) % servers}; a consistent distribution with the flag off
 * is a ring of 100 points per server, point i of a server being {@code hash("host-i")} (or
 * "host:port-i" off port 11211, "/host:port-i" for consistent_ketama_spy); with the flag on each
 * server gets {@code floor(weight / total * 40 * servers) * 4} points (in float), four per MD5 of the
 * same names. Equal points go to the earlier server. One server takes every key.
 *
 * <p>pylibmc 1.6.3 sets behaviours in a fixed order (hash, ketama_hash, ketama, ketama_weighted,
 * distribution) before it adds the servers; PHP memcached applies options in the order the
 * application sets them. Not reproduced: random and virtual_bucket distributions, sort_hosts,
 * hash_with_namespace, auto-ejection.
 */
final class Libmemcached {

    enum Order { PYLIBMC, AS_GIVEN }

    enum Distribution {
        MODULA, CONSISTENT, CONSISTENT_KETAMA, CONSISTENT_KETAMA_SPY, CONSISTENT_WEIGHTED;

        String configName() {
            return name().toLowerCase(Locale.ROOT);
        }

        boolean consistent() {
            return this != MODULA;
        }
    }

    private static final int POINTS_PER_SERVER = 100;
    private static final int POINTS_PER_SERVER_KETAMA = 160;
    private static final int DEFAULT_PORT = 11211;
    private static final List<String> PYLIBMC_ORDER =
            List.of("hash", "ketama_hash", "ketama", "ketama_weighted", "distribution");

    private Distribution distribution = Distribution.MODULA;
    private KeyHash keyHash = KeyHash.ONE_AT_A_TIME;
    private boolean weighted;

    private Libmemcached() {
    }

    static Libmemcached configure(List<String[]> options, Order order) {
        List<String[]> steps = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String[] option : options) {
            String name = behaviourName(option[0]);
            if (!seen.add(name)) {
                throw new IllegalArgumentException("option " + name + " given twice");
            }
            steps.add(new String[] {name, option[1]});
        }
        if (order == Order.PYLIBMC) {
            steps.sort((a, b) -> Integer.compare(PYLIBMC_ORDER.indexOf(a[0]), PYLIBMC_ORDER.indexOf(b[0])));
        }
        Libmemcached state = new Libmemcached();
        for (String[] step : steps) {
            state.set(step[0], step[1]);
        }
        return state;
    }

    private static String behaviourName(String option) {
        String name = option.toLowerCase(Locale.ROOT)
                .replaceFirst("^memcached::", "")
                .replaceFirst("^memcached_behavior_", "")
                .replaceFirst("^opt_", "");
        if (name.equals("libketama_compatible")) {
            return "ketama_weighted";
        }
        if (!PYLIBMC_ORDER.contains(name)) {
            throw new IllegalArgumentException("unknown libmemcached behaviour '" + option + "'; placement depends on "
                    + String.join(", ", PYLIBMC_ORDER) + " (PHP: distribution, libketama_compatible, hash)");
        }
        return name;
    }

    private void set(String behaviour, String value) {
        switch (behaviour) {
            case "hash" -> keyHash = hash(value);
            case "ketama_hash" -> hash(value);
            case "ketama" -> setDistribution(bool(behaviour, value) ? Distribution.CONSISTENT_KETAMA : Distribution.MODULA);
            case "ketama_weighted" -> {
                if (!bool(behaviour, value)) {
                    set("ketama", "true");
                } else {
                    keyHash = KeyHash.MD5;
                    setDistribution(Distribution.CONSISTENT_WEIGHTED);
                }
            }
            case "distribution" -> setDistribution(distribution(value));
            default -> throw new IllegalStateException(behaviour);
        }
    }

    private void setDistribution(Distribution d) {
        switch (d) {
            case CONSISTENT, CONSISTENT_KETAMA -> weighted = false;
            case CONSISTENT_WEIGHTED -> weighted = true;
            default -> {
            }
        }
        distribution = d;
    }

    static KeyHash hash(String value) {
        String v = value.toLowerCase(Locale.ROOT).replaceFirst("^(memcached::)?(memcached_)?hash_", "");
        return switch (v) {
            case "default", "one_at_a_time", "0" -> KeyHash.ONE_AT_A_TIME;
            case "md5", "1" -> KeyHash.MD5;
            case "crc", "2" -> KeyHash.CRC;
            case "fnv1_64", "3" -> KeyHash.FNV1_64;
            case "fnv1a_64", "4" -> KeyHash.FNV1A_64;
            case "fnv1_32", "5" -> KeyHash.FNV1_32;
            case "fnv1a_32", "6" -> KeyHash.FNV1A_32;
            case "hsieh", "7" -> KeyHash.HSIEH;
            case "murmur", "8" -> KeyHash.MURMUR;
            case "jenkins", "9" -> KeyHash.JENKINS;
            default -> throw new IllegalArgumentException("unknown libmemcached hash '" + value
                    + "'; valid: default, md5, crc, fnv1_64, fnv1a_64, fnv1_32, fnv1a_32, hsieh, murmur, jenkins");
        };
    }

    private static Distribution distribution(String value) {
        String v = value.toLowerCase(Locale.ROOT).replaceFirst("^(memcached::)?(memcached_)?distribution_", "");
        return switch (v) {
            case "modula", "0" -> Distribution.MODULA;
            case "consistent", "1" -> Distribution.CONSISTENT;
            case "consistent_ketama", "2" -> Distribution.CONSISTENT_KETAMA;
            case "consistent_ketama_spy", "4" -> Distribution.CONSISTENT_KETAMA_SPY;
            case "consistent_weighted", "5" -> Distribution.CONSISTENT_WEIGHTED;
            case "random", "3", "virtual_bucket", "6" -> throw new IllegalArgumentException("distribution " + value
                    + " cannot be reproduced by a proxy (random picks any server; virtual buckets need the bucket map)");
            default -> throw new IllegalArgumentException("unknown libmemcached distribution '" + value
                    + "'; valid: modula, consistent, consistent_ketama, consistent_ketama_spy, consistent_weighted");
        };
    }

    private static boolean bool(String behaviour, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on" -> true;
            case "false", "0", "no", "off" -> false;
            default -> throw new IllegalArgumentException(behaviour + " takes true or false, not '" + value + "'");
        };
    }

    String describe() {
        String ring = switch (distribution) {
            case MODULA -> "key hash modulo the server count";
            default -> weighted
                    ? "weighted MD5 ring (160 points per server at equal weights)"
                    : "ring of 100 points per server hashed with " + hashName(keyHash)
                            + " (MD5 ring of 160 if a server weighs more than 1)";
        };
        return "distribution " + distribution.configName() + ", key hash " + hashName(keyHash) + ", " + ring;
    }

    private static String hashName(KeyHash h) {
        return h == KeyHash.ONE_AT_A_TIME ? "default (one_at_a_time)" : h.name().toLowerCase(Locale.ROOT);
    }

    ShardLocator locator(List<Node> nodes) {
        boolean weightedRing = weighted;
        for (Node node : nodes) {
            if (node.weight() > 1 && distribution.consistent()) {
                weightedRing = true;
            }
        }
        if (distribution == Distribution.MODULA) {
            return HashModuloLocator.oneSlotEach(keyHash, nodes.size());
        }
        if (nodes.size() >= Continuum.MAX_NODES) {
            throw new IllegalArgumentException("too many nodes: " + nodes.size());
        }
        boolean spy = distribution == Distribution.CONSISTENT_KETAMA_SPY;
        long totalWeight = 0;
        for (Node node : nodes) {
            totalWeight += node.weight();
        }
        List<Long> packed = new ArrayList<>();
        int servers = nodes.size();
        for (int i = 0; i < servers; i++) {
            String[] hostPort = KetamaLocator.hostPort(nodes.get(i).name());
            int port = Integer.parseInt(hostPort[1]);
            String prefix = spy ? "/" + hostPort[0] + ":" + port + "-"
                    : port == DEFAULT_PORT ? hostPort[0] + "-" : hostPort[0] + ":" + port + "-";
            if (weightedRing) {
                int count = ketamaPoints(nodes.get(i).weight(), totalWeight, servers);
                for (int r = 0; r < count / 4; r++) {
                    byte[] digest = Hashes.md5((prefix + r).getBytes(StandardCharsets.UTF_8));
                    for (int h = 0; h < 4; h++) {
                        packed.add(Continuum.pack(Hashes.littleEndianUint32(digest, h * 4), i));
                    }
                }
            } else {
                for (int r = 0; r < POINTS_PER_SERVER; r++) {
                    byte[] name = (prefix + r).getBytes(StandardCharsets.UTF_8);
                    packed.add(Continuum.pack(keyHash.hash(name, 0, name.length), i));
                }
            }
        }
        long[] points = packed.stream().mapToLong(Long::longValue).toArray();
        return new RingLocator(keyHash, Continuum.build(points, points.length, Continuum.FIRST_NODE), servers);
    }

    /** update_continuum's (and twemproxy's) point count for one server, in the same float arithmetic. */
    static int ketamaPoints(int weight, long totalWeight, int servers) {
        float pct = (float) weight / (float) totalWeight;
        return (int) Math.floor(pct * POINTS_PER_SERVER_KETAMA / 4 * (float) servers + 0.0000000001F) * 4;
    }
}
