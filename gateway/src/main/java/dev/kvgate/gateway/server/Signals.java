package dev.kvgate.gateway.server;

import java.util.ArrayList;
import java.util.List;
import sun.misc.Signal;

/**
 * The only use of {@code sun.misc.Signal} (module jdk.unsupported), kept in its own class so that a
 * runtime without that module fails here, with a LinkageError the caller catches, and not in Main.
 */
final class Signals {
    /** Receives a trapped signal on a thread the JVM starts for it. */
    interface Handler {
        void handle(String name, int number);
    }

    private Signals() {
    }

    /**
     * Replaces the JVM's handling of each named signal (which would exit 128+n after the shutdown
     * hooks) with {@code handler}.
     *
     * @return the names that could not be trapped, e.g. under -Xrs
     */
    static List<String> trap(List<String> names, Handler handler) {
        List<String> failed = new ArrayList<>();
        for (String name : names) {
            try {
                Signal.handle(new Signal(name), s -> handler.handle("SIG" + s.getName(), s.getNumber()));
            } catch (IllegalArgumentException e) {
                failed.add(name);
            }
        }
        return failed;
    }
}
