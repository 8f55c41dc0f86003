package dev.jobwatch.harness;

import java.time.Instant;
import java.util.Locale;

/** The clock rows carry ({@code ts=<epoch micros>}), and the pauses between a scenario's steps. */
final class Time {

    private Time() {}

    static long epochMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Microseconds as milliseconds with one decimal, as the results' latency keys hold them. */
    static String ms(long micros) {
        return String.format(Locale.ROOT, "%.1f", micros / 1000.0);
    }
}
