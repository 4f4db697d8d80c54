package dev.kvgate.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns typesafe-config's exceptions into one sentence an operator can act on: where (file and
 * line), the full setting path, then what was expected, e.g. {@code /etc/kvgate.conf line 3:
 * expecting a close bracket ']' but reached the end of the file}. Typesafe's own text puts its
 * origin first, names paths relative to the section being read and appends quoting advice that
 * rarely fits a truncated file; an operator reading a start failure needs none of that.
 */
final class Problems {
    private static final Pattern WRONG_TYPE = Pattern.compile("(.+) has type (\\w+) rather than (.+)");
    private static final Pattern NULL = Pattern.compile("Configuration key '(.+)' is set to null but expected (.+)");
    private static final Pattern BAD_VALUE = Pattern.compile("Invalid value at '(.+?)': (.+)");
    private static final Pattern MISSING = Pattern.compile("No configuration setting found for key '(.+)'");
    private static final Pattern NO_NUMBER = Pattern.compile("No number in (duration|size-in-bytes) value '(.*)'");
    private static final Pattern VALIDATION = Pattern.compile("Wrong value type at '.*', expecting: (.+) but got: (.+)");

    /** Typesafe's parser messages for something left open (mostly a file cut short), as what was expected. */
    private static final List<String[]> LEFT_OPEN = List.of(
            new String[] {"List should have (ended with )?\\] or .*instead had token: end of file",
                    "expecting a close bracket ']' but reached the end of the file"},
            new String[] {"List should have had new element after a comma, instead had token: end of file",
                    "expecting a list element after the comma but reached the end of the file"},
            new String[] {"Expecting close brace \\} or .*got end of file",
                    "expecting a close brace '}' but reached the end of the file"},
            // Typesafe's key parser says this when a key, or the object's close brace, was expected:
            // an object left open after its last line (an include left open says it too, but rarely).
            new String[] {"expecting a close parentheses '\\)' here, not: end of file",
                    "expecting a close brace '}' but reached the end of the file"},
            new String[] {"Expecting a value but got wrong token: end of file",
                    "expecting a value but reached the end of the file"},
            new String[] {".*End of input but string quote was still open.*",
                    "expecting a closing quote '\"' but reached the end of the file"},
            new String[] {".*End of input but triple-quoted string was still open.*",
                    "expecting a closing '\"\"\"' but reached the end of the file"},
            new String[] {".*'newline' \\(JSON does not allow unescaped newline in quoted strings.*",
                    "expecting a closing quote '\"' before the end of the line"});

    private Problems() {
    }

    /**
     * The sentence for {@code e}.
     *
     * @param prefix what typesafe's paths are relative to ("kvgate.limits.", "" for the root)
     * @param scope the config those relative paths resolve in, to quote the offending value; may be null
     */
    static String describe(ConfigException e, String prefix, Config scope) {
        List<ConfigException.ValidationProblem> problems = new java.util.ArrayList<>();
        if (e instanceof ConfigException.ValidationFailed v) {
            v.problems().forEach(problems::add);
        }
        if (!problems.isEmpty()) {
            ConfigException.ValidationProblem p = problems.get(0);
            String what = prefix + p.path() + ": " + validation(p.problem());
            int more = problems.size() - 1;
            return located(p.origin(), what + (more > 0 ? " (and " + more + " more)" : ""));
        }
        String message = String.valueOf(e.getMessage()).replace('\n', ' ');
        ConfigOrigin origin = e.origin();
        if (origin != null && message.startsWith(origin.description() + ": ")) {
            message = message.substring(origin.description().length() + 2);
        }
        if (e instanceof ConfigException.Parse) {
            return located(origin, parse(message));
        }
        Matcher m = WRONG_TYPE.matcher(message);
        if (m.matches()) {
            String got = quoted(scope, m.group(1));
            return located(origin, prefix + m.group(1) + ": expecting " + article(m.group(3)) + " but got "
                    + (got != null ? got : article(m.group(2))));
        }
        m = NULL.matcher(message);
        if (m.matches()) {
            return located(origin, prefix + m.group(1) + ": expecting " + article(m.group(2)) + " but got null");
        }
        m = BAD_VALUE.matcher(message);
        if (m.matches()) {
            Matcher n = NO_NUMBER.matcher(m.group(2));
            String what = n.matches()
                    ? (n.group(1).equals("duration") ? "expecting a duration such as 10s" : "expecting a size such as 64MiB")
                            + " but got \"" + n.group(2) + "\""
                    : lowerFirst(m.group(2));
            return located(origin, prefix + m.group(1) + ": " + what);
        }
        m = MISSING.matcher(message);
        if (m.matches()) {
            return located(origin, prefix + m.group(1) + ": missing");
        }
        return located(origin, lowerFirst(message));
    }

    /** Why a file that exists could not be read, from typesafe's wrapped FileNotFoundException. */
    static String ioReason(ConfigException.IO e) {
        String m = e.getCause() != null ? String.valueOf(e.getCause().getMessage()) : String.valueOf(e.getMessage());
        int open = m.lastIndexOf(" (");
        return open >= 0 && m.endsWith(")") ? lowerFirst(m.substring(open + 2, m.length() - 1)) : m;
    }

    private static String parse(String message) {
        // Quoting advice is appended last, after the token (whose own description may hold parentheses).
        for (String advice : List.of(" (if you want ", " (if you intended ")) {
            int at = message.indexOf(advice);
            if (at >= 0) {
                message = message.substring(0, at);
            }
        }
        for (String[] t : LEFT_OPEN) {
            if (message.matches(t[0])) {
                return t[1];
            }
        }
        return lowerFirst(message);
    }

    private static String validation(String problem) {
        Matcher m = VALIDATION.matcher(problem);
        if (m.matches()) {
            return "expecting " + article(m.group(1)) + " but got " + article(m.group(2));
        }
        return lowerFirst(problem);
    }

    /** "FILE line N: what" for a file; typesafe's description for other sources; nothing for test strings. */
    private static String located(ConfigOrigin origin, String what) {
        if (origin == null) {
            return what;
        }
        if (origin.filename() != null) {
            return origin.filename() + (origin.lineNumber() >= 0 ? " line " + origin.lineNumber() : "") + ": " + what;
        }
        String description = origin.description();
        if (description.startsWith("String")) {
            return what;
        }
        return description + ": " + what;
    }

    /** A scalar's text as written ("many"), so the operator sees which value is wrong; null for others. */
    private static String quoted(Config scope, String path) {
        if (scope == null) {
            return null;
        }
        try {
            ConfigValue v = scope.getValue(path);
            if (v.valueType() == ConfigValueType.OBJECT || v.valueType() == ConfigValueType.LIST) {
                return null;
            }
            return v.render(ConfigRenderOptions.concise());
        } catch (ConfigException | IllegalArgumentException e) {
            return null;
        }
    }

    /** Typesafe's type names (NUMBER, "object with keys [...]", "list") as an English noun phrase. */
    private static String article(String type) {
        String t = type.toLowerCase(Locale.ROOT);
        if (t.startsWith("object")) {
            return "an object";
        }
        if (t.equals("null")) {
            return "null";
        }
        return (t.startsWith("a") || t.startsWith("e") || t.startsWith("i") || t.startsWith("o") || t.startsWith("u")
                ? "an " : "a ") + t;
    }

    /** Lower-cases a leading capital so the text reads on after "line 3: ", but leaves "JSON ..." alone. */
    private static String lowerFirst(String s) {
        if (s.length() > 1 && Character.isUpperCase(s.charAt(0)) && Character.isLowerCase(s.charAt(1))) {
            return Character.toLowerCase(s.charAt(0)) + s.substring(1);
        }
        return s;
    }
}
