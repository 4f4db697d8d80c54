package dev.kvgate.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Loads kvgate's configuration: system properties over the user's file over {@code reference.conf},
 * checked against the reference and read eagerly into {@link KvgateSettings}. Defaults live only in
 * {@code reference.conf}; nothing here invents one.
 */
public final class Settings {
    private static final String ROOT = "kvgate";
    /** -Dkvgate.* properties the process reads itself (LogConfigurator, Transport): not settings. */
    private static final List<String> PROCESS_PROPERTIES = List.of("kvgate.log", "kvgate.nio");

    private Settings() {
    }

    /**
     * Loads the configuration.
     *
     * @param file the user's HOCON file, if any
     * @throws SettingsException naming the offending path, and for typesafe's own findings (syntax,
     *     types) the file and line, in one sentence
     */
    public static KvgateSettings load(Optional<Path> file) {
        return loadWithConfig(file).settings();
    }

    /**
     * Settings read, with the effective configuration they were read from: what a reload compares
     * setting by setting to say what changed.
     *
     * @param config the resolved configuration (system properties over the file over the reference);
     *               its {@code kvgate} section holds every setting
     */
    public record Loaded(KvgateSettings settings, Config config) {
    }

    /** As {@link #load}, with the effective configuration. */
    public static Loaded loadWithConfig(Optional<Path> file) {
        return from(file.map(Settings::parseFile).orElse(ConfigFactory.empty()));
    }

    /**
     * The file's own problems are reported before any merging, by file and line. Typesafe would say
     * only "FileNotFoundException", so the common reasons are named first.
     */
    private static Config parseFile(Path f) {
        String unreadable = Files.isDirectory(f) ? "is a directory"
                : Files.notExists(f) ? "no such file"
                : !Files.isReadable(f) ? "permission denied" : null;
        if (unreadable != null) {
            throw new SettingsException(f.toString(), "cannot read configuration file (" + unreadable + ")");
        }
        try {
            return ConfigFactory.parseFile(f.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException.IO e) {
            throw new SettingsException(f.toString(), "cannot read configuration file (" + Problems.ioReason(e) + ")");
        } catch (ConfigException e) {
            throw SettingsException.of(Problems.describe(e, "", null));
        }
    }

    /** Settings from HOCON text over the reference (and system properties); for tests and tools. */
    public static KvgateSettings parse(String hocon) {
        return parseWithConfig(hocon).settings();
    }

    /** As {@link #parse}, with the effective configuration. */
    public static Loaded parseWithConfig(String hocon) {
        Config user;
        try {
            user = ConfigFactory.parseString(hocon);
        } catch (ConfigException e) {
            throw SettingsException.of(Problems.describe(e, "", null));
        }
        return from(user);
    }

    /**
     * The built-in defaults alone: what --help quotes. Unresolved, because typesafe's resolved
     * reference has the system properties merged in.
     */
    public static KvgateSettings reference() {
        ConfigFactory.invalidateCaches();
        return within(ConfigFactory.defaultReferenceUnresolved().resolve().getConfig(ROOT), ROOT + ".", Settings::read);
    }

    private static Loaded from(Config user) {
        ConfigFactory.invalidateCaches();
        // Unresolved: the resolved reference has the system properties in it, so a misspelt
        // -Dkvgate.key would count as known.
        Config reference = ConfigFactory.defaultReferenceUnresolved().resolve();
        Config config;
        try {
            config = overrides().withFallback(user).withFallback(reference).resolve();
        } catch (ConfigException e) {
            throw SettingsException.of(Problems.describe(e, "", null));
        }
        try {
            config.checkValid(reference, ROOT);
            rejectUnknownKeys(overrides().withFallback(user), reference);
        } catch (ConfigException e) {
            throw SettingsException.of(Problems.describe(e, "", config));
        }
        return new Loaded(within(config.getConfig(ROOT), ROOT + ".", Settings::read), config);
    }

    private static Config overrides() {
        Config overrides = ConfigFactory.defaultOverrides();
        for (String path : PROCESS_PROPERTIES) {
            overrides = overrides.withoutPath(path);
        }
        return overrides;
    }

    /** The whole effective configuration under {@code kvgate}, for other modules' sections. */
    public static Config effective(Optional<Path> file) {
        Config user = file.map(f -> ConfigFactory.parseFile(f.toFile())).orElse(ConfigFactory.empty());
        return ConfigFactory.defaultOverrides().withFallback(user).withFallback(ConfigFactory.defaultReference())
                .resolve().getConfig(ROOT);
    }

    /**
     * A misspelt key would otherwise be ignored in silence and its default used. Keys below a list
     * index given as a property (kvgate.shards.0=...) are checked up to the list.
     */
    private static void rejectUnknownKeys(Config given, Config reference) {
        if (!given.hasPath(ROOT)) {
            return;
        }
        Config ours;
        try {
            ours = given.getConfig(ROOT);
        } catch (ConfigException.WrongType e) {
            throw new SettingsException(ROOT, "must be an object");
        }
        for (java.util.Map.Entry<String, ConfigValue> e : ours.entrySet()) {
            String path = e.getKey();
            String known = ROOT;
            for (String segment : com.typesafe.config.ConfigUtil.splitPath(path)) {
                if (segment.chars().allMatch(Character::isDigit)) {
                    break;
                }
                known = known + "." + com.typesafe.config.ConfigUtil.quoteString(segment).replace("\"", "");
                if (!reference.hasPathOrNull(known)) {
                    throw new SettingsException(known, "unknown setting (see reference.conf for the valid ones)");
                }
                if (reference.getIsNull(known) || reference.getValue(known).valueType() != ConfigValueType.OBJECT) {
                    break;
                }
            }
        }
    }

    /**
     * Reads one section; typesafe names keys relative to the config it is asked, so its messages get
     * the section's full path put back in ("'max-frame'" -> "kvgate.limits.max-frame").
     */
    static <T> T section(Config c, String name, java.util.function.Function<Config, T> reader) {
        return within(c.getConfig(name), ROOT + "." + name + ".", reader);
    }

    /** Reads {@code scope}, whose paths are relative to {@code prefix} (e.g. "kvgate.listeners[1]."). */
    private static <T> T within(Config scope, String prefix, java.util.function.Function<Config, T> reader) {
        try {
            return reader.apply(scope);
        } catch (ConfigException e) {
            throw SettingsException.of(Problems.describe(e, prefix, scope));
        }
    }

    private static KvgateSettings read(Config c) {
        int ioThreads = c.getInt("io-threads");
        if (ioThreads < 0) {
            throw new SettingsException("kvgate.io-threads", "must be >= 0 (0 = one per core), was " + ioThreads);
        }
        return new KvgateSettings(
                ioThreads == 0 ? Runtime.getRuntime().availableProcessors() : ioThreads,
                listeners(c),
                section(c, "tls", Settings::tls),
                new RoutingSettings(c.getString("routing.hash")),
                shards(c),
                section(c, "embedded", Settings::embedded),
                section(c, "backend", Settings::backend),
                section(c, "limits", Settings::limits),
                positive(c, "shutdown.drain-timeout", "kvgate.shutdown.drain-timeout"),
                section(c, "backend-tls", Settings::backendTls),
                section(c, "auth", Settings::auth),
                section(c, "memory", Settings::memory),
                section(c, "admin", Settings::admin),
                section(c, "log", Settings::log),
                notNegative(c, "shutdown.not-ready-delay", "kvgate.shutdown.not-ready-delay"),
                topology(c),
                new ReloadSettings(notNegative(c, "reload.watch-interval", "kvgate.reload.watch-interval")));
    }

    private static TopologySettings topology(Config c) {
        TopologySettings t = section(c, "topology", Settings::topologySection);
        if (t.source() != TopologySettings.Source.STATIC && !c.getList("shards").isEmpty()) {
            throw new SettingsException("kvgate.shards", "must be empty with topology.source = "
                    + t.source().name().toLowerCase(Locale.ROOT) + ": the shards come from there");
        }
        return t;
    }

    private static TopologySettings topologySection(Config t) {
        TopologySettings.Source source = enumValue(t, "source", TopologySettings.Source.class,
                "kvgate.topology.source");
        String name = t.getIsNull("dns.name") ? null : t.getString("dns.name").trim();
        if (source == TopologySettings.Source.DNS && (name == null || name.isEmpty())) {
            throw new SettingsException("kvgate.topology.dns.name", "topology.source = dns needs a name to resolve");
        }
        TopologySettings.RecordType record = enumValue(t, "dns.record", TopologySettings.RecordType.class,
                "kvgate.topology.dns.record");
        int port = t.getInt("dns.port");
        if (port < 1 || port > 65535) {
            throw new SettingsException("kvgate.topology.dns.port", port + " is not a port (1-65535)");
        }
        List<ShardSettings> servers = new ArrayList<>();
        List<String> given = t.getStringList("dns.servers");
        for (int i = 0; i < given.size(); i++) {
            String path = "kvgate.topology.dns.servers[" + i + "]";
            String server = given.get(i).trim();
            String withPort;
            if (server.startsWith("[")) {
                withPort = server.contains("]:") ? server : server + ":53";
            } else if (server.indexOf(':') < 0) {
                withPort = server + ":53";
            } else if (server.indexOf(':') != server.lastIndexOf(':')) {
                withPort = "[" + server + "]:53"; // a bare IPv6 address
            } else {
                withPort = server;
            }
            ShardSettings hp = hostPort(withPort, false, path);
            if (!isIpLiteral(hp.host())) {
                throw new SettingsException(path, "\"" + server + "\" is not an IP address (host names are not resolved here)");
            }
            servers.add(hp);
        }
        TopologySettings.Dns dns = new TopologySettings.Dns(name, record, port, t.getBoolean("dns.tls"),
                positive(t, "dns.interval", "kvgate.topology.dns.interval"),
                positive(t, "dns.timeout", "kvgate.topology.dns.timeout"), servers);

        java.net.URI url = null;
        if (!t.getIsNull("http.url")) {
            String raw = t.getString("http.url").trim();
            try {
                url = new java.net.URI(raw);
            } catch (java.net.URISyntaxException e) {
                throw new SettingsException("kvgate.topology.http.url", "\"" + raw + "\" is not a URL: " + e.getReason());
            }
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
                throw new SettingsException("kvgate.topology.http.url", "\"" + raw + "\" is not an http:// or https:// URL");
            }
        }
        if (source == TopologySettings.Source.HTTP && url == null) {
            throw new SettingsException("kvgate.topology.http.url", "topology.source = http needs a url");
        }
        List<String> headers = t.getStringList("http.headers");
        for (int i = 0; i < headers.size(); i++) {
            String h = headers.get(i);
            int colon = h.indexOf(':');
            if (colon <= 0 || !h.substring(0, colon).trim().matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")
                    || h.indexOf('\n') >= 0 || h.indexOf('\r') >= 0) {
                // The value is never echoed: it may be a credential.
                throw new SettingsException("kvgate.topology.http.headers[" + i + "]", "expected \"Name: value\"");
            }
        }
        TopologySettings.Http http = new TopologySettings.Http(url,
                positive(t, "http.interval", "kvgate.topology.http.interval"),
                positive(t, "http.timeout", "kvgate.topology.http.timeout"), optionalPath(t, "http.trust"), headers);
        return new TopologySettings(source, dns, http, positive(t, "start-timeout", "kvgate.topology.start-timeout"));
    }

    private static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return host.matches("[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?");
        }
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (!p.matches("[0-9]{1,3}") || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    private static AdminSettings admin(Config a) {
        int port = a.getInt("port");
        if (port < 0 || port > 65535) {
            throw new SettingsException("kvgate.admin.port", port + " is not a port (0-65535)");
        }
        return new AdminSettings(a.getBoolean("enabled"), a.getString("host"), port, readyShards(a));
    }

    /** all | any | a number in (0, 1]. */
    private static AdminSettings.ReadyShards readyShards(Config a) {
        String raw = a.getValue("ready-shards").unwrapped().toString().trim();
        switch (raw.toLowerCase(Locale.ROOT)) {
            case "all" -> {
                return new AdminSettings.ReadyShards(AdminSettings.ReadyShards.Kind.ALL, 1);
            }
            case "any" -> {
                return new AdminSettings.ReadyShards(AdminSettings.ReadyShards.Kind.ANY, 0);
            }
            default -> {
                double f;
                try {
                    f = Double.parseDouble(raw);
                } catch (NumberFormatException e) {
                    f = Double.NaN;
                }
                if (!(f > 0 && f <= 1)) {
                    throw new SettingsException("kvgate.admin.ready-shards",
                            "\"" + raw + "\" is not all, any or a fraction in (0, 1]");
                }
                return new AdminSettings.ReadyShards(AdminSettings.ReadyShards.Kind.FRACTION, f);
            }
        }
    }

    private static LogSettings log(Config l) {
        double sample = l.getDouble("access.sample");
        if (!(sample > 0 && sample <= 1)) {
            throw new SettingsException("kvgate.log.access.sample", "must be in (0, 1], was " + sample);
        }
        Optional<String> level = Optional.empty();
        if (!l.getIsNull("level")) {
            String raw = l.getString("level").trim().toUpperCase(Locale.ROOT);
            if (!List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF").contains(raw)) {
                throw new SettingsException("kvgate.log.level", "\"" + l.getString("level")
                        + "\" is not one of trace, debug, info, warn, error, off");
            }
            level = Optional.of(raw);
        }
        return new LogSettings(enumValue(l, "format", LogSettings.Format.class, "kvgate.log.format"),
                l.getBoolean("access.enabled"), sample, level);
    }

    private static Duration notNegative(Config c, String key, String path) {
        Duration d = c.getDuration(key);
        if (d.isNegative()) {
            throw new SettingsException(path, "must not be negative, was " + d);
        }
        return d;
    }
    private static MemorySettings memory(Config m) {
        java.util.OptionalLong budget = java.util.OptionalLong.empty();
        if (!"auto".equals(m.getValue("budget").unwrapped())) {
            long bytes = m.getBytes("budget");
            if (bytes < 1024 * 1024) {
                throw new SettingsException("kvgate.memory.budget", "must be auto or at least 1MiB, was " + bytes);
            }
            budget = java.util.OptionalLong.of(bytes);
        }
        double share = fraction(m, "share", "kvgate.memory.share");
        double high = fraction(m, "high-water", "kvgate.memory.high-water");
        double low = fraction(m, "low-water", "kvgate.memory.low-water");
        if (low >= high) {
            throw new SettingsException("kvgate.memory.low-water", "must be below high-water (" + high + "), was " + low);
        }
        long large = m.getBytes("large-frame");
        if (large < 4096 || large > 64L * 1024 * 1024) {
            throw new SettingsException("kvgate.memory.large-frame", "must be between 4KiB and 64MiB, was " + large);
        }
        return new MemorySettings(budget, share, high, low, (int) large);
    }

    private static double fraction(Config c, String key, String path) {
        double v = c.getDouble(key);
        if (!(v > 0 && v <= 1)) {
            throw new SettingsException(path, "must be a fraction in (0, 1], was " + v);
        }
        return v;
    }

    private static List<ListenerSettings> listeners(Config c) {
        List<ListenerSettings> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<? extends Config> list = c.getConfigList("listeners");
        for (int i = 0; i < list.size(); i++) {
            String path = "kvgate.listeners[" + i + "]";
            out.add(within(list.get(i), path + ".", l -> listener(l, path, names)));
        }
        if (out.isEmpty()) {
            throw new SettingsException("kvgate.listeners", "at least one listener is needed");
        }
        return out;
    }

    private static ListenerSettings listener(Config l, String path, Set<String> names) {
        requireKeys(l, path, "name", "port");
        String name = l.getString("name");
        if (!names.add(name)) {
            throw new SettingsException(path + ".name", "duplicate listener name \"" + name + "\"");
        }
        int port = l.getInt("port");
        if (port < 0 || port > 65535) {
            throw new SettingsException(path + ".port", port + " is not a port (0-65535)");
        }
        String host = l.hasPath("host") ? l.getString("host") : "0.0.0.0";
        boolean tls = l.hasPath("tls") && l.getBoolean("tls");
        ListenerSettings.Protocol protocol = l.hasPath("protocol")
                ? enumValue(l, "protocol", ListenerSettings.Protocol.class, path + ".protocol")
                : ListenerSettings.Protocol.AUTO;
        return new ListenerSettings(name, host, port, tls, protocol);
    }

    private static TlsSettings tls(Config t) {
        TlsSettings.Provider provider = enumValue(t, "provider", TlsSettings.Provider.class, "kvgate.tls.provider");
        TlsSettings.ClientAuth clientAuth =
                enumValue(t, "client-auth", TlsSettings.ClientAuth.class, "kvgate.tls.client-auth");
        Optional<Path> certChain = optionalPath(t, "cert-chain");
        Optional<Path> privateKey = optionalPath(t, "private-key");
        if (certChain.isPresent() != privateKey.isPresent()) {
            throw new SettingsException(certChain.isPresent() ? "kvgate.tls.private-key" : "kvgate.tls.cert-chain",
                    "cert-chain and private-key go together");
        }
        List<String> protocols = t.getStringList("protocols");
        for (int i = 0; i < protocols.size(); i++) {
            if (!protocols.get(i).equals("TLSv1.3") && !protocols.get(i).equals("TLSv1.2")) {
                throw new SettingsException("kvgate.tls.protocols[" + i + "]",
                        "\"" + protocols.get(i) + "\" is not allowed (TLSv1.3, TLSv1.2)");
            }
        }
        if (protocols.isEmpty()) {
            throw new SettingsException("kvgate.tls.protocols", "at least one protocol is needed");
        }
        Optional<Path> trust = optionalPath(t, "trust");
        if (clientAuth != TlsSettings.ClientAuth.NONE && trust.isEmpty()) {
            throw new SettingsException("kvgate.tls.trust", "client-auth = "
                    + clientAuth.name().toLowerCase(Locale.ROOT) + " needs a trust bundle");
        }
        return new TlsSettings(certChain, privateKey,
                t.getIsNull("key-password") ? Optional.empty() : Optional.of(t.getString("key-password")),
                provider, protocols, t.getStringList("ciphers"), clientAuth, trust,
                positive(t, "handshake-timeout", "kvgate.tls.handshake-timeout"),
                positive(t, "reload-interval", "kvgate.tls.reload-interval"),
                positive(t, "expiry-warning", "kvgate.tls.expiry-warning"),
                atLeast(t, "session-cache-size", 1, "kvgate.tls.session-cache-size"),
                positive(t, "session-timeout", "kvgate.tls.session-timeout"));
    }

    private static BackendTlsSettings backendTls(Config t) {
        Optional<Path> certChain = optionalPath(t, "cert-chain");
        Optional<Path> privateKey = optionalPath(t, "private-key");
        if (certChain.isPresent() != privateKey.isPresent()) {
            throw new SettingsException(certChain.isPresent() ? "kvgate.backend-tls.private-key"
                    : "kvgate.backend-tls.cert-chain", "cert-chain and private-key go together");
        }
        return new BackendTlsSettings(optionalPath(t, "trust"), certChain, privateKey,
                t.getBoolean("verify-hostname"));
    }

    private static AuthSettings auth(Config a) {
        AuthSettings.Mode mode = enumValue(a, "mode", AuthSettings.Mode.class, "kvgate.auth.mode");
        List<AuthSettings.User> users = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<? extends Config> list = a.getConfigList("users");
        for (int i = 0; i < list.size(); i++) {
            String path = "kvgate.auth.users[" + i + "]";
            users.add(within(list.get(i), path + ".", u -> user(u, path, names)));
        }
        List<AuthSettings.CertificateUser> certificateUsers = new ArrayList<>();
        List<? extends Config> mapped = a.getConfigList("certificate-users");
        for (int i = 0; i < mapped.size(); i++) {
            String path = "kvgate.auth.certificate-users[" + i + "]";
            certificateUsers.add(within(mapped.get(i), path + ".", m -> {
                for (String key : List.of("identity", "user")) {
                    if (!m.hasPath(key) || m.getString(key).isEmpty()) {
                        throw new SettingsException(path + "." + key, "missing");
                    }
                }
                return new AuthSettings.CertificateUser(m.getString("identity"), m.getString("user"));
            }));
        }
        AuthSettings settings = new AuthSettings(mode, a.getBoolean("allow-plain-on-plaintext"), users,
                certificateUsers);
        if (settings.saslEnabled() && users.isEmpty()) {
            throw new SettingsException("kvgate.auth.users", "auth.mode = "
                    + mode.name().toLowerCase(Locale.ROOT).replace('_', '-') + " needs at least one user");
        }
        if (settings.certificateEnabled() && certificateUsers.isEmpty()) {
            throw new SettingsException("kvgate.auth.certificate-users", "auth.mode = "
                    + mode.name().toLowerCase(Locale.ROOT).replace('_', '-') + " needs at least one mapping");
        }
        return settings;
    }

    private static AuthSettings.User user(Config u, String path, Set<String> names) {
        requireKeys(u, path, "name", "password");
        String name = u.getString("name");
        if (name.isEmpty() || !names.add(name)) {
            throw new SettingsException(path + ".name", name.isEmpty() ? "empty" : "duplicate user \"" + name + "\"");
        }
        String hash = u.getString("password");
        String problem = passwordHashProblem(hash);
        if (problem != null) {
            // The value is never echoed: it may be a plain-text password pasted by mistake.
            throw new SettingsException(path + ".password", problem);
        }
        return new AuthSettings.User(name, hash);
    }

    /** Why a configured password is not a salted hash kvgate understands; {@code null} when it is. */
    static String passwordHashProblem(String hash) {
        String[] parts = hash.split("\\$", -1);
        if (parts.length != 4 || !parts[0].equals("pbkdf2-sha256")) {
            return "not a password hash: expected pbkdf2-sha256$ITERATIONS$SALT$HASH (make one with kvgate hash-password)";
        }
        try {
            int iterations = Integer.parseInt(parts[1]);
            if (iterations < 10_000) {
                return "pbkdf2-sha256 hash with " + iterations + " iterations; at least 10000 are required";
            }
            java.util.Base64.Decoder b64 = java.util.Base64.getDecoder();
            if (b64.decode(parts[2]).length < 16 || b64.decode(parts[3]).length < 32) {
                return "pbkdf2-sha256 hash needs a salt of at least 16 bytes and a 32-byte hash";
            }
        } catch (IllegalArgumentException e) {
            return "malformed pbkdf2-sha256 hash: " + e.getMessage();
        }
        return null;
    }

    private static List<ShardSettings> shards(Config c) {
        return shardList(c.getList("shards"), "kvgate.shards");
    }

    /**
     * A list of shards written as {@code kvgate.shards} is: "host:port" strings or objects with
     * address, tls, name and weight. The topology sources read theirs with it too (an HTTP endpoint's
     * JSON), so both say the same about the same mistake.
     *
     * @param listPath how errors name the list, e.g. "kvgate.shards" gives "kvgate.shards[1]: ..."
     * @throws SettingsException naming the entry and what is wrong with it
     */
    public static List<ShardSettings> shardList(List<ConfigValue> list, String listPath) {
        try {
            return shardEntries(list, listPath);
        } catch (ConfigException e) {
            throw SettingsException.of(Problems.describe(e, listPath + ".", null));
        }
    }

    private static List<ShardSettings> shardEntries(List<ConfigValue> list, String listPath) {
        List<ShardSettings> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            String path = listPath + "[" + i + "]";
            ConfigValue v = list.get(i);
            String address;
            boolean tls = false;
            String name = null;
            int weight = 1;
            if (v.valueType() == ConfigValueType.STRING) {
                address = (String) v.unwrapped();
            } else if (v.valueType() == ConfigValueType.OBJECT) {
                Config o = ((com.typesafe.config.ConfigObject) v).toConfig();
                if (!o.hasPath("address")) {
                    throw new SettingsException(path + ".address", "missing");
                }
                address = within(o, path + ".", e -> e.getString("address"));
                tls = within(o, path + ".", e -> e.hasPath("tls") && e.getBoolean("tls"));
                name = within(o, path + ".", e -> e.hasPath("name") ? e.getString("name") : null);
                weight = within(o, path + ".", e -> e.hasPath("weight") ? e.getInt("weight") : 1);
                if (weight < 1) {
                    throw new SettingsException(path + ".weight", "must be at least 1, was " + weight);
                }
                if (name != null && name.isBlank()) {
                    throw new SettingsException(path + ".name", "must not be empty");
                }
            } else {
                throw new SettingsException(path, "expected \"host:port\" or { address = \"host:port\", tls = true }");
            }
            ShardSettings parsed = hostPort(address, tls, path);
            ShardSettings shard = new ShardSettings(parsed.host(), parsed.port(), tls, name, weight);
            if (!seen.add(shard.address())) {
                throw new SettingsException(path, "duplicate shard " + shard.address());
            }
            out.add(shard);
        }
        return out;
    }

    /** "host:port" (or "[v6]:port") as a shard address; the error names {@code path}. */
    public static ShardSettings hostPort(String address, boolean tls, String path) {
        String bad = "\"" + address + "\" is not host:port";
        String host;
        String portText;
        if (address.startsWith("[")) {
            int close = address.indexOf("]:");
            if (close < 0) {
                throw new SettingsException(path, bad);
            }
            host = address.substring(1, close);
            portText = address.substring(close + 2);
        } else {
            int colon = address.lastIndexOf(':');
            if (colon <= 0 || address.indexOf(':') != colon) {
                throw new SettingsException(path, bad);
            }
            host = address.substring(0, colon);
            portText = address.substring(colon + 1);
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new SettingsException(path, bad);
        }
        if (host.isBlank() || port < 1 || port > 65535) {
            throw new SettingsException(path, bad);
        }
        return new ShardSettings(host, port, tls);
    }

    private static EmbeddedSettings embedded(Config e) {
        long memory = e.getBytes("memory");
        long maxItem = e.getBytes("max-item-size");
        if (memory < 1024 * 1024) {
            throw new SettingsException("kvgate.embedded.memory", "must be at least 1MiB, was " + memory);
        }
        if (maxItem < 1024 || maxItem > memory) {
            throw new SettingsException("kvgate.embedded.max-item-size", "must be between 1KiB and memory, was " + maxItem);
        }
        return new EmbeddedSettings(atLeast(e, "shards", 1, "kvgate.embedded.shards"), memory, (int) maxItem);
    }

    private static BackendSettings backend(Config b) {
        Duration min = positive(b, "reconnect-min", "kvgate.backend.reconnect-min");
        Duration max = positive(b, "reconnect-max", "kvgate.backend.reconnect-max");
        if (max.compareTo(min) < 0) {
            throw new SettingsException("kvgate.backend.reconnect-max", "must not be below reconnect-min");
        }
        Duration request = positive(b, "request-timeout", "kvgate.backend.request-timeout");
        // A request held for a connection still being made fails at request-timeout; an attempt that
        // may outlive it would hold the shard's next requests too, and leave them to fail the same way.
        Duration connect = below(b, "connect-timeout", request, "kvgate.backend.connect-timeout");
        Duration handshake = below(b, "handshake-timeout", request, "kvgate.backend.handshake-timeout");
        return new BackendSettings(
                atLeast(b, "connections-per-shard", 1, "kvgate.backend.connections-per-shard"),
                connect, handshake, request,
                min, max,
                atLeast(b, "max-in-flight", 1, "kvgate.backend.max-in-flight"),
                enumValue(b, "on-shard-failure", BackendSettings.OnShardFailure.class, "kvgate.backend.on-shard-failure"),
                atLeast(b, "eject-after", 1, "kvgate.backend.eject-after"),
                positive(b, "retry-after", "kvgate.backend.retry-after"));
    }

    private static LimitsSettings limits(Config l) {
        long maxFrame = l.getBytes("max-frame");
        if (maxFrame < 1024 || maxFrame > Integer.MAX_VALUE - 1024) {
            throw new SettingsException("kvgate.limits.max-frame", "must be between 1KiB and 2GiB, was " + maxFrame);
        }
        return new LimitsSettings((int) maxFrame,
                positive(l, "idle-timeout", "kvgate.limits.idle-timeout"),
                atLeast(l, "max-in-flight", 1, "kvgate.limits.max-in-flight"),
                atLeast(l, "frames-per-read", 1, "kvgate.limits.frames-per-read"),
                atLeast(l, "max-connections", 1, "kvgate.limits.max-connections"),
                atLeast(l, "max-connections-per-ip", 1, "kvgate.limits.max-connections-per-ip"),
                positive(l, "frame-read-timeout", "kvgate.limits.frame-read-timeout"),
                opcodes(l, "pass-through-opcodes", "kvgate.limits.pass-through-opcodes"));
    }

    /** A list of opcodes, each a number (160) or a hex string ("0xa0"), 0 to 255, no repeats. */
    private static List<Integer> opcodes(Config c, String key, String path) {
        List<Integer> out = new ArrayList<>();
        List<Object> raw = c.getList(key).unwrapped();
        for (int i = 0; i < raw.size(); i++) {
            Object v = raw.get(i);
            int code;
            try {
                code = v instanceof Number n && n.doubleValue() == n.intValue() ? n.intValue() : Integer.decode(v.toString().trim());
            } catch (NumberFormatException e) {
                throw new SettingsException(path + "[" + i + "]", "\"" + v + "\" is not an opcode (0 to 255, or hex such as 0xa0)");
            }
            if (code < 0 || code > 255) {
                throw new SettingsException(path + "[" + i + "]", "opcode " + v + " is not between 0 and 255");
            }
            if (out.contains(code)) {
                throw new SettingsException(path + "[" + i + "]", "opcode " + v + " is listed twice");
            }
            out.add(code);
        }
        return out;
    }

    /** An entry of a list of objects must have these keys; the error names the entry's index. */
    private static void requireKeys(Config entry, String path, String... keys) {
        for (String key : keys) {
            if (!entry.hasPath(key)) {
                throw new SettingsException(path + "." + key, "missing");
            }
        }
    }

    private static Optional<Path> optionalPath(Config c, String key) {
        return c.getIsNull(key) ? Optional.empty() : Optional.of(Path.of(c.getString(key)));
    }

    private static Duration positive(Config c, String key, String path) {
        Duration d = c.getDuration(key);
        if (d.isNegative() || d.isZero()) {
            throw new SettingsException(path, "must be positive, was " + d);
        }
        return d;
    }

    private static Duration below(Config c, String key, Duration limit, String path) {
        Duration d = positive(c, key, path);
        if (d.compareTo(limit) >= 0) {
            throw new SettingsException(path, "must be below kvgate.backend.request-timeout (" + limit + "), was " + d);
        }
        return d;
    }

    private static int atLeast(Config c, String key, int min, String path) {
        int v = c.getInt(key);
        if (v < min) {
            throw new SettingsException(path, "must be >= " + min + ", was " + v);
        }
        return v;
    }

    private static <E extends Enum<E>> E enumValue(Config c, String key, Class<E> type, String path) {
        String raw = c.getString(key);
        try {
            return Enum.valueOf(type, raw.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            StringBuilder valid = new StringBuilder();
            for (E constant : type.getEnumConstants()) {
                valid.append(valid.length() == 0 ? "" : ", ").append(constant.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            }
            throw new SettingsException(path, "\"" + raw + "\" is not one of " + valid);
        }
    }
}
