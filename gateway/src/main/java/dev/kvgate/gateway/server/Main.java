package dev.kvgate.gateway.server;

import dev.kvgate.config.KvgateSettings;
import dev.kvgate.config.Settings;
import dev.kvgate.config.SettingsException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The command line: {@code java -jar kvgate.jar [-c FILE]} runs the gateway. Settings may also be
 * given as {@code -Dkvgate.key=value}. An invalid configuration exits with status 2 and one line.
 */
public final class Main {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int BAD_CONFIG = 2;

    private Main() {
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.err, true);
        if (status != OK) {
            System.exit(status);
        }
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
        if (args.length > 0 && args[0].equals("idle")) {
            return dev.kvgate.bench.Idle.run(java.util.Arrays.copyOfRange(args, 1, args.length), out, err);
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
                    out.println("usage: java [-Dkvgate.key=value ...] -jar kvgate.jar [-c FILE]");
                    out.println("       java -jar kvgate.jar bench [options]   (bench --help)");
                    out.println("       java -jar kvgate.jar idle [options]    (idle --help)");
                    out.println("       java -jar kvgate.jar hash-password     (a PBKDF2 hash for kvgate.auth.users)");
                    out.println("  -c FILE   HOCON configuration over the built-in reference.conf");
                    return OK;
                }
                default -> {
                    err.println("kvgate: unknown argument " + args[i] + " (try -h)");
                    return BAD_CONFIG;
                }
            }
        }
        KvgateSettings settings;
        try {
            settings = Settings.load(file);
        } catch (SettingsException e) {
            err.println("kvgate: invalid configuration: " + e.getMessage());
            return BAD_CONFIG;
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
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "kvgate-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return OK;
    }
}
