package dev.kvgate.gateway.proxy;

import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Responses;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;

/**
 * Combines the answers of a request sent to every shard (FLUSH, VERBOSITY) into the one answer the
 * client expects: the first error if any shard failed, else the first success (silence for a quiet
 * request that succeeded everywhere).
 */
final class FanoutSlot {
    private final Slot slot;
    private int remaining;
    private ByteBuf chosen;
    private boolean chosenIsError;

    FanoutSlot(Slot slot, int parts) {
        this.slot = slot;
        this.remaining = parts;
    }

    Pending part() {
        return new Pending(slot.quiet) {
            @Override
            void complete(ByteBuf response) {
                offer(response);
            }

            @Override
            void fail(Status status) {
                offer(slot.session.error(slot.opcode, status, slot.clientOpaque));
            }
        };
    }

    private void offer(ByteBuf response) {
        if (response != null) {
            boolean error = Mcbp.status(response) != 0;
            if (chosen == null || (error && !chosenIsError)) {
                if (chosen != null) {
                    chosen.release();
                }
                chosen = response;
                chosenIsError = error;
            } else {
                response.release();
            }
        }
        if (--remaining == 0) {
            ByteBuf answer = chosen;
            chosen = null;
            if (answer != null && slot.quiet && !chosenIsError) {
                answer.release();
                answer = null;
            }
            slot.complete(answer);
        }
    }
}
