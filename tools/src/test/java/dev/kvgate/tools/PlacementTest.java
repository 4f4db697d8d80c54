package dev.kvgate.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kvgate.routing.Node;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String stdin, String... args) {
        return Placement.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void printsWhereEachKeyGoes() {
        // The libmemcached placements are checked key by key in it/; here the command's plumbing.
        assertEquals(0, run("", "--preset", "libmemcached:ketama=true", "--shards", "10.0.0.1,10.0.0.2,10.0.0.3:11212",
                "a", "b", "c"));
        assertEquals("a\t10.0.0.1\nb\t10.0.0.2\nc\t10.0.0.1\n", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void readsKeysFromStdin() {
        assertEquals(0, run("a\nb\n", "--preset", "modulo", "--shards", "x:1,y:1", "-"));
        assertEquals(2, out.toString(StandardCharsets.UTF_8).lines().count());
    }

    @Test
    void compareReportsTheFractionThatMoves() {
        assertEquals(0, run("", "--compare", "--preset", "ketama", "--shards", "a:1,b:1,c:1", "--shards", "a:1,b:1,c:1",
                "--sample", "1000"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("0 of 1000 random keys move to another shard: 0.00%"), out.toString());
        out.reset();
        assertEquals(0, run("", "--compare", "--preset", "modulo", "--shards", "a:1,b:1,c:1", "--shards", "a:1,b:1,c:1,d:1",
                "--sample", "10000"));
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.matches("(?s).*of 10000 random keys move to another shard: 7\\d\\.\\d\\d%.*"), text);
    }

    @Test
    void weightsFollowAPort() {
        assertEquals(List.of(new Node("a:11211", 3), Node.of("b"), Node.of("c:11212")),
                Placement.nodes("a:11211:3,b,c:11212"));
    }

    @Test
    void mistakesAreUsageErrors() {
        assertEquals(2, run("", "--preset", "nope", "--shards", "a", "k"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown hash preset 'nope'"));
        assertEquals(2, run("", "--preset", "ketama", "--shards", "a:1:2", "k"));
        assertEquals(2, run("", "--preset", "ketama", "k"));
        assertEquals(0, run("", "--help"));
    }
}
