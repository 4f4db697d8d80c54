package dev.kvgate.gateway.proxy;

import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;

/**
 * One client request's place in its connection's ordered response queue. A slot completes once, with
 * the response to send (or none), and is written when every slot before it has been written.
 */
final class Slot extends Pending {
    final ClientSession session;
    final byte opcode;
    final int clientOpaque;
    /** The response to write, owned by this slot until written or released; null for silence. */
    ByteBuf response;
    boolean done;
    /** Close the client connection once this slot's response is written (QUIT, framing errors). */
    boolean closeAfter;
    /** Non-keyed commands: with unordered execution, answered only after everything before them. */
    boolean barrier;
    /** Already written ahead of its turn (unordered execution). */
    boolean written;
    /** When the request arrived, for the Tracing server duration; 0 when tracing is off. */
    long startNanos;

    Slot(ClientSession session, byte opcode, int clientOpaque, boolean quiet) {
        super(quiet);
        this.session = session;
        this.opcode = opcode;
        this.clientOpaque = clientOpaque;
    }

    @Override
    void complete(ByteBuf frame) {
        if (frame != null) {
            // The backend's own bytes go back to the client: only the opaque is patched, in place.
            Mcbp.setOpaque(frame, clientOpaque);
        }
        settle(frame);
    }

    @Override
    void fail(Status status) {
        settle(session.error(opcode, status, clientOpaque));
    }

    /** Completes with a response built by kvgate (ownership passes to the slot) or none. */
    void settle(ByteBuf frame) {
        if (done || session.isClosed()) {
            if (frame != null) {
                frame.release();
            }
            return;
        }
        session.backends.counters.answered(opcode, frame);
        response = frame;
        done = true;
        session.slotDone(this);
    }
}
