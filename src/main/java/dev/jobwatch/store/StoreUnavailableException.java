package dev.jobwatch.store;

/** Redis could not be reached or could not answer in time; the request may be retried (503). */
public class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(Throwable cause) {
        super("Redis is unavailable: " + cause.getMessage(), cause);
    }
}
