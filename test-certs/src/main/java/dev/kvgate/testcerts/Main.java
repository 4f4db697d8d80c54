package dev.kvgate.testcerts;

import dev.kvgate.tls.KeyType;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a {@link TestPki} for manual testing and the k8s examples:
 * {@code java -jar kvgate-test-certs.jar DIR [--rsa]}. Never use these files in production.
 */
public final class Main {

    static final String USAGE = "usage: java -jar kvgate-test-certs.jar DIR [--rsa]";

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the CLI and returns its exit code: 0 written, 2 usage error, 1 failure. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        KeyType type = KeyType.EC;
        List<String> positional = new ArrayList<>();
        for (String arg : args) {
            switch (arg) {
                case "--rsa" -> type = KeyType.RSA;
                case "--ec" -> type = KeyType.EC;
                case "-h", "--help" -> {
                    out.println(USAGE);
                    return 0;
                }
                default -> {
                    if (arg.startsWith("-")) {
                        err.println("unknown option " + arg);
                        err.println(USAGE);
                        return 2;
                    }
                    positional.add(arg);
                }
            }
        }
        if (positional.size() != 1) {
            err.println(USAGE);
            return 2;
        }
        try {
            TestPki pki = TestPki.create(Path.of(positional.get(0)), type);
            out.println("wrote " + type + " test PKI (test use only, private keys unencrypted):");
            pki.files().forEach(file -> out.println(file.toAbsolutePath()));
            return 0;
        } catch (RuntimeException e) {
            err.println("cannot write test PKI: " + e.getMessage());
            return 1;
        }
    }
}
