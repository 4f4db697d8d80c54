package dev.kvgate.config;

import java.time.Duration;

/**
 * Reloading the configuration while running.
 *
 * @param watchInterval how often the configuration file is checked for a change of its content; zero
 *                      when only SIGHUP reloads
 */
public record ReloadSettings(Duration watchInterval) {
}
