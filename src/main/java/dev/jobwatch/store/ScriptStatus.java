package dev.jobwatch.store;

import dev.jobwatch.job.IdempotencyKeyReusedException;
import dev.jobwatch.job.JobCompletedException;
import dev.jobwatch.job.JobNotFoundException;
import dev.jobwatch.job.JobNotHeldException;
import reactor.core.publisher.Mono;

/**
 * The status word that a write script answers, or that begins a read script's reply, as the scripts
 * spell it, and what each means to a caller.
 */
public enum ScriptStatus {
    OK,
    NOTFOUND,
    UNAUTHORIZED,
    COMPLETED,
    EXISTS,
    SAME,
    MORE,
    REUSED;

    public static ScriptStatus of(Object word) {
        try {
            return valueOf(String.valueOf(word));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("unexpected script reply " + word);
        }
    }

    /** A write's outcome: done, or the failure its word names. */
    public static Mono<Void> outcome(Object word) {
        return switch (of(word)) {
            case OK -> Mono.empty();
            case NOTFOUND -> Mono.error(new JobNotFoundException());
            case UNAUTHORIZED -> Mono.error(new JobNotHeldException());
            case COMPLETED -> Mono.error(new JobCompletedException());
            case REUSED -> Mono.error(new IdempotencyKeyReusedException());
            default -> Mono.error(new IllegalStateException("unexpected script reply " + word));
        };
    }

    /** The failure a read's reply names, or null when it answered. */
    public RuntimeException failure() {
        return switch (this) {
            case NOTFOUND -> new JobNotFoundException();
            case UNAUTHORIZED -> new JobNotHeldException();
            default -> null;
        };
    }
}
