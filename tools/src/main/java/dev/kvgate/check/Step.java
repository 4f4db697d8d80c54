package dev.kvgate.check;

import dev.kvgate.mcbp.Opcode;
import java.util.List;
import java.util.Map;

/** One step of a scripted {@link Case}: requests and what they get back, or something done between them. */
sealed interface Step {

    /** A request and what it gets back. */
    record Exchange(Req req, Expect expect) {
        @Override
        public String toString() {
            return req + " -> " + expect;
        }
    }

    /**
     * Requests sent one after the other, each after the previous answer ({@code pipelined} false), or
     * all with one flush before any answer is read ({@code pipelined} true).
     */
    record Send(List<Exchange> exchanges, boolean pipelined) implements Step {
        public Send {
            Exchange last = exchanges.get(exchanges.size() - 1);
            Opcode op = Opcode.of(last.req().opcode());
            if (pipelined && op != null && op.quiet() && last.expect().kind() != Expect.Kind.CLOSED) {
                // The client settles a quiet request only when a later answer arrives.
                throw new IllegalArgumentException("a pipeline must end with a request that is answered: " + last);
            }
        }
    }

    /** A real pause, for expiry. */
    record Sleep(long millis) implements Step {
    }

    /** The server closes the connection within a few seconds. */
    record ConnectionClosed() implements Step {
    }

    /** A NOOP is answered, or the connection is closed; either passes, the note says which. */
    record UsableOrClosed() implements Step {
    }

    /** Reads STAT time: later absolute expirations count from the server's clock, not the client's. */
    record ServerClock() implements Step {
    }

    /** Reads the general stats and keeps them under {@code name}. */
    record Snapshot(String name) implements Step {
    }

    /** Reads the general stats again: each named counter moved by exactly this much since the snapshot. */
    record Deltas(String snapshot, Map<String, Long> deltas) implements Step {
    }
}
