package dev.jobwatch.store;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import java.io.IOException;

/**
 * The store's one translation of Redis's failures into its own typed exceptions, applied where a
 * command or a subscription leaves Lettuce ({@link RedisCalls} and the change feeds) and nowhere else.
 */
public final class StoreFailures {

    private StoreFailures() {}

    /**
     * Failures that mean "Redis is not there right now" become {@link StoreUnavailableException}, a
     * command Redis refused {@link StoreFaultException}: both 503s whose message says nothing of Redis's
     * own words; anything else is a bug and passes unchanged.
     */
    public static Throwable translate(Throwable error) {
        if (error instanceof StoreUnavailableException || error instanceof StoreFaultException) {
            return error;
        }
        if (error instanceof RedisCommandExecutionException commandError) {
            String message = String.valueOf(commandError.getMessage());
            boolean transientState = message.startsWith("LOADING")
                    || message.startsWith("BUSY")
                    || message.startsWith("MASTERDOWN")
                    || message.startsWith("CLUSTERDOWN")
                    || message.startsWith("TRYAGAIN")
                    || message.startsWith("READONLY");
            return transientState ? new StoreUnavailableException(error) : new StoreFaultException(error);
        }
        // A connection that Redis dropped fails the commands in flight with the socket's own IOException.
        boolean redisAway = error instanceof RedisException || error instanceof IOException;
        return redisAway ? new StoreUnavailableException(error) : error;
    }
}
