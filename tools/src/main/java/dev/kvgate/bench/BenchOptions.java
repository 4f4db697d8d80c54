package dev.kvgate.bench;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The options of {@code kvgate bench}, parsed and range-checked; the defaults are the documented ones. */
record BenchOptions(String host, int port, boolean tls, Optional<Path> ca, int connections, int pipeline,
                    double getRatio, int valueSize, int valueSizeMax, int keys, long durationNanos, long warmupNanos,
                    int threads, Optional<Path> json, boolean quiet, boolean help) {

    static final int MAX_CONNECTIONS = 100_000;
    static final int MAX_PIPELINE = 65_536;
    static final int MAX_VALUE_SIZE = 64 * 1024 * 1024;
    static final int MAX_THREADS = 1024;
    static final long MAX_DURATION_NANOS = TimeUnit.HOURS.toNanos(24);

    static final String USAGE = String.join("\n",
            "usage: java -jar kvgate.jar bench [options]",
            "  closed-loop mcbp load: every connection keeps --pipeline requests outstanding",
            "  --host HOST          server address (default 127.0.0.1)",
            "  --port PORT          server port (default 11210)",
            "  --tls                speak TLS",
            "  --ca FILE            PEM CAs to verify the server (chain and host name); without it --tls",
            "                       trusts any certificate (--insecure implied, a warning is printed)",
            "  --insecure           with --tls: trust any certificate (the default without --ca)",
            "  --connections N      connections (default 50)",
            "  --pipeline N         requests outstanding per connection (default 1)",
            "  --get-ratio F        share of GETs, the rest SETs, 0..1 (default 0.9)",
            "  --value-size BYTES   SET value size (default 100); MIN-MAX, e.g. 100000-900000, picks a size",
            "                       uniformly in that range for every SET",
            "  --keys N             key space \"key:0\" .. \"key:N-1\", all SET once before the run (default 10000)",
            "  --duration D         measured time, e.g. 10s, 500ms, 2m (default 10s)",
            "  --warmup D           unrecorded load before it (default 2s)",
            "  --threads N          event-loop threads (default 1)",
            "  --json FILE          also write the result as one JSON object",
            "  --quiet              no progress line",
            "  --help               this text",
            "exit status: 0 run completed, 1 could not connect (or preload failed), 2 bad options");

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m)?");

    /** A bad command line; the message is the one line shown to the user. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    static BenchOptions parse(String[] args) throws Invalid {
        String host = "127.0.0.1";
        int port = 11210;
        boolean tls = false;
        boolean insecure = false;
        Optional<Path> ca = Optional.empty();
        int connections = 50;
        int pipeline = 1;
        double getRatio = 0.9;
        int valueSize = 100;
        int valueSizeMax = 100;
        int keys = 10_000;
        long duration = TimeUnit.SECONDS.toNanos(10);
        long warmup = TimeUnit.SECONDS.toNanos(2);
        int threads = 1;
        Optional<Path> json = Optional.empty();
        boolean quiet = false;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            switch (name) {
                case "--tls", "--insecure", "--quiet", "--help", "-h" -> {
                    if (inline != null) {
                        throw new Invalid(name + " takes no value");
                    }
                    switch (name) {
                        case "--tls" -> tls = true;
                        case "--insecure" -> insecure = true;
                        case "--quiet" -> quiet = true;
                        default -> help = true;
                    }
                }
                case "--host", "--port", "--ca", "--connections", "--pipeline", "--get-ratio", "--value-size",
                        "--keys", "--duration", "--warmup", "--threads", "--json" -> {
                    String value = inline;
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new Invalid(name + " needs a value");
                        }
                        value = args[++i];
                    }
                    switch (name) {
                        case "--host" -> {
                            if (value.isBlank()) {
                                throw new Invalid("--host must not be empty");
                            }
                            host = value;
                        }
                        case "--port" -> port = integer(name, value, 1, 65_535);
                        case "--ca" -> ca = Optional.of(Path.of(value));
                        case "--connections" -> connections = integer(name, value, 1, MAX_CONNECTIONS);
                        case "--pipeline" -> pipeline = integer(name, value, 1, MAX_PIPELINE);
                        case "--get-ratio" -> getRatio = ratio(name, value);
                        case "--value-size" -> {
                            int dash = value.indexOf('-', 1);
                            valueSize = integer(name, dash < 0 ? value : value.substring(0, dash), 0, MAX_VALUE_SIZE);
                            valueSizeMax = dash < 0 ? valueSize
                                    : integer(name, value.substring(dash + 1), valueSize, MAX_VALUE_SIZE);
                        }
                        case "--keys" -> keys = integer(name, value, 1, Integer.MAX_VALUE);
                        case "--duration" -> duration = duration(name, value, false);
                        case "--warmup" -> warmup = duration(name, value, true);
                        case "--threads" -> threads = integer(name, value, 1, MAX_THREADS);
                        default -> json = Optional.of(Path.of(value));
                    }
                }
                default -> throw new Invalid("unknown option " + arg + " (try --help)");
            }
        }
        if (ca.isPresent() && !tls) {
            throw new Invalid("--ca needs --tls");
        }
        if (insecure && !tls) {
            throw new Invalid("--insecure needs --tls");
        }
        if (insecure && ca.isPresent()) {
            throw new Invalid("--insecure and --ca contradict each other: --ca verifies the server");
        }
        return new BenchOptions(host, port, tls, ca, connections, pipeline, getRatio, valueSize, valueSizeMax, keys,
                duration, warmup, threads, json, quiet, help);
    }

    /** "100 B", or "100000-900000 B" for a range. */
    String valueSizes() {
        return (valueSizeMax == valueSize ? Integer.toString(valueSize) : valueSize + "-" + valueSizeMax) + " B";
    }

    /** host:port, with brackets around an IPv6 literal. */
    String target() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static int integer(String name, String value, int min, int max) throws Invalid {
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new Invalid(name + " must be an integer, got \"" + value + "\"");
        }
        if (n < min || n > max) {
            throw new Invalid(name + " must be " + min + ".." + max + ", got " + value);
        }
        return (int) n;
    }

    private static double ratio(String name, String value) throws Invalid {
        double r;
        try {
            r = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new Invalid(name + " must be a number 0..1, got \"" + value + "\"");
        }
        if (!(r >= 0 && r <= 1)) {
            throw new Invalid(name + " must be 0..1, got " + value);
        }
        return r;
    }

    /** A duration with unit ms, s or m; a bare number means seconds. */
    private static long duration(String name, String value, boolean zeroAllowed) throws Invalid {
        Matcher m = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new Invalid(name + " must be a duration like 10s, 500ms or 2m, got \"" + value + "\"");
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double nanos = switch (unit) {
            case "ms" -> amount * 1e6;
            case "m" -> amount * 60e9;
            default -> amount * 1e9;
        };
        if (nanos > MAX_DURATION_NANOS) {
            throw new Invalid(name + " must be at most 24h, got " + value);
        }
        long result = Math.round(nanos);
        if (result == 0 && !zeroAllowed) {
            throw new Invalid(name + " must be more than 0, got " + value);
        }
        return result;
    }
}
