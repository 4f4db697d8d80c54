package dev.kvgate.it.placement;

import dev.kvgate.routing.Node;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * kvgate's pymemcache and gomemcache placements against those libraries as Debian packages them
 * (python3-pymemcache 3.5.2, golang-github-bradfitz-gomemcache-dev), each asked through a small helper
 * that only computes placements: HashClient's hasher, ServerList.PickServer.
 */
@Timeout(180)
class ClientLibrariesPlacementIT {

    private static final List<List<String>> SERVER_LISTS = List.of(
            List.of("10.0.3.1:11211", "10.0.3.2:11211"),
            List.of("10.0.3.1:11211", "10.0.3.2:11211", "10.0.3.3:11212"),
            List.of("10.0.3.1:11211", "10.0.3.2:11211", "10.0.3.3:11212", "10.0.3.4:11211", "10.0.3.5:11211",
                    "10.0.3.6:11211", "10.0.3.7:11211"));

    private static String input(List<byte[]> keys) {
        StringBuilder in = new StringBuilder();
        for (List<String> servers : SERVER_LISTS) {
            in.append("servers ").append(String.join(" ", servers)).append('\n');
            in.append("keys ").append(keys.size()).append('\n');
            for (byte[] key : keys) {
                in.append(References.hex(key)).append('\n');
            }
        }
        return in.toString();
    }

    private static void compare(String reference, String spec, List<byte[]> keys, String out) {
        for (int i = 0; i < SERVER_LISTS.size(); i++) {
            List<Node> nodes = SERVER_LISTS.get(i).stream().map(Node::of).toList();
            References.assertSamePlacement(reference, spec, nodes, keys, References.ints(out, i * keys.size(), keys.size()));
        }
    }

    @Test
    void pymemcacheHashClient() throws Exception {
        Path dir = References.workDir();
        Path script = References.resource("pymemcache_placement.py", dir);
        List<byte[]> keys = References.keys(19, true);
        // Debian's python3, where python3-pymemcache installs, not whatever python3 comes first on PATH.
        String python = Path.of("/usr/bin/python3").toFile().canExecute() ? "/usr/bin/python3"
                : References.require("python3", "python3-pymemcache");
        String out = References.run(List.of(python, script.toString()), input(keys), dir);
        compare("pymemcache 3.5.2", "pymemcache", keys, out);
    }

    @Test
    void gomemcacheServerList() throws Exception {
        Path dir = References.workDir();
        Path source = References.resource("gomemcache_placement.go", dir);
        Path binary = dir.resolve("gomemcache_placement");
        ProcessBuilder build = new ProcessBuilder(References.require("go", "golang-go"), "build", "-o", binary.toString(),
                source.toString()).directory(dir.toFile()).inheritIO();
        Map<String, String> env = build.environment();
        env.put("GOPATH", "/usr/share/gocode");
        env.put("GO111MODULE", "off");
        env.put("GOCACHE", dir.resolve("gocache").toString());
        if (build.start().waitFor() != 0) {
            throw new AssertionError("go build of the gomemcache helper failed (needs golang-go and "
                    + "golang-github-bradfitz-gomemcache-dev)");
        }
        List<byte[]> keys = References.keys(20, false);
        String out = References.run(List.of(binary.toString()), input(keys), dir);
        compare("gomemcache (Debian bookworm)", "gomemcache", keys, out);
    }
}
