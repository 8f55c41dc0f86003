package dev.jobwatch.store;

import dev.jobwatch.job.Job;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.NewJob;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What a producer does with the jobs that jobwatch runs: add them, list the recent ones, cancel one.
 * Callers check the producer's token and validate input; every write is atomic and durable before its
 * {@code Mono} completes, under the failures of {@link JobReads}.
 *
 * <p>An incarnation ({@link Job#incarnation}) is given to each job at its add; a job that expires or is
 * deleted takes it along, and a later job with the same id gets another, so a token naming the first
 * never writes or reads the second.
 */
public interface JobQueue {

    /** How many recently added jobs a namespace remembers. */
    int RECENT_KEPT = 10_000;

    /**
     * Adds all the jobs or none: fails with {@link dev.jobwatch.job.JobExistsException} if an id is
     * taken. Emits the jobs as stored, each with its new incarnation.
     */
    Mono<List<Job>> add(String namespace, List<NewJob> jobs);

    /**
     * The namespace's most recently added jobs that still exist, newest first, at most {@code limit}.
     * Only the newest {@link #RECENT_KEPT} added jobs of a namespace are remembered, and a job that
     * expired is left out, so fewer may come back.
     */
    Flux<Job> recent(String namespace, int limit);

    /**
     * Completes the job as canceled and not successful, whatever its incarnation;
     * {@code reason} and {@code canceledBy} may be null; {@code resultJson} is the error result that
     * Windmill gives a canceled job. A completed job fails with {@link dev.jobwatch.job.JobCompletedException}.
     */
    Mono<Void> cancel(JobRef ref, String reason, String canceledBy, String resultJson);
}
