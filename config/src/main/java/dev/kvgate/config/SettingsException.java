package dev.kvgate.config;

/** An invalid configuration value, named by its full path, e.g. {@code kvgate.shards[1]: "foo" is not host:port}. */
public final class SettingsException extends RuntimeException {
    private final String path;

    public SettingsException(String path, String problem) {
        super(path + ": " + problem);
        this.path = path;
    }

    private SettingsException(String message, boolean unused) {
        super(message);
        this.path = "kvgate";
    }

    /** A problem found by typesafe-config, whose message already names the path. */
    public static SettingsException of(String message) {
        return new SettingsException(message, true);
    }

    public String path() {
        return path;
    }
}
