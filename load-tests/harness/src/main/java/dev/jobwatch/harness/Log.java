package dev.jobwatch.harness;

import java.util.Locale;

/** Progress lines on stdout, each stamped with the seconds since the run began. */
record Log(long startNanos) {

    static Log start() {
        return new Log(System.nanoTime());
    }

    void line(String format, Object... args) {
        System.out.printf(
                Locale.ROOT,
                "[%7.1fs] %s%n",
                (System.nanoTime() - startNanos) / 1e9,
                String.format(Locale.ROOT, format, args));
    }
}
