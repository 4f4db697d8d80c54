package dev.kvgate.gateway.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a reload changes, setting by setting, from the effective configurations before and after:
 * each leaf under {@code kvgate} (a list is one setting) whose value differs, and whether it applies
 * live or needs a restart. Values that may hold secrets are not shown.
 */
final class ConfigDiff {
    /** Settings read once at start: a change is logged and waits for a restart. */
    static final List<String> RESTART = List.of("kvgate.io-threads", "kvgate.listeners", "kvgate.embedded",
            "kvgate.memory", "kvgate.admin", "kvgate.log.format", "kvgate.backend.connections-per-shard");

    /** One changed setting; {@code before} or {@code after} null when unset (null in HOCON). */
    record Change(String path, ConfigValue before, ConfigValue after, boolean restart) {
        /** "1024 -> 2048", secrets left out. */
        String describe() {
            return show(before) + " -> " + show(after);
        }

        private String show(ConfigValue v) {
            if (v == null) {
                return "null";
            }
            if (path.endsWith("password") || path.equals("kvgate.topology.http.headers")) {
                return "(not shown)";
            }
            if (path.equals("kvgate.auth.users")) {
                // Names only: the password hashes stay out of the log.
                List<String> names = new ArrayList<>();
                for (Object u : (List<?>) v.unwrapped()) {
                    names.add(u instanceof Map<?, ?> m ? String.valueOf(m.get("name")) : "?");
                }
                return "users " + names;
            }
            return v.render(ConfigRenderOptions.concise());
        }
    }

    private ConfigDiff() {
    }

    /** Every setting that differs, in path order. */
    static List<Change> between(Config before, Config after) {
        Map<String, ConfigValue> a = leaves(before);
        Map<String, ConfigValue> b = leaves(after);
        TreeMap<String, Boolean> paths = new TreeMap<>();
        a.keySet().forEach(p -> paths.put(p, true));
        b.keySet().forEach(p -> paths.put(p, true));
        List<Change> out = new ArrayList<>();
        for (String path : paths.keySet()) {
            ConfigValue x = a.get(path);
            ConfigValue y = b.get(path);
            if (!Objects.equals(x == null ? null : x.unwrapped(), y == null ? null : y.unwrapped())) {
                out.add(new Change(path, x, y, needsRestart(path)));
            }
        }
        return out;
    }

    static boolean needsRestart(String path) {
        for (String r : RESTART) {
            if (path.equals(r) || path.startsWith(r + ".")) {
                return true;
            }
        }
        return false;
    }

    /** {@code config} with the running value of each setting that needs a restart put back. */
    static Config keepRunning(Config next, List<Change> changes) {
        Config out = next;
        for (Change c : changes) {
            if (c.restart()) {
                out = c.before() == null ? out.withoutPath(c.path()) : out.withValue(c.path(), c.before());
            }
        }
        return out;
    }

    private static Map<String, ConfigValue> leaves(Config c) {
        Map<String, ConfigValue> out = new TreeMap<>();
        if (!c.hasPath("kvgate")) {
            return out;
        }
        for (Map.Entry<String, ConfigValue> e : c.getConfig("kvgate").entrySet()) {
            out.put("kvgate." + e.getKey(), e.getValue());
        }
        return out;
    }
}
