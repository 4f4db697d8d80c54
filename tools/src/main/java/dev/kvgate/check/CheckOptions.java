package dev.kvgate.check;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** The options of {@code kvgate check}, parsed and checked. */
record CheckOptions(Optional<Address> target, Optional<Address> tlsTarget, Optional<Path> caCert,
                    Optional<Path> cert, Optional<Path> key, List<Pattern> only, List<Pattern> skip,
                    Optional<Path> report, boolean json, boolean strictTexts, Duration timeout, boolean list,
                    boolean help) {

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s)");

    static final String USAGE = String.join("\n",
            "usage: java -jar kvgate.jar check --target HOST:PORT [--tls-target HOST:PORT]",
            "                                  [--cacert FILE] [--cert FILE --key FILE]",
            "                                  [--only PATTERN] [--skip PATTERN] [--report FILE] [--json]",
            "  the mcbp conformance and TLS regression suite, against any memcached binary protocol server:",
            "  a table of cases, each pass, fail (with the answer expected and the one that came) or",
            "  unsupported (a feature the server may legitimately lack)",
            "  --target HOST:PORT      the server over plain TCP",
            "  --tls-target HOST:PORT  the server over TLS; with both, every case runs over both transports and",
            "                          each case whose outcome differs between them is reported, and fails the run",
            "  --cacert FILE           PEM CAs that sign the server's certificate (default: the JDK's trust",
            "                          store); the host name is checked against the certificate too",
            "  --cert FILE --key FILE  a client certificate (PEM chain and key) for a server that asks for one",
            "  --only PATTERN          run only the cases whose \"group: name\" matches PATTERN, a regular",
            "                          expression found anywhere in it, case-insensitive; may be repeated",
            "  --skip PATTERN          leave out the cases that match; may be repeated",
            "  --report FILE           also write the result as JUnit XML",
            "  --json                  print the result as JSON instead of the table",
            "  --strict-texts          error answers must also carry memcached's texts",
            "  --timeout D             how long to wait for an answer before calling it missing, e.g. 2s,",
            "                          500ms (default 10s)",
            "  --list                  list the cases (with --only/--skip: those selected) and exit",
            "  --help                  this text",
            "  The suite stores, deletes and FLUSHes: point it at a test server, never at one whose data you need.",
            "exit status: 0 nothing failed, 1 a case failed or differs between plain and TLS, or a target",
            "             cannot be reached, 2 bad options");

    /** A bad command line; the message is the one line shown to the user. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message);
        }
    }

    /** host:port; an IPv6 host in brackets. */
    record Address(String host, int port) {
        static Address parse(String option, String s) throws Invalid {
            String host;
            String port;
            if (s.startsWith("[")) {
                int close = s.indexOf("]:");
                if (close < 0) {
                    throw new Invalid(option + " " + s + ": expected [IPv6]:PORT");
                }
                host = s.substring(1, close);
                port = s.substring(close + 2);
            } else {
                int colon = s.lastIndexOf(':');
                if (colon <= 0 || s.indexOf(':') != colon) {
                    throw new Invalid(option + " " + s + ": expected HOST:PORT");
                }
                host = s.substring(0, colon);
                port = s.substring(colon + 1);
            }
            try {
                int p = Integer.parseInt(port);
                if (p < 1 || p > 65_535) {
                    throw new NumberFormatException();
                }
                return new Address(host, p);
            } catch (NumberFormatException e) {
                throw new Invalid(option + " " + s + ": the port must be 1 to 65535");
            }
        }
    }

    static CheckOptions parse(String[] args) throws Invalid {
        Optional<Address> target = Optional.empty();
        Optional<Address> tlsTarget = Optional.empty();
        Optional<Path> caCert = Optional.empty();
        Optional<Path> cert = Optional.empty();
        Optional<Path> key = Optional.empty();
        List<Pattern> only = new ArrayList<>();
        List<Pattern> skip = new ArrayList<>();
        Optional<Path> report = Optional.empty();
        boolean json = false;
        boolean strict = false;
        Duration timeout = DEFAULT_TIMEOUT;
        boolean list = false;
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
                case "--json", "--strict-texts", "--list", "--help", "-h" -> {
                    if (inline != null) {
                        throw new Invalid(name + " takes no value");
                    }
                    switch (name) {
                        case "--json" -> json = true;
                        case "--strict-texts" -> strict = true;
                        case "--list" -> list = true;
                        default -> help = true;
                    }
                }
                case "--target", "--tls-target", "--cacert", "--cert", "--key", "--only", "--skip", "--report",
                        "--timeout" -> {
                    String value = inline;
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new Invalid(name + " needs a value");
                        }
                        value = args[++i];
                    }
                    if (value.isBlank()) {
                        throw new Invalid(name + " must not be empty");
                    }
                    switch (name) {
                        case "--target" -> target = Optional.of(Address.parse(name, value));
                        case "--tls-target" -> tlsTarget = Optional.of(Address.parse(name, value));
                        case "--cacert" -> caCert = Optional.of(Path.of(value));
                        case "--cert" -> cert = Optional.of(Path.of(value));
                        case "--key" -> key = Optional.of(Path.of(value));
                        case "--only" -> only.add(pattern(name, value));
                        case "--skip" -> skip.add(pattern(name, value));
                        case "--timeout" -> timeout = duration(name, value);
                        default -> report = Optional.of(Path.of(value));
                    }
                }
                default -> throw new Invalid("unknown option " + arg + " (try --help)");
            }
        }
        if (!help && !list && target.isEmpty() && tlsTarget.isEmpty()) {
            throw new Invalid("give --target HOST:PORT, --tls-target HOST:PORT or both (try --help)");
        }
        if (tlsTarget.isEmpty() && (caCert.isPresent() || cert.isPresent() || key.isPresent())) {
            throw new Invalid("--cacert, --cert and --key need --tls-target");
        }
        if (cert.isPresent() != key.isPresent()) {
            throw new Invalid("--cert and --key go together");
        }
        return new CheckOptions(target, tlsTarget, caCert, cert, key, List.copyOf(only), List.copyOf(skip), report,
                json, strict, timeout, list, help);
    }

    private static Duration duration(String option, String value) throws Invalid {
        java.util.regex.Matcher m = DURATION.matcher(value);
        if (!m.matches()) {
            throw new Invalid(option + " " + value + ": expected a duration such as 2s or 500ms");
        }
        long n = Long.parseLong(m.group(1));
        Duration d = m.group(2).equals("ms") ? Duration.ofMillis(n) : Duration.ofSeconds(n);
        if (d.toMillis() < 100 || d.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new Invalid(option + " " + value + ": between 100ms and 600s");
        }
        return d;
    }

    private static Pattern pattern(String option, String value) throws Invalid {
        try {
            return Pattern.compile(value, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
        } catch (PatternSyntaxException e) {
            throw new Invalid(option + " " + value + ": not a regular expression: " + e.getDescription());
        }
    }

    /** Whether {@code --only} and {@code --skip} select the case. */
    boolean selects(Case c) {
        String title = c.title();
        boolean in = only.isEmpty() || only.stream().anyMatch(p -> p.matcher(title).find());
        return in && skip.stream().noneMatch(p -> p.matcher(title).find());
    }
}
