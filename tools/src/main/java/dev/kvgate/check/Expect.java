package dev.kvgate.check;

import dev.kvgate.client.Response;
import dev.kvgate.mcbp.Magic;
import dev.kvgate.mcbp.Status;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * What a scripted case says one request gets back: an answer (status, key echo, flags, value, CAS
 * relation, counter value), no answer at all (a quiet command), or a closed connection. Unless a case
 * says otherwise an answer has no key, no extras, CAS 0, and as value nothing on success or, on an
 * error, some text: memcached's own when the run is strict about texts.
 */
final class Expect {
    enum Kind { ANSWER, SILENT, CLOSED }

    private enum CasRule { ZERO, NEW, SAME, NON_ZERO }

    private final Kind kind;
    private final int status;
    private String key;
    private int keyLength;
    private Integer flags;
    private byte[] value;
    private Long counter;
    private boolean anyNonEmptyValue;
    private CasRule cas = CasRule.ZERO;
    private String casName;
    /** The value is the server's text for an error: compared only when the run is strict about texts. */
    private boolean errorText;
    private final java.util.Map<Integer, String> unsupportedIf = new java.util.LinkedHashMap<>();

    private Expect(Kind kind, int status) {
        this.kind = kind;
        this.status = status;
    }

    static Expect ok() {
        return new Expect(Kind.ANSWER, 0);
    }

    static Expect error(Status status) {
        Expect e = new Expect(Kind.ANSWER, status.code() & 0xffff);
        e.value = status.message().getBytes(StandardCharsets.US_ASCII);
        e.errorText = true;
        return e;
    }

    /** No response: a quiet command that succeeded, or a quiet get that missed. */
    static Expect silent() {
        return new Expect(Kind.SILENT, 0);
    }

    /** The connection is closed before an answer arrives. */
    static Expect closed() {
        return new Expect(Kind.CLOSED, 0);
    }

    /** The answer echoes the request's key (GETK family). */
    Expect key(String name) {
        key = name;
        return this;
    }

    Expect key(String name, int length) {
        key = name;
        keyLength = length;
        return this;
    }

    /** The answer carries 4 bytes of extras holding these flags. */
    Expect flags(int f) {
        flags = f;
        return this;
    }

    Expect value(String v) {
        value = Req.bytes(v);
        errorText = false;
        return this;
    }

    Expect value(byte[] v) {
        value = v;
        errorText = false;
        return this;
    }

    /**
     * An answer with {@code status} means the server does not offer what the case tests (e.g. 0x81 to
     * HELLO): the case is reported unsupported, with {@code reason}.
     */
    Expect unsupportedIf(Status status, String reason) {
        unsupportedIf.put(status.code() & 0xffff, reason);
        return this;
    }

    /** The value is the 8-byte counter of an INCREMENT/DECREMENT answer. */
    Expect counter(long c) {
        counter = c;
        return this;
    }

    /** Any non-empty value (VERSION's text differs by design). */
    Expect someValue() {
        anyNonEmptyValue = true;
        return this;
    }

    /**
     * A CAS that is non-zero and differs from every CAS named so far for the same key; from now on it
     * is {@code name}.
     */
    Expect newCas(String name) {
        cas = CasRule.NEW;
        casName = name;
        return this;
    }

    /** The CAS named {@code name} earlier. */
    Expect sameCas(String name) {
        cas = CasRule.SAME;
        casName = name;
        return this;
    }

    /** Any non-zero CAS; no relation to others is checked. */
    Expect someCas() {
        cas = CasRule.NON_ZERO;
        return this;
    }

    Kind kind() {
        return kind;
    }

    /**
     * Adds a line to {@code problems} for every way {@code r} differs from this expectation; error texts
     * are compared only when {@code strictTexts}.
     *
     * @throws Unsupported the answer's status says the server does not offer what the case tests
     */
    void check(Req req, Response r, Script s, boolean strictTexts, List<String> problems) {
        String unsupported = unsupportedIf.get(r.status());
        if (unsupported != null) {
            throw new Unsupported(unsupported + String.format(": 0x%04x", r.status()));
        }
        byte opcode = req.opcode();
        if (r.magic() != Magic.RESPONSE.code()) {
            problems.add(String.format("magic 0x%02x, expected 0x81", r.magic() & 0xff));
        }
        if (r.opcode() != opcode) {
            problems.add(String.format("opcode 0x%02x, expected 0x%02x", r.opcode() & 0xff, opcode & 0xff));
        }
        if (r.status() != status) {
            problems.add(String.format("status 0x%04x, expected 0x%04x", r.status(), status));
        }
        byte[] expectedKey = key == null ? new byte[0] : s.key(key, keyLength);
        if (!Arrays.equals(r.key(), expectedKey)) {
            problems.add("key " + show(r.key()) + ", expected " + show(expectedKey));
        }
        if (flags == null) {
            if (r.extras().length != 0) {
                problems.add("extras " + show(r.extras()) + ", expected none");
            }
        } else if (r.extras().length != 4) {
            problems.add("extras " + show(r.extras()) + ", expected 4 bytes of flags " + hexInt(flags));
        } else if (r.flags() != flags) {
            problems.add("flags " + hexInt(r.flags()) + ", expected " + hexInt(flags));
        }
        if (counter != null) {
            if (r.value().length != 8) {
                problems.add("value " + show(r.value()) + ", expected an 8-byte counter " + Long.toUnsignedString(counter));
            } else if (r.counterValue() != counter) {
                problems.add("counter " + Long.toUnsignedString(r.counterValue()) + ", expected "
                        + Long.toUnsignedString(counter));
            }
        } else if (anyNonEmptyValue) {
            if (r.value().length == 0) {
                problems.add("empty value, expected some text");
            }
        } else if (!errorText || strictTexts) {
            byte[] expectedValue = value == null ? new byte[0] : value;
            if (!Arrays.equals(r.value(), expectedValue)) {
                problems.add("value " + show(r.value()) + ", expected " + show(expectedValue));
            }
        }
        checkCas(req.key(), r.cas(), s, problems);
    }

    private void checkCas(String reqKey, long got, Script s, List<String> problems) {
        switch (cas) {
            case ZERO -> {
                if (got != 0) {
                    problems.add("CAS " + got + " " + s.casNamesOf(got) + ", expected 0");
                }
            }
            case NON_ZERO -> {
                if (got == 0) {
                    problems.add("CAS 0, expected non-zero");
                }
            }
            case SAME -> {
                long want = s.cas(casName);
                if (got != want) {
                    problems.add("CAS " + got + " " + s.casNamesOf(got) + ", expected " + casName + " (" + want + ")");
                }
            }
            case NEW -> {
                if (s.hasCas(casName)) {
                    throw new IllegalStateException("the table names CAS '" + casName + "' twice");
                }
                List<String> seen = s.casNamesOf(reqKey, got);
                if (got == 0 || !seen.isEmpty()) {
                    problems.add("CAS " + got + (seen.isEmpty() ? "" : " (same as " + seen + ")")
                            + ", expected a new non-zero CAS");
                }
                if (got != 0) {
                    s.nameCas(casName, reqKey, got);
                }
            }
            default -> throw new AssertionError(cas);
        }
    }

    @Override
    public String toString() {
        return switch (kind) {
            case SILENT -> "no answer";
            case CLOSED -> "connection closed";
            case ANSWER -> {
                StringBuilder b = new StringBuilder(String.format("status 0x%04x", status));
                if (key != null) {
                    b.append(" key=").append(key);
                }
                if (flags != null) {
                    b.append(" flags=").append(hexInt(flags));
                }
                if (counter != null) {
                    b.append(" counter=").append(Long.toUnsignedString(counter));
                } else if (anyNonEmptyValue) {
                    b.append(" value=(any)");
                } else if (value != null && value.length > 0) {
                    b.append(" value=").append(show(value));
                }
                switch (cas) {
                    case NEW -> b.append(" cas=new ").append(casName);
                    case SAME -> b.append(" cas=").append(casName);
                    case NON_ZERO -> b.append(" cas!=0");
                    default -> { }
                }
                yield b.toString();
            }
        };
    }

    private static String hexInt(int i) {
        return String.format("0x%08x", i);
    }

    /** Printable ASCII as a quoted string, anything else as hex; long values by length and a prefix. */
    static String show(byte[] b) {
        boolean printable = true;
        for (byte x : b) {
            if (x < 0x20 || x > 0x7e) {
                printable = false;
                break;
            }
        }
        int shown = Math.min(b.length, 40);
        String head = printable
                ? "\"" + new String(b, 0, shown, StandardCharsets.US_ASCII) + "\""
                : "0x" + ByteBufUtil.hexDump(b, 0, shown);
        return b.length > shown ? head + "... (" + b.length + " bytes)" : head;
    }
}
