package dev.kvgate.mcbp;

/**
 * What the frame decoder hands on instead of a frame when the input cannot be framed. After it the
 * decoder discards everything the peer sends; the session decides what to answer and closes.
 *
 * @param opcode and {@code opaque} of the offending header, meaningful for {@link Kind#OVERSIZE}
 */
public record FrameError(Kind kind, byte opcode, int opaque, String reason) {
    public enum Kind {
        /** A sane header announcing a body beyond the configured maximum: answer 0x03, then close. */
        OVERSIZE,
        /** A header that is not mcbp (bad magic, lengths that contradict each other): close. */
        MALFORMED,
        /** A frame left incomplete longer than the frame read timeout (a stalled or slowloris peer): close. */
        STALLED,
        /**
         * A request larger than the whole memory budget: answer 0x03 (too large); its body is skipped
         * as it arrives and the connection goes on.
         */
        OVER_BUDGET
    }
}
