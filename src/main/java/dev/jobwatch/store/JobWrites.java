package dev.jobwatch.store;

import dev.jobwatch.job.Credential;
import dev.jobwatch.job.IdempotencyKey;
import dev.jobwatch.job.JobRef;
import reactor.core.publisher.Mono;

/**
 * Everything a worker does with a job that jobwatch itself runs: besides reporting, it starts the job,
 * streams its result and completes it, under the contract of {@link JobReports}. Sources that run their
 * own jobs (BullMQ) take only the reports.
 */
public interface JobWrites extends JobReports {

    /** @param body a body the start has no use for, read whole after the credential, before the job starts */
    Mono<Void> start(JobRef ref, Credential credential, IdempotencyKey key, Mono<Void> body);

    Mono<Void> appendChunk(JobRef ref, Credential credential, IdempotencyKey key, Mono<String> chunk);

    Mono<Void> complete(JobRef ref, Credential credential, IdempotencyKey key, Mono<Completion> completion);

    default Mono<Void> start(JobRef ref, Credential credential) {
        return start(ref, credential, IdempotencyKey.NONE, Mono.empty());
    }

    default Mono<Void> appendChunk(JobRef ref, Credential credential, Mono<String> chunk) {
        return appendChunk(ref, credential, IdempotencyKey.NONE, chunk);
    }

    default Mono<Void> complete(JobRef ref, Credential credential, Mono<Completion> completion) {
        return complete(ref, credential, IdempotencyKey.NONE, completion);
    }

    /** @param resultJson the result, already checked to be JSON */
    record Completion(boolean success, String resultJson) {}
}
