package dev.jobwatch.job;

/**
 * A write came with the {@link IdempotencyKey} of another write to the same job (another route or another
 * body): it is not applied, since the key says it was, nor ignored, since it was not (422).
 */
public class IdempotencyKeyReusedException extends RuntimeException {

    public IdempotencyKeyReusedException() {
        super("Idempotency-Key was already used for another write to this job: send a new key", null, false, false);
    }
}
