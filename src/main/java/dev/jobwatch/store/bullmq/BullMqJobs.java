package dev.jobwatch.store.bullmq;

import dev.jobwatch.job.JobRef;
import reactor.core.publisher.Mono;

/**
 * The worker routes on BullMQ's jobs, where the job token is the lock token that BullMQ gave the worker
 * running the job (the value of {@code <prefix>:<queue>:<id>:lock}), checked in the same atomic step as
 * the write. A wrong token, or a job that is not active and so holds no lock, fails with
 * {@link dev.jobwatch.job.JobNotHeldException}; a job that is gone with
 * {@link dev.jobwatch.job.JobNotFoundException}.
 */
public interface BullMqJobs {

    /** The answer (400) to the routes that only BullMQ may take on its jobs. */
    String BULLMQ_ONLY = "This is a BullMQ queue: BullMQ adds, runs and completes its jobs; "
            + "jobwatch takes only progress and logs for them";

    String NO_LISTING = "This is a BullMQ queue: list its jobs with BullMQ; jobwatch lists only the jobs it added";

    /** When the BullMQ source is off: no namespace is BullMQ's. */
    BullMqJobs NONE = new BullMqJobs() {
        @Override
        public boolean owns(String namespace) {
            return false;
        }

        @Override
        public Mono<Void> requireLock(JobRef ref, String token) {
            return Mono.error(new IllegalStateException("the BullMQ source is off"));
        }

        @Override
        public Mono<Void> progress(JobRef ref, String token, String json) {
            return requireLock(ref, token);
        }

        @Override
        public Mono<Void> appendLog(JobRef ref, String token, String row) {
            return requireLock(ref, token);
        }
    };

    /** Whether the namespace names a BullMQ queue ({@code bullmq.<queue>}), whether served or not. */
    boolean owns(String namespace);

    /** Completes when {@code token} holds the job's lock now. */
    Mono<Void> requireLock(JobRef ref, String token);

    /** Sets the progress as BullMQ's {@code job.updateProgress} does. */
    Mono<Void> progress(JobRef ref, String token, String json);

    /** Appends a row as BullMQ's {@code job.log} does, keeping the job's {@code keepLogs}. */
    Mono<Void> appendLog(JobRef ref, String token, String row);
}
