package dev.kvgate.check;

import java.io.PrintStream;

/**
 * Shows a run as it goes, on stderr: a bar redrawn in place on a terminal (a failure is printed
 * above it as it happens), one line per finished case otherwise (CI logs, pipes).
 */
interface Progress {
    void start(int runs);

    void running(int number, Case c, Transport t);

    void done(int number, Case c, Transport t, Outcome o);

    void finish();

    static Progress of(PrintStream err, boolean terminal) {
        return terminal ? new Bar(err) : new Lines(err);
    }

    /** No output, for callers that show nothing. */
    static Progress none() {
        return new Progress() {
            @Override
            public void start(int runs) {
            }

            @Override
            public void running(int number, Case c, Transport t) {
            }

            @Override
            public void done(int number, Case c, Transport t, Outcome o) {
            }

            @Override
            public void finish() {
            }
        };
    }

    /** One line per finished run. */
    final class Lines implements Progress {
        private final PrintStream err;
        private int runs;
        private int done;

        Lines(PrintStream err) {
            this.err = err;
        }

        @Override
        public void start(int runs) {
            this.runs = runs;
        }

        @Override
        public void running(int number, Case c, Transport t) {
        }

        @Override
        public void done(int number, Case c, Transport t, Outcome o) {
            done++;
            int width = Integer.toString(runs).length();
            err.printf("[%" + width + "d/%d] #%-3d %-5s %-11s %s%n", done, runs, number, t.label(), o.kind().label(),
                    c.title());
            err.flush();
        }

        @Override
        public void finish() {
        }
    }

    /** A bar redrawn with carriage returns, 80 columns wide. */
    final class Bar implements Progress {
        private static final int WIDTH = 80;
        private static final int BAR = 24;
        private final PrintStream err;
        private int runs;
        private int done;
        private int failed;

        Bar(PrintStream err) {
            this.err = err;
        }

        @Override
        public void start(int runs) {
            this.runs = runs;
        }

        @Override
        public void running(int number, Case c, Transport t) {
            draw(t.label() + " #" + number + " " + c.title());
        }

        @Override
        public void done(int number, Case c, Transport t, Outcome o) {
            done++;
            if (o.failed()) {
                failed++;
                clear();
                err.println("FAIL #" + number + " " + t.label() + "  " + c.title());
            }
            draw(t.label() + " #" + number + " " + c.title());
        }

        @Override
        public void finish() {
            clear();
            err.flush();
        }

        private void draw(String what) {
            int filled = runs == 0 ? BAR : done * BAR / runs;
            String head = "[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "] " + done + "/" + runs
                    + (failed > 0 ? " " + failed + " failed" : "") + "  ";
            String line = head + what;
            if (line.length() > WIDTH - 1) {
                line = line.substring(0, WIDTH - 4) + "...";
            }
            err.print("\r" + line + " ".repeat(Math.max(0, WIDTH - 1 - line.length())));
            err.flush();
        }

        private void clear() {
            err.print("\r" + " ".repeat(WIDTH - 1) + "\r");
        }
    }
}
