package dev.jobwatch.store;

/**
 * Redis could not be reached or could not answer in time; the request may be retried (503). The message
 * is the same for every cause, so that what the client library said stays in the server's log.
 */
public class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(Throwable cause) {
        super("Redis is unavailable", cause);
    }
}
