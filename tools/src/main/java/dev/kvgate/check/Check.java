package dev.kvgate.check;

import dev.kvgate.client.McbpClient;
import dev.kvgate.client.Response;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code check} command: runs the suite against a server over plain TCP, TLS or both, prints the
 * table (or JSON), writes JUnit XML when asked, and exits 0 only when nothing failed and the two
 * transports agree.
 */
public final class Check {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int BAD_OPTIONS = 2;
    private static final String PREFIX = "kvgate check: ";
    private static final Duration REACH_TIMEOUT = Duration.ofSeconds(10);

    private Check() {
    }

    /** From the command line: progress as a bar when stderr is the terminal's, as lines otherwise. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, System.console() != null && err == System.err);
    }

    static int run(String[] args, PrintStream out, PrintStream err, boolean terminal) {
        CheckOptions options;
        try {
            options = CheckOptions.parse(args);
        } catch (CheckOptions.Invalid e) {
            err.println(PREFIX + e.getMessage());
            return BAD_OPTIONS;
        }
        if (options.help()) {
            out.println(CheckOptions.USAGE);
            return OK;
        }
        List<CheckRun.Numbered> selected = new ArrayList<>();
        List<Case> all = Suite.cases();
        for (int i = 0; i < all.size(); i++) {
            if (options.selects(all.get(i))) {
                selected.add(new CheckRun.Numbered(i + 1, all.get(i)));
            }
        }
        if (options.list()) {
            selected.forEach(n -> out.printf("%4d  %s%s%n", n.number(), n.c().title(),
                    n.c().runsOver(Transport.PLAIN) ? "" : "  (TLS only)"));
            return OK;
        }
        List<Target> targets = new ArrayList<>();
        options.target().ifPresent(a -> targets.add(new Target(Transport.PLAIN, a.host(), a.port(), null)));
        if (options.tlsTarget().isPresent()) {
            TlsSetup tls;
            try {
                tls = TlsSetup.load(options.caCert(), options.cert(), options.key());
            } catch (RuntimeException e) {
                err.println(PREFIX + e.getMessage());
                return BAD_OPTIONS;
            }
            CheckOptions.Address a = options.tlsTarget().get();
            targets.add(new Target(Transport.TLS, a.host(), a.port(), tls));
        }
        if (selected.stream().noneMatch(n -> targets.stream().anyMatch(t -> n.c().runsOver(t.transport())))) {
            err.println(PREFIX + "no case selected runs over the target(s) given (try --list)");
            return BAD_OPTIONS;
        }
        for (Target t : targets) {
            String problem = reach(t);
            if (problem != null) {
                err.println(PREFIX + "cannot use " + t + ": " + problem);
                return FAILED;
            }
        }
        Results results = CheckRun.run(selected, targets, options.strictTexts(), options.timeout(),
                Progress.of(err, terminal));
        if (options.json()) {
            out.print(JsonReport.json(results));
        } else {
            TableReport.print(results, out);
        }
        out.flush();
        if (options.report().isPresent()) {
            try {
                Files.writeString(options.report().get(), JunitReport.xml(results));
            } catch (IOException e) {
                err.println(PREFIX + "cannot write " + options.report().get() + ": " + e.getMessage());
                return FAILED;
            }
        }
        return results.failed() ? FAILED : OK;
    }

    /** Null when the target answers a NOOP, else why not. */
    private static String reach(Target t) {
        try (McbpClient c = t.connect()) {
            Response r = McbpClient.await(c.send(dev.kvgate.client.Request.noop()), REACH_TIMEOUT);
            return r != null && r.status() == 0 ? null : "NOOP answered " + ScriptRunner.describe(r);
        } catch (IOException e) {
            String why = TlsCases.rootCause(e);
            if (t.tls() != null && !t.tls().hasClientCertificate()) {
                why += " (if the server requires a client certificate, give --cert and --key)";
            }
            return why;
        }
    }
}
