package dev.kvgate.gateway.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.Properties;

/**
 * kvgate's release, written in one place (the Maven project version) and read back from the jar's
 * manifest ({@code Implementation-Version}) or, when run from classes, from the
 * {@code version.properties} the build filters.
 */
public final class Version {
    private static final Optional<String> NUMBER = find();

    private Version() {
    }

    /** The release, e.g. "0.1.0" or "0.1.0-SNAPSHOT"; empty when compiled outside the Maven build. */
    public static Optional<String> number() {
        return NUMBER;
    }

    private static Optional<String> find() {
        Package p = Version.class.getPackage();
        String manifest = p == null ? null : p.getImplementationVersion();
        if (manifest != null && !manifest.isBlank()) {
            return Optional.of(manifest.trim());
        }
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return Optional.empty();
            }
            Properties props = new Properties();
            props.load(in);
            String v = props.getProperty("version", "").trim();
            // Unfiltered (an IDE copying resources itself): the placeholder is no version.
            return v.isEmpty() || v.contains("${") ? Optional.empty() : Optional.of(v);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
