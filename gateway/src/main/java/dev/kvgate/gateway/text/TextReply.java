package dev.kvgate.gateway.text;

/**
 * What one binary request made from a text or meta command stands for: how its answer (or its
 * silence) is written back as text. Made by {@link TextDecoder}, consumed by {@link TextEncoder} in
 * request order; both run on the connection's event loop.
 */
final class TextReply {
    /** How the binary answer is turned into text. */
    enum Kind {
        /** GETK/GETKQ/GATK/GATKQ of get, gets, gat, gats: a VALUE line on a hit; END after the last key. */
        VALUE,
        /** set, add, replace, append, prepend, cas. */
        STORE,
        DELETE,
        ARITH,
        TOUCH,
        /** flush_all, verbosity: OK. */
        OK,
        VERSION,
        STATS,
        /** A NOOP carrying a line made by the decoder (an error, END), written in its turn. */
        LITERAL,
        META_GET,
        META_SET,
        META_DELETE,
        META_ARITH,
        /** QUIT: nothing is written; the session closes. */
        NONE
    }

    final Kind kind;
    final int opaque;
    /** No answer at all (noreply), whatever the backend says. */
    boolean noreply;
    /** VALUE: show the CAS (gets, gats); META_*: the command's flags, in order. */
    boolean cas;
    /** VALUE: write END after this key's answer (the last key of the line). */
    boolean end;
    /** STORE: the command, for how memcached words a refusal ("add" exists: NOT_STORED; "cas": EXISTS). */
    String command;
    /** LITERAL: the text to write, CRLF included. */
    byte[] literal;
    /** META_*: the key as given (for the k flag), the flags as given, the O token. */
    String key;
    String flags;
    String metaOpaque;
    /** META_*: q given (a silent success or miss writes nothing). */
    boolean quiet;

    TextReply(Kind kind, int opaque) {
        this.kind = kind;
        this.opaque = opaque;
    }
}
