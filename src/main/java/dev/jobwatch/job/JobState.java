package dev.jobwatch.job;

import java.util.Locale;

public enum JobState {
    QUEUED,
    RUNNING,
    COMPLETED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static JobState fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
