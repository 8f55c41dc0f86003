package dev.jobwatch.watch;

/** This pod already holds its maximum of open streams (503 with {@code Retry-After}). */
public class TooManyStreamsException extends RuntimeException {

    public TooManyStreamsException(int max) {
        super("This server holds its maximum of " + max + " open streams: try again shortly", null, false, false);
    }
}
