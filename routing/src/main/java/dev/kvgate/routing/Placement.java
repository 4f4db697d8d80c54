package dev.kvgate.routing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * A key placement to reproduce, parsed from {@code kvgate.routing.hash} or the {@code placement}
 * command: a preset name, optionally followed by the old client's own settings,
 * {@code NAME[:OPTION=VALUE[,OPTION=VALUE...]]}, e.g. {@code libmemcached:ketama=true,hash=md5} or
 * {@code twemproxy:distribution=modula,hash=crc32a}.
 *
 * <p>Each preset names the client or proxy and the version whose placement it reproduces; the
 * README's table says what each was checked against. Node names are the strings the old setup
 * hashed (see each preset), weights are honoured where the old setup had them and refused elsewhere.
 */
public final class Placement {

    private final String spec;
    private final String description;
    private final boolean weighted;
    private final Function<List<Node>, ShardLocator> factory;

    private Placement(String spec, String description, boolean weighted, Function<List<Node>, ShardLocator> factory) {
        this.spec = spec;
        this.description = description;
        this.weighted = weighted;
        this.factory = factory;
    }

    /** The preset names {@link #parse} accepts, with what each reproduces; for help texts. */
    public static final Map<String, String> PRESETS;

    static {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("ketama", "= ketama-spymemcached");
        p.put("ketama-spymemcached", "spymemcached 2.12.3 KetamaNodeLocator, KETAMA_HASH");
        p.put("ketama-libmemcached", "= libmemcached:ketama_weighted=true");
        p.put("vbucket", "CRC32 vbuckets (1024) assigned round-robin");
        p.put("modulo", "= libmemcached:hash=crc (spymemcached ArrayModNodeLocator with CRC_HASH)");
        p.put("libmemcached", "libmemcached 1.1.4 (pylibmc 1.6.3) behaviours: distribution, hash, ketama, ketama_weighted");
        p.put("pylibmc", "= libmemcached");
        p.put("php-memcached", "PHP memcached 3.2.0 on libmemcached 1.1.4 options: distribution, libketama_compatible, hash");
        p.put("twemproxy", "twemproxy (nutcracker) 0.5.0 pool: distribution ketama|modula, hash");
        p.put("mcrouter", "mcrouter's default pool hash, ch3 (furc_hash)");
        p.put("xmemcached", "xmemcached 2.4.8 KetamaMemcachedSessionLocator, KETAMA_HASH");
        p.put("gomemcache", "gomemcache ServerList: CRC-32 (IEEE) modulo the server count");
        p.put("pymemcache", "pymemcache 3.5.2 HashClient (RendezvousHash, murmur3)");
        PRESETS = Collections.unmodifiableMap(p);
    }

    /** Canonical spelling: preset name and the options given, in the order given. */
    public String spec() {
        return spec;
    }

    /** What this placement reproduces, in words. */
    public String description() {
        return description;
    }

    /** Whether node weights take part; when false every weight must be 1. */
    public boolean usesWeights() {
        return weighted;
    }

    public ShardLocator locator(List<Node> nodes) {
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("need at least one shard");
        }
        if (!weighted) {
            for (Node node : nodes) {
                if (node.weight() != 1) {
                    throw new IllegalArgumentException(spec + " has no weights, but " + node.name()
                            + " has weight " + node.weight());
                }
            }
        }
        return factory.apply(List.copyOf(nodes));
    }

    /** A locator over nodes of weight 1. */
    public ShardLocator locatorForNames(List<String> names) {
        return locator(names.stream().map(Node::of).toList());
    }

    @Override
    public String toString() {
        return spec;
    }

    public static Placement of(HashPreset preset) {
        return parse(preset.configName());
    }

    public static Placement parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty placement; valid presets: " + String.join(", ", PRESETS.keySet()));
        }
        String trimmed = text.trim();
        int colon = trimmed.indexOf(':');
        String name = (colon < 0 ? trimmed : trimmed.substring(0, colon)).trim();
        List<String[]> options = new ArrayList<>();
        if (colon >= 0) {
            for (String part : trimmed.substring(colon + 1).split(",", -1)) {
                int eq = part.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("expected OPTION=VALUE in '" + text + "', found '" + part.trim() + "'");
                }
                options.add(new String[] {part.substring(0, eq).trim().toLowerCase(Locale.ROOT),
                    part.substring(eq + 1).trim()});
            }
        }
        return switch (name) {
            case "ketama", "ketama-spymemcached" -> noOptions(name, options, false,
                    PRESETS.get("ketama-spymemcached"), nodes -> KetamaLocator.spymemcached(names(nodes)));
            case "ketama-libmemcached" -> noOptionsLibmemcached(name, options, "ketama_weighted", "true");
            case "modulo" -> noOptionsLibmemcached(name, options, "hash", "crc");
            case "vbucket" -> noOptions(name, options, false, PRESETS.get("vbucket"),
                    nodes -> new VBucketLocator(nodes.size()));
            case "libmemcached", "pylibmc" -> libmemcached(name, options, Libmemcached.Order.PYLIBMC);
            case "php-memcached" -> libmemcached(name, options, Libmemcached.Order.AS_GIVEN);
            case "twemproxy" -> Twemproxy.placement(name, options);
            case "mcrouter", "mcrouter-ch3" -> noOptions(name, options, false, PRESETS.get("mcrouter"),
                    nodes -> new Ch3Locator(nodes.size()));
            case "xmemcached" -> noOptions(name, options, true, PRESETS.get("xmemcached"), Placement::xmemcached);
            case "gomemcache" -> noOptions(name, options, false, PRESETS.get("gomemcache"),
                    nodes -> HashModuloLocator.oneSlotEach(KeyHash.CRC32_FULL, nodes.size()));
            case "pymemcache" -> noOptions(name, options, false, PRESETS.get("pymemcache"),
                    nodes -> new RendezvousLocator(names(nodes)));
            default -> throw new IllegalArgumentException("unknown hash preset '" + name + "'; valid: "
                    + String.join(", ", PRESETS.keySet()));
        };
    }

    static String spec(String name, List<String[]> options) {
        if (options.isEmpty()) {
            return name;
        }
        StringBuilder sb = new StringBuilder(name).append(':');
        for (int i = 0; i < options.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(options.get(i)[0]).append('=').append(options.get(i)[1]);
        }
        return sb.toString();
    }

    private static Placement noOptions(String name, List<String[]> options, boolean weighted, String description,
            Function<List<Node>, ShardLocator> factory) {
        if (!options.isEmpty()) {
            throw new IllegalArgumentException("preset " + name + " takes no options");
        }
        return new Placement(name, description, weighted, factory);
    }

    private static Placement noOptionsLibmemcached(String name, List<String[]> options, String option, String value) {
        if (!options.isEmpty()) {
            throw new IllegalArgumentException("preset " + name + " takes no options; use libmemcached:...");
        }
        List<String[]> equivalent = List.<String[]>of(new String[] {option, value});
        Libmemcached config = Libmemcached.configure(equivalent, Libmemcached.Order.PYLIBMC);
        return new Placement(name, "= " + spec("libmemcached", equivalent) + " (" + config.describe() + ")",
                true, config::locator);
    }

    private static Placement libmemcached(String name, List<String[]> options, Libmemcached.Order order) {
        Libmemcached config = Libmemcached.configure(options, order);
        return new Placement(spec(name, options), PRESETS.get(name).replaceFirst(":.*", "") + ": " + config.describe(),
                true, config::locator);
    }

    static Placement twemproxy(String spec, String description, Function<List<Node>, ShardLocator> factory) {
        return new Placement(spec, description, true, factory);
    }

    static List<String> names(List<Node> nodes) {
        return nodes.stream().map(Node::name).toList();
    }

    /**
     * xmemcached's ring: the node's address string as xmemcached first resolved it
     * ({@code String.valueOf(InetSocketAddress)}: "/10.0.0.1:11211", or "cache1/10.0.0.1:11211" for a
     * host name), 160 points per unit of weight, four per MD5 of "address-i". Names are given as
     * spymemcached prints them (without the leading "/"), so "10.0.0.1:11211" stands for
     * "/10.0.0.1:11211". Where points collide xmemcached sorts the nodes by address string and takes
     * the one at {@code point % count}.
     */
    private static ShardLocator xmemcached(List<Node> nodes) {
        if (nodes.size() >= Continuum.MAX_NODES) {
            throw new IllegalArgumentException("too many nodes: " + nodes.size());
        }
        String[] sockStr = new String[nodes.size()];
        int total = 0;
        for (int i = 0; i < nodes.size(); i++) {
            String name = nodes.get(i).name();
            sockStr[i] = name.indexOf('/') >= 0 ? name : "/" + name;
            total += KetamaLocator.POINTS_PER_NODE * nodes.get(i).weight() / 4 * 4;
        }
        long[] packed = new long[total];
        int n = 0;
        for (int i = 0; i < nodes.size(); i++) {
            int reps = KetamaLocator.POINTS_PER_NODE * nodes.get(i).weight();
            for (int r = 0; r < reps / 4; r++) {
                byte[] digest = Hashes.md5((sockStr[i] + "-" + r).getBytes(StandardCharsets.UTF_8));
                for (int h = 0; h < 4; h++) {
                    packed[n++] = Continuum.pack(Hashes.littleEndianUint32(digest, h * 4), i);
                }
            }
        }
        Continuum.Tie bySockStr = (point, group) -> {
            Integer[] sorted = Arrays.stream(group).boxed().toArray(Integer[]::new);
            Arrays.sort(sorted, (x, y) -> sockStr[x].compareTo(sockStr[y]));
            return sorted[(int) (point % sorted.length)];
        };
        return new RingLocator(KeyHash.MD5, Continuum.build(packed, n, bySockStr), nodes.size());
    }
}
