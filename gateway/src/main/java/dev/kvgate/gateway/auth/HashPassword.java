package dev.kvgate.gateway.auth;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@code kvgate hash-password [--iterations N]}: reads a password (from the terminal without echo, or
 * one line of stdin) and prints the hash to put in {@code kvgate.auth.users[].password}.
 */
public final class HashPassword {
    private HashPassword() {
    }

    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) throws IOException {
        int iterations = PasswordHash.DEFAULT_ITERATIONS;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--iterations") && i + 1 < args.length) {
                try {
                    iterations = Integer.parseInt(args[++i]);
                } catch (NumberFormatException e) {
                    iterations = -1;
                }
                if (iterations < 10_000) {
                    err.println("kvgate hash-password: --iterations must be a number >= 10000");
                    return 2;
                }
            } else {
                err.println("usage: kvgate hash-password [--iterations N]   (password read from the terminal or stdin)");
                return 2;
            }
        }
        char[] password;
        Console console = System.console();
        if (console != null) {
            password = console.readPassword("password: ");
            char[] again = console.readPassword("again: ");
            if (password == null || again == null || !Arrays.equals(password, again)) {
                err.println("kvgate hash-password: the passwords differ");
                return 1;
            }
            Arrays.fill(again, '\0');
        } else {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            password = line == null ? null : line.toCharArray();
        }
        if (password == null || password.length == 0) {
            err.println("kvgate hash-password: empty password");
            return 1;
        }
        out.println(PasswordHash.hash(password, iterations));
        Arrays.fill(password, '\0');
        return 0;
    }
}
