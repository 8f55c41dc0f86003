package dev.jobwatch.store;

import dev.jobwatch.job.Credential;
import dev.jobwatch.job.JobRef;
import reactor.core.publisher.Mono;

/**
 * Everything a worker does with a job that jobwatch itself runs: besides reporting, it starts the job,
 * streams its result and completes it, under the contract of {@link JobReports}. Sources that run their
 * own jobs (BullMQ) take only the reports.
 */
public interface JobWrites extends JobReports {

    Mono<Void> start(JobRef ref, Credential credential);

    Mono<Void> appendChunk(JobRef ref, Credential credential, Mono<String> chunk);

    Mono<Void> complete(JobRef ref, Credential credential, Mono<Completion> completion);

    /** @param resultJson the result, already checked to be JSON */
    record Completion(boolean success, String resultJson) {}
}
