package dev.jobwatch.harness;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;

/**
 * Where a run's figures go: one properties file (load-tests/results/&lt;target&gt;.properties), saved after each
 * step so that a run cut short keeps what it measured. Report reads these files; their keys are its input.
 */
final class Results {

    private final Properties values = new Properties();
    private final Path file;
    private final String target;

    Results(Path file, String target) {
        this.file = file.toAbsolutePath();
        this.target = target;
    }

    /** The folder the file is in, where the server's log and heap histograms go too. */
    Path dir() {
        return file.getParent();
    }

    Path file() {
        return file;
    }

    void put(String key, Object value) {
        values.setProperty(key, String.valueOf(value));
    }

    /** A figure formatted with {@link Locale#ROOT}, such as {@code "%.2f"}. */
    void put(String key, String format, double value) {
        put(key, String.format(Locale.ROOT, format, value));
    }

    /** {@code value / per} formatted, or {@code n/a} when there is nothing to divide by. */
    void putRatio(String key, String format, double value, double per) {
        put(key, per > 0 ? String.format(Locale.ROOT, format, value / per) : "n/a");
    }

    String get(String key) {
        return values.getProperty(key);
    }

    String get(String key, String def) {
        return values.getProperty(key, def);
    }

    void save() throws IOException {
        Files.createDirectories(dir());
        try (OutputStream out = Files.newOutputStream(file)) {
            values.store(out, "jobwatch harness, target " + target);
        }
    }
}
