package dev.kvgate.bench;

import java.io.PrintStream;

/** The {@code bench} command: an mcbp load generator (being written). */
public final class Bench {
    private Bench() {
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        err.println("kvgate bench: not built yet");
        return 1;
    }
}
