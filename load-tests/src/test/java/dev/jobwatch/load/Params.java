package dev.jobwatch.load;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The simulations' settings, read from system properties ({@code -Dname=value}) with small defaults,
 * so a bare run finishes in seconds against a local server.
 */
final class Params {

    private Params() {}

    /** The server, e.g. {@code http://localhost:8080}; no trailing slash. */
    static String base() {
        String base = string("base", "http://localhost:8080");
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /** A producer token (JOBWATCH_AUTH_TOKENS on the server); empty in local mode, where producer routes are open. */
    static String token() {
        return string("token", "");
    }

    /**
     * The namespace (queue / workspace) the run uses: {@code -Dns}, else a fresh one per run, so runs never
     * collide with each other or with real jobs.
     */
    static String namespace(String prefix) {
        String ns = string("ns", "");
        if (!ns.isEmpty()) {
            return ns;
        }
        return "lt-" + prefix + "-" + Long.toString(System.currentTimeMillis(), 36) + "-"
                + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36), 36);
    }

    static String string(String name, String fallback) {
        String value = System.getProperty(name);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    static int integer(String name, int fallback) {
        String value = string(name, null);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + " must be a whole number, not " + value, e);
        }
    }

    static double number(String name, double fallback) {
        String value = string(name, null);
        if (value == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + " must be a number, not " + value, e);
        }
    }

    static boolean flag(String name, boolean fallback) {
        String value = string(name, null);
        return value == null ? fallback : Boolean.parseBoolean(value);
    }

    /** A duration: {@code 500ms}, {@code 5s}, {@code 2m}, or a bare number of seconds. */
    static Duration duration(String name, Duration fallback) {
        String value = string(name, null);
        return value == null ? fallback : parseDuration(name, value);
    }

    static Duration parseDuration(String name, String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (value.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
            }
            if (value.endsWith("s")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(value.substring(0, value.length() - 1)) * 1000));
            }
            if (value.endsWith("m")) {
                return Duration.ofMillis(
                        Math.round(Double.parseDouble(value.substring(0, value.length() - 1)) * 60_000));
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(value) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "-D" + name + " must be a duration such as 500ms, 5s or 2m, not " + text, e);
        }
    }

    static int positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException("-D" + name + " must be 1 or more, not " + value);
        }
        return value;
    }
}
