package dev.kvgate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BenchOptionsTest {

    @Test
    void defaults() throws Exception {
        BenchOptions o = BenchOptions.parse(new String[0]);
        assertEquals("127.0.0.1", o.host());
        assertEquals(11210, o.port());
        assertFalse(o.tls());
        assertEquals(Optional.empty(), o.ca());
        assertEquals(50, o.connections());
        assertEquals(1, o.pipeline());
        assertEquals(0.9, o.getRatio());
        assertEquals(100, o.valueSize());
        assertEquals(100, o.valueSizeMax());
        assertEquals(10_000, o.keys());
        assertEquals(TimeUnit.SECONDS.toNanos(10), o.durationNanos());
        assertEquals(TimeUnit.SECONDS.toNanos(2), o.warmupNanos());
        assertEquals(1, o.threads());
        assertEquals(Optional.empty(), o.json());
        assertFalse(o.quiet());
        assertFalse(o.help());
        assertEquals("127.0.0.1:11210", o.target());
    }

    @Test
    void aValueSizeRange() throws Exception {
        BenchOptions o = BenchOptions.parse(new String[] {"--value-size", "100000-900000"});
        assertEquals(100_000, o.valueSize());
        assertEquals(900_000, o.valueSizeMax());
        assertEquals("100000-900000 B", o.valueSizes());
        assertEquals("7 B", BenchOptions.parse(new String[] {"--value-size=7"}).valueSizes());
    }

    @Test
    void everyOption() throws Exception {
        BenchOptions o = BenchOptions.parse(new String[] {"--host", "::1", "--port", "11207", "--tls",
                "--ca", "ca.pem", "--connections", "7", "--pipeline=16", "--get-ratio", "0.5", "--value-size", "0",
                "--keys", "3", "--duration", "1500ms", "--warmup", "0", "--threads", "2", "--json", "out.json",
                "--quiet"});
        assertEquals("::1", o.host());
        assertEquals(11207, o.port());
        assertTrue(o.tls());
        assertEquals(Optional.of(Path.of("ca.pem")), o.ca());
        assertEquals(7, o.connections());
        assertEquals(16, o.pipeline());
        assertEquals(0.5, o.getRatio());
        assertEquals(0, o.valueSize());
        assertEquals(3, o.keys());
        assertEquals(TimeUnit.MILLISECONDS.toNanos(1500), o.durationNanos());
        assertEquals(0, o.warmupNanos());
        assertEquals(2, o.threads());
        assertEquals(Optional.of(Path.of("out.json")), o.json());
        assertTrue(o.quiet());
        assertEquals("[::1]:11207", o.target());
    }

    @Test
    void insecureIsAcceptedWithTls() throws Exception {
        BenchOptions o = BenchOptions.parse(new String[] {"--tls", "--insecure"});
        assertTrue(o.tls());
        assertEquals(Optional.empty(), o.ca());
    }

    @Test
    void durations() throws Exception {
        assertEquals(TimeUnit.MINUTES.toNanos(2), BenchOptions.parse(new String[] {"--duration", "2m"}).durationNanos());
        assertEquals(TimeUnit.SECONDS.toNanos(3), BenchOptions.parse(new String[] {"--duration", "3"}).durationNanos());
        assertEquals(TimeUnit.MILLISECONDS.toNanos(2500),
                BenchOptions.parse(new String[] {"--duration", "2.5s"}).durationNanos());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "--bogus",
        "--port",
        "--port 0",
        "--port 65536",
        "--port eleven",
        "--connections 0",
        "--pipeline 0",
        "--pipeline 1000000",
        "--get-ratio 1.5",
        "--get-ratio -0.1",
        "--get-ratio NaN",
        "--value-size -1",
        "--value-size 900-100",
        "--value-size 1-",
        "--keys 0",
        "--duration 0s",
        "--duration 10h",
        "--duration ten",
        "--warmup -1s",
        "--threads 0",
        "--ca ca.pem",
        "--insecure",
        "--tls --insecure --ca ca.pem",
        "--tls=yes",
        "--host  ",
    })
    void badOptionsExitWithStatusTwoAndOneLine(String line) {
        String[] args = line.equals("--host  ") ? new String[] {"--host", " "} : line.split(" ");
        assertThrows(BenchOptions.Invalid.class, () -> BenchOptions.parse(args));
        Captured c = Captured.run(args);
        assertEquals(Bench.BAD_OPTIONS, c.status(), c.err());
        assertEquals("", c.out());
        assertEquals(1, c.err().lines().count(), c.err());
        assertTrue(c.err().startsWith("kvgate bench: "), c.err());
    }

    @Test
    void unreadableCaIsABadOption() {
        Captured c = Captured.run(new String[] {"--tls", "--ca", "/nonexistent/ca.pem"});
        assertEquals(Bench.BAD_OPTIONS, c.status());
        assertEquals(1, c.err().lines().count(), c.err());
        assertTrue(c.err().contains("/nonexistent/ca.pem"), c.err());
    }

    @Test
    void helpPrintsUsage() {
        Captured c = Captured.run(new String[] {"--help"});
        assertEquals(Bench.OK, c.status());
        for (String option : new String[] {"--host", "--port", "--tls", "--ca", "--connections", "--pipeline",
                "--get-ratio", "--value-size", "--keys", "--duration", "--warmup", "--threads", "--json", "--quiet"}) {
            assertTrue(c.out().contains(option), option);
        }
    }

    /** What {@link Bench#run} printed and returned. */
    record Captured(int status, String out, String err) {
        static Captured run(String[] args) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status;
            try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                 PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
                status = Bench.run(args, o, e);
            }
            return new Captured(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        }
    }
}
