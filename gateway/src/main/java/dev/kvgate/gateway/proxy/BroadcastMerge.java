package dev.kvgate.gateway.proxy;

import dev.kvgate.mcbp.Mcbp;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBuf;

/**
 * Combines the answers of a request sent to every shard (FLUSH, VERBOSITY) into the one answer the
 * client expects: the first error if any shard failed, else the first success (silence for a quiet
 * request that succeeded everywhere). One object per broadcast, a rare command; the shards' parts
 * ({@link #part}) are the waiters of its copies.
 */
final class BroadcastMerge implements Waiter {
    private final ResponseQueue queue;
    private final long seq;
    private final boolean quiet;
    private int remaining;
    private ByteBuf chosen;
    private boolean chosenIsError;

    BroadcastMerge(ResponseQueue queue, long seq, boolean quiet, int parts) {
        this.queue = queue;
        this.seq = seq;
        this.quiet = quiet;
        this.remaining = parts;
    }

    /** The waiter of each shard's copy (the shards' sequence numbers are not used). */
    Waiter part() {
        return this;
    }

    @Override
    public void answer(long ignored, ByteBuf response) {
        offer(response);
    }

    @Override
    public void fail(long ignored, Status status) {
        offer(queue.error(queue.opcode(seq), status, queue.clientOpaque(seq)));
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
            if (answer != null && quiet && !chosenIsError) {
                answer.release();
                answer = null;
            }
            queue.answer(seq, answer);
        }
    }
}
