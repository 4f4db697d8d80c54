package dev.kvgate.gateway.server;

import dev.kvgate.config.KvgateSettings;
import dev.kvgate.config.ListenerSettings;
import dev.kvgate.config.Settings;
import dev.kvgate.config.SettingsException;
import dev.kvgate.gateway.proxy.ClientSession;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The command line: {@code java -jar kvgate.jar [-c FILE]} runs the gateway. Settings may also be
 * given as {@code -Dkvgate.key=value}. An invalid configuration exits with status 2 and one line;
 * SIGTERM and SIGINT drain and exit 0 (see {@link StopOnSignal}).
 */
public final class Main {
    private static final Logger log = LoggerFactory.getLogger(Main.class);
    static final int OK = 0;
    static final int FAILED = 1;
    static final int BAD_CONFIG = 2;

    private Main() {
    }

    public static void main(String[] args) {
        // Netty's default (sampled) leak detection costs about 4.5% of CPU on the request path and
        // keeps a request's frames from leaving as one write (SliceRun); an operator who wants it
        // sets -Dio.netty.leakDetection.level. Set before the first buffer is made.
        if (System.getProperty("io.netty.leakDetection.level") == null
                && System.getProperty("io.netty.leakDetectionLevel") == null) {
            io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        }
        // exit() also when OK: a thread nobody stopped (a TLS reloader, a library's) must not keep a
        // drained gateway alive. After a drain by the shutdown hook the JVM is already exiting with
        // the signal's status, and this call only waits for it.
        System.exit(run(args, System.out, System.err, true));
    }

    /**
     * Runs the command.
     *
     * @param block whether to keep serving until the JVM is told to stop (false in tests)
     */
    static int run(String[] args, PrintStream out, PrintStream err, boolean block) {
        if (args.length > 0 && args[0].equals("bench")) {
            return dev.kvgate.bench.Bench.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        if (args.length > 0 && args[0].equals("hash-password")) {
            try {
                return dev.kvgate.gateway.auth.HashPassword.run(java.util.Arrays.copyOfRange(args, 1, args.length), out,
                        err);
            } catch (java.io.IOException | RuntimeException e) {
                err.println("kvgate hash-password: " + e.getMessage());
                return FAILED;
            }
        }
        if (args.length > 0 && args[0].equals("train")) {
            if (args.length > 2 || (args.length == 2 && !args[1].equals("--json"))) {
                err.println("kvgate train: unknown argument " + args[args.length - 1] + " (train takes only --json)");
                return BAD_CONFIG;
            }
            return ClassCacheTraining.run(args.length == 2, out, err, block);
        }
        if (args.length > 0 && args[0].equals("idle")) {
            return dev.kvgate.bench.Idle.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        if (args.length > 0 && args[0].equals("placement")) {
            return dev.kvgate.tools.Placement.run(java.util.Arrays.copyOfRange(args, 1, args.length), System.in,
                    out, err);
        }
        if (args.length > 0 && args[0].equals("check")) {
            return dev.kvgate.check.Check.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
        }
        Optional<Path> file = Optional.empty();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-c", "--config" -> {
                    if (i + 1 >= args.length) {
                        err.println("kvgate: -c needs a file");
                        return BAD_CONFIG;
                    }
                    file = Optional.of(Path.of(args[++i]));
                }
                case "-h", "--help" -> {
                    help(out);
                    return OK;
                }
                case "-V", "--version" -> {
                    out.println(version());
                    return OK;
                }
                default -> {
                    err.println("kvgate: unknown argument " + args[i] + " (try -h)");
                    return BAD_CONFIG;
                }
            }
        }
        Settings.Loaded settings;
        try {
            settings = Settings.loadWithConfig(file);
        } catch (SettingsException e) {
            err.println("kvgate: invalid configuration: " + e.getMessage());
            return BAD_CONFIG;
        }
        if (block) {
            // Only in a process of its own: tests call run() in a JVM whose Netty is already set up and
            // shared with the next test.
            NettyDefaults.apply(settings.settings().ioThreads());
        }
        KvgateServer server;
        try {
            server = KvgateServer.start(settings);
        } catch (SettingsException e) {
            err.println("kvgate: invalid configuration: " + e.getMessage());
            return BAD_CONFIG;
        } catch (IllegalStateException e) {
            err.println("kvgate: " + e.getMessage());
            return FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return FAILED;
        }
        if (!block) {
            server.close();
            return OK;
        }
        Reloader reloader = new Reloader(file, server);
        StopOnSignal stop = new StopOnSignal(() -> {
            reloader.close();
            server.close();
        }, Runtime.getRuntime()::halt);
        stop.install();
        boolean hup;
        try {
            hup = Signals.trap(List.of("HUP"), (name, number) -> reloader.requestReload(name)).isEmpty();
        } catch (LinkageError e) {
            hup = false;
        }
        java.time.Duration watch = server.settings().reload().watchInterval();
        log.info("configuration reload: {}{}", hup ? "on SIGHUP" : "SIGHUP cannot be trapped",
                file.isPresent() && !watch.isZero() ? ", and when " + file.get() + " changes (checked every "
                        + seconds(watch) + ")" : "");
        try {
            stop.awaitAndDrain();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.drainOnce();
        }
        return OK;
    }

    /** "kvgate 0.1.0" from the build; the protocol's VERSION text when the build left no version. */
    static String version() {
        return Version.number().map(v -> "kvgate " + v).orElse(ClientSession.VERSION);
    }

    /** Defaults are quoted from reference.conf, so the help cannot drift from what kvgate does. */
    private static void help(PrintStream out) {
        KvgateSettings defaults = Settings.reference();
        out.println("usage: java [-Dkvgate.key=value ...] -jar kvgate.jar [-c FILE]");
        out.println("       java -jar kvgate.jar bench [options]   (bench --help)");
        out.println("       java -jar kvgate.jar idle [options]    (idle --help)");
        out.println("       java -jar kvgate.jar hash-password     (hash for kvgate.auth.users)");
        out.println("       java -jar kvgate.jar placement [options] (placement --help)");
        out.println("       java -jar kvgate.jar check [options]   (check --help)");
        out.println("       java -XX:ArchiveClassesAtExit=kvgate.jsa -jar kvgate.jar train [--json]");
        out.println("                         (writes a class-data archive for a quicker start;");
        out.println("                          --json: for a gateway logging in the JSON format)");
        out.println("  -c, --config FILE  HOCON configuration file (see below)");
        out.println("  -V, --version      print the version and exit");
        out.println("  -h, --help         print this help and exit");
        out.println();
        out.println("Listens by default on:");
        for (ListenerSettings l : defaults.listeners()) {
            String where = "  " + l.host() + ":" + l.port() + "  ";
            out.println(where + (l.tls() ? "mcbp over TLS" : "mcbp") + " (listener " + l.name() + ")"
                    + (l.tls() ? ", with a generated self-signed" : ""));
            if (l.tls()) {
                out.println(" ".repeat(where.length()) + "certificate until kvgate.tls.cert-chain is set");
            }
        }
        out.println("With no kvgate.shards configured, keys go to " + defaults.embedded().shards()
                + " embedded in-process engine");
        out.println("shards (kvgate.embedded); with shards, to those memcached servers.");
        out.println();
        out.println("Configuration, highest precedence first (unknown kvgate keys are refused):");
        out.println("  1. -Dkvgate.key=value  Java system properties, given before -jar");
        out.println("  2. -c FILE             the HOCON file");
        out.println("  3. reference.conf      built-in defaults in the jar, every setting documented");
        out.println("With -Dconfig.override_with_env_vars=true, CONFIG_FORCE_kvgate_... environment");
        out.println("variables rank above all three.");
        out.println();
        out.println("SIGTERM or SIGINT: stop accepting, let requests in flight finish for at most");
        out.println("kvgate.shutdown.drain-timeout (" + seconds(defaults.drainTimeout())
                + "), exit 0. A second signal during the drain");
        out.println("exits at once with 128+signal (143 SIGTERM, 130 SIGINT).");
        out.println("SIGHUP, or a change of the -c file (checked every kvgate.reload.watch-interval,");
        out.println(seconds(defaults.reload().watchInterval()) + "): reload the configuration; what can change live is applied,");
        out.println("an invalid file is refused and the running configuration stays.");
        out.println();
        out.println("Exit statuses: 0 ok, also after a SIGTERM/SIGINT drain; 1 failure at start");
        out.println("(e.g. a port in use); 2 invalid configuration or arguments.");
    }

    private static String seconds(java.time.Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
