package dev.jobwatch.store;

import dev.jobwatch.job.Credential;
import dev.jobwatch.job.IdempotencyKey;
import dev.jobwatch.job.JobRef;
import reactor.core.publisher.Mono;

/**
 * What a running job's worker reports, which every source of jobs takes: its progress and its log rows.
 *
 * <p>Contract: each call carries the worker's {@link Credential}. A credential that can be refused
 * without a write is refused first ({@link dev.jobwatch.job.JobNotHeldException}), before the body is
 * subscribed to, so a body is read only for a worker that may write; then the body (validated by the
 * caller as it is read); then one atomic step that checks that the job exists
 * ({@link dev.jobwatch.job.JobNotFoundException}), that the credential holds it now
 * ({@link dev.jobwatch.job.JobNotHeldException}) and, where the source completes jobs, that it is not
 * completed ({@link dev.jobwatch.job.JobCompletedException}), writes, refreshes the job's retention and
 * announces the change on the job's change feed. A write that fails changes nothing; one that succeeds
 * is durable before its {@code Mono} completes. A write that fails as the store is unavailable may have
 * been applied all the same (Redis ran it, its answer was lost).
 *
 * <p>A write with an {@link IdempotencyKey} that the job holds from an earlier write is not applied again
 * and succeeds as that write did, even when the job has completed since; with the key of another write
 * (another route or body) it fails ({@link dev.jobwatch.job.IdempotencyKeyReusedException}). The check,
 * the write and the record of its key are the one atomic step. A refused write records nothing. Where the
 * credential is BullMQ's lock token, a key is the token's: it is checked once the lock is seen held.
 */
public interface JobReports {

    /** @param json the progress, already checked to be JSON */
    Mono<Void> progress(JobRef ref, Credential credential, IdempotencyKey key, Mono<String> json);

    /** Appends one row; the log gets the row and a newline. */
    Mono<Void> appendLog(JobRef ref, Credential credential, IdempotencyKey key, Mono<String> row);

    default Mono<Void> progress(JobRef ref, Credential credential, Mono<String> json) {
        return progress(ref, credential, IdempotencyKey.NONE, json);
    }

    default Mono<Void> appendLog(JobRef ref, Credential credential, Mono<String> row) {
        return appendLog(ref, credential, IdempotencyKey.NONE, row);
    }
}
