package dev.kvgate.it.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.routing.Node;
import dev.kvgate.routing.Placement;
import dev.kvgate.routing.ShardLocator;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * What the placement reference tests share: reproducible random keys, running a reference program
 * (a real client library driven through a small helper), and the key-by-key comparison, which
 * prints one line per configuration for the record.
 */
final class References {

    static final int KEYS = 10_000;

    private References() {
    }

    /**
     * 10,000 random keys of 1..250 bytes: printable ASCII, UTF-8 text and, unless {@code utf8Only},
     * raw bytes 0x80..0xff (where C clients reading a signed char differ from the textbook hash).
     * No spaces or control characters, as a text-protocol client would send.
     */
    static List<byte[]> keys(long seed, boolean utf8Only) {
        Random random = new Random(seed);
        List<byte[]> keys = new ArrayList<>(KEYS);
        for (int i = 0; i < KEYS; i++) {
            int kind = utf8Only ? i % 3 : i % 4;
            int length = i % 10 == 0 ? 1 + random.nextInt(250) : 1 + random.nextInt(40);
            StringBuilder sb = new StringBuilder();
            byte[] key;
            switch (kind) {
                case 0 -> {
                    for (int c = 0; c < length; c++) {
                        sb.append((char) (0x21 + random.nextInt(0x7e - 0x21 + 1)));
                    }
                    key = sb.toString().getBytes(StandardCharsets.UTF_8);
                }
                case 1 -> key = ("user:" + random.nextInt(1_000_000) + ":session").getBytes(StandardCharsets.UTF_8);
                case 2 -> {
                    while (sb.length() < Math.min(length, 60)) {
                        int cp = switch (random.nextInt(3)) {
                            case 0 -> 0x21 + random.nextInt(0x5e);
                            case 1 -> 0xa1 + random.nextInt(0x7ff - 0xa1);
                            default -> 0x1f600 + random.nextInt(0x40);
                        };
                        sb.appendCodePoint(cp);
                    }
                    key = sb.toString().getBytes(StandardCharsets.UTF_8);
                }
                default -> {
                    key = new byte[length];
                    for (int c = 0; c < length; c++) {
                        key[c] = (byte) (random.nextBoolean() ? 0x80 + random.nextInt(0x80) : 0x21 + random.nextInt(0x5e));
                    }
                }
            }
            keys.add(key.length > 250 ? java.util.Arrays.copyOf(key, 250) : key);
        }
        return keys;
    }

    static String hex(byte[] key) {
        return HexFormat.of().formatHex(key);
    }

    /** Runs a program with the given standard input and returns its standard output; fails on a non-zero exit. */
    static String run(List<String> command, String stdin, Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        pb.redirectError(err.toFile());
        Process p = pb.start();
        Thread feeder = new Thread(() -> {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // the program died early; its exit status says why
            }
        }, "reference-stdin");
        feeder.start();
        String out;
        try (InputStream o = p.getInputStream()) {
            out = new String(o.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), command + " did not finish");
        feeder.join();
        assertEquals(0, p.exitValue(), command + " failed: " + Files.readString(err));
        return out;
    }

    /** The absolute path of a program, failing (not skipping) when .ci/run did not install it. */
    static String require(String program, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new AssertionError(program + " is missing: install Debian's " + debianPackage + " (.ci/run does)");
    }

    static Path workDir() throws IOException {
        Path dir = Path.of("target", "placement-reference");
        Files.createDirectories(dir);
        return dir.toAbsolutePath();
    }

    static Path resource(String name, Path dir) throws IOException {
        Path target = dir.resolve(name);
        try (InputStream in = References.class.getResourceAsStream("/placement/" + name)) {
            if (in == null) {
                throw new IOException("missing test resource placement/" + name);
            }
            Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    /**
     * Compares kvgate's placement with the reference's, key by key, and prints the fraction for the
     * record; fails unless every key matches.
     */
    static void assertSamePlacement(String reference, String spec, List<Node> nodes, List<byte[]> keys,
            int[] expected) {
        ShardLocator locator = Placement.parse(spec).locator(nodes);
        assertEquals(keys.size(), expected.length, "reference answered for " + expected.length + " keys");
        int same = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < keys.size(); i++) {
            byte[] key = keys.get(i);
            int ours = locator.shardOf(key, 0, key.length);
            if (ours == expected[i]) {
                same++;
            } else if (first.length() < 400) {
                first.append("\n  key ").append(hex(key)).append(": ").append(reference).append(' ')
                        .append(expected[i]).append(", kvgate ").append(ours);
            }
        }
        System.out.printf("placement %-60s %d/%d keys as %s%n", spec + " over " + nodes.size() + " shards" + weights(nodes),
                same, keys.size(), reference);
        assertEquals(keys.size(), same, spec + " over " + nodes + ": " + (keys.size() - same) + " of " + keys.size()
                + " keys placed differently" + first);
    }

    private static String weights(List<Node> nodes) {
        return nodes.stream().allMatch(n -> n.weight() == 1) ? "" : ", weights "
                + nodes.stream().map(n -> Integer.toString(n.weight())).toList();
    }

    static int[] ints(String output, int from, int count) {
        String[] lines = output.split("\n");
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = Integer.parseInt(lines[from + i].trim());
        }
        return out;
    }
}
