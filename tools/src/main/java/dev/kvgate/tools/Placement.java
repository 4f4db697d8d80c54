package dev.kvgate.tools;

import dev.kvgate.routing.Node;
import dev.kvgate.routing.ShardLocator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code kvgate placement}: where keys go under a placement preset, so an operator can check a
 * migration before making it, and with {@code --compare} the fraction of keys that would move between
 * two presets or two shard lists.
 */
public final class Placement {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    private static final int DEFAULT_SAMPLE = 100_000;
    private static final Pattern WEIGHTED = Pattern.compile("(.+:\\d+):(\\d+)");

    private Placement() {
    }

    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        List<String> presets = new ArrayList<>();
        List<String> shardLists = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        boolean compare = false;
        boolean stdin = false;
        int sample = DEFAULT_SAMPLE;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--preset", "-p" -> presets.add(value(args, ++i, "--preset"));
                    case "--shards", "-s" -> shardLists.add(value(args, ++i, "--shards"));
                    case "--compare" -> compare = true;
                    case "--sample" -> sample = Integer.parseInt(value(args, ++i, "--sample"));
                    case "-" -> stdin = true;
                    case "-h", "--help" -> {
                        usage(out);
                        return OK;
                    }
                    default -> {
                        if (args[i].startsWith("-")) {
                            throw new IllegalArgumentException("unknown option " + args[i]);
                        }
                        keys.add(args[i]);
                    }
                }
            }
            if (presets.isEmpty() || shardLists.isEmpty()) {
                throw new IllegalArgumentException("--preset and --shards are required");
            }
            if (stdin) {
                keys.addAll(readLines(in));
            }
            if (compare) {
                return compare(presets, shardLists, keys, sample, out);
            }
            if (presets.size() > 1 || shardLists.size() > 1) {
                throw new IllegalArgumentException("one --preset and one --shards, or --compare");
            }
            if (keys.isEmpty()) {
                throw new IllegalArgumentException("no keys: give them as arguments or '-' to read lines from stdin");
            }
            List<Node> nodes = nodes(shardLists.get(0));
            ShardLocator locator = dev.kvgate.routing.Placement.parse(presets.get(0)).locator(nodes);
            for (String key : keys) {
                byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
                out.println(key + "\t" + nodes.get(locator.shardOf(bytes, 0, bytes.length)).name());
            }
            return OK;
        } catch (IllegalArgumentException e) {
            err.println("kvgate placement: " + e.getMessage() + " (try --help)");
            return USAGE;
        } catch (IOException e) {
            err.println("kvgate placement: " + e.getMessage());
            return FAILED;
        }
    }

    private static int compare(List<String> presets, List<String> shardLists, List<String> keys, int sample,
            PrintStream out) {
        if (presets.size() > 2 || shardLists.size() > 2 || presets.size() + shardLists.size() != 3) {
            throw new IllegalArgumentException("--compare takes two --preset and one --shards, or one --preset and two --shards");
        }
        String presetA = presets.get(0);
        String presetB = presets.get(presets.size() - 1);
        List<Node> nodesA = nodes(shardLists.get(0));
        List<Node> nodesB = nodes(shardLists.get(shardLists.size() - 1));
        ShardLocator a = dev.kvgate.routing.Placement.parse(presetA).locator(nodesA);
        ShardLocator b = dev.kvgate.routing.Placement.parse(presetB).locator(nodesB);
        List<byte[]> sampleKeys = new ArrayList<>();
        if (keys.isEmpty()) {
            Random random = new Random(15);
            for (int i = 0; i < sample; i++) {
                sampleKeys.add(randomKey(random));
            }
        } else {
            keys.forEach(k -> sampleKeys.add(k.getBytes(StandardCharsets.UTF_8)));
        }
        long moved = 0;
        for (byte[] key : sampleKeys) {
            String from = nodesA.get(a.shardOf(key, 0, key.length)).name();
            String to = nodesB.get(b.shardOf(key, 0, key.length)).name();
            if (!from.equals(to)) {
                moved++;
            }
        }
        out.printf("from: %s over %s%n", presetA, describe(nodesA));
        out.printf("to:   %s over %s%n", presetB, describe(nodesB));
        out.printf("%d of %d %s keys move to another shard: %.2f%%%n", moved, sampleKeys.size(),
                keys.isEmpty() ? "random" : "given", 100.0 * moved / sampleKeys.size());
        return OK;
    }

    private static byte[] randomKey(Random random) {
        int length = 5 + random.nextInt(40);
        byte[] key = new byte[length];
        for (int i = 0; i < length; i++) {
            key[i] = (byte) (0x21 + random.nextInt(0x7e - 0x21 + 1));
        }
        return key;
    }

    private static String describe(List<Node> nodes) {
        return String.join(",", nodes.stream().map(n -> n.weight() == 1 ? n.name() : n.name() + ":" + n.weight()).toList());
    }

    /** "a,b:11211,c:11212:3": names as the old client knew the shards, ":weight" after a port. */
    static List<Node> nodes(String list) {
        List<Node> nodes = new ArrayList<>();
        for (String part : list.split(",")) {
            String s = part.trim();
            if (s.isEmpty()) {
                throw new IllegalArgumentException("empty shard name in '" + list + "'");
            }
            Matcher m = WEIGHTED.matcher(s);
            nodes.add(m.matches() ? new Node(m.group(1), Integer.parseInt(m.group(2))) : Node.of(s));
        }
        return nodes;
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static List<String> readLines(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null) {
            if (!line.isEmpty()) {
                lines.add(line);
            }
        }
        return lines;
    }

    private static void usage(PrintStream out) {
        out.println("usage: kvgate placement --preset P --shards A,B,C KEY...   (or '-' to read keys from stdin)");
        out.println("       kvgate placement --compare --preset P1 --preset P2 --shards A,B,C [KEY...]");
        out.println("       kvgate placement --compare --preset P --shards A,B,C --shards A,B [KEY...]");
        out.println("  P       preset[:option=value,...], e.g. libmemcached:ketama=true or twemproxy:hash=murmur");
        out.println("  shards  names as the old client knew them; host:port:weight for a weight");
        out.println("  --compare  the fraction of keys that move; without keys, " + DEFAULT_SAMPLE
                + " random ones (--sample N)");
        out.println("presets:");
        for (Map.Entry<String, String> p : dev.kvgate.routing.Placement.PRESETS.entrySet()) {
            out.printf("  %-20s %s%n", p.getKey(), p.getValue());
        }
    }
}
