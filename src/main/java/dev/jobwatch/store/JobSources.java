package dev.jobwatch.store;

import dev.jobwatch.job.Credential;
import dev.jobwatch.job.IdempotencyKey;
import dev.jobwatch.job.InvalidInputException;
import dev.jobwatch.job.Job;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.LogRows;
import dev.jobwatch.job.NewJob;
import java.util.List;
import java.util.function.Predicate;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The one place that decides which source holds a job: BullMQ's queues go to the BullMQ source, every
 * other namespace to jobwatch's own store. Callers see one store. What BullMQ does itself (adding,
 * listing, starting, streaming, completing and cancelling its jobs) is refused here with 400 and says
 * so, before any credential or body is looked at.
 */
final class JobSources implements JobReads, JobWrites, JobQueue {

    static final String BULLMQ_ONLY = "This is a BullMQ queue: BullMQ adds, runs and completes its jobs; "
            + "jobwatch takes only progress and logs for them";
    static final String NO_LISTING =
            "This is a BullMQ queue: list its jobs with BullMQ; jobwatch lists only the jobs it added";

    private final RedisJobStore own;
    private final JobReads bullmqReads;
    private final JobReports bullmqReports;
    private final Predicate<String> bullmq;

    <B extends JobReads & JobReports> JobSources(RedisJobStore own, B bullmqSource, Predicate<String> bullmqNamespace) {
        this.own = own;
        this.bullmqReads = bullmqSource;
        this.bullmqReports = bullmqSource;
        this.bullmq = bullmqNamespace;
    }

    private JobReads reads(JobRef ref) {
        return bullmq.test(ref.namespace()) ? bullmqReads : own;
    }

    private JobReports reports(JobRef ref) {
        return bullmq.test(ref.namespace()) ? bullmqReports : own;
    }

    private <T> Mono<T> ownOnly(String namespace, String refusal, Mono<T> call) {
        return bullmq.test(namespace) ? Mono.error(new InvalidInputException(refusal)) : call;
    }

    @Override
    public Mono<Job> get(JobRef ref) {
        return reads(ref).get(ref);
    }

    @Override
    public Mono<LogRows> logRows(JobRef ref, Credential credential, long start, int length) {
        return reads(ref).logRows(ref, credential, start, length);
    }

    @Override
    public Mono<LogSlice> readLog(JobRef ref, long fromOffset, int maxRows, int maxBytes, String incarnation) {
        return reads(ref).readLog(ref, fromOffset, maxRows, maxBytes, incarnation);
    }

    @Override
    public Mono<List<String>> readChunks(JobRef ref, long from, int max, String incarnation) {
        return reads(ref).readChunks(ref, from, max, incarnation);
    }

    @Override
    public Mono<WatchRead> watch(JobRef ref, long knownVersion, long logFrom, long chunksFrom, WatchPage page) {
        return reads(ref).watch(ref, knownVersion, logFrom, chunksFrom, page);
    }

    @Override
    public Mono<Void> progress(JobRef ref, Credential credential, IdempotencyKey key, Mono<String> json) {
        return reports(ref).progress(ref, credential, key, json);
    }

    @Override
    public Mono<Void> appendLog(JobRef ref, Credential credential, IdempotencyKey key, Mono<String> row) {
        return reports(ref).appendLog(ref, credential, key, row);
    }

    @Override
    public Mono<Void> start(JobRef ref, Credential credential, IdempotencyKey key, Mono<Void> body) {
        return ownOnly(ref.namespace(), BULLMQ_ONLY, own.start(ref, credential, key, body));
    }

    @Override
    public Mono<Void> appendChunk(JobRef ref, Credential credential, IdempotencyKey key, Mono<String> chunk) {
        return ownOnly(ref.namespace(), BULLMQ_ONLY, own.appendChunk(ref, credential, key, chunk));
    }

    @Override
    public Mono<Void> complete(JobRef ref, Credential credential, IdempotencyKey key, Mono<Completion> completion) {
        return ownOnly(ref.namespace(), BULLMQ_ONLY, own.complete(ref, credential, key, completion));
    }

    @Override
    public Mono<List<Job>> add(String namespace, List<NewJob> jobs) {
        return ownOnly(namespace, BULLMQ_ONLY, own.add(namespace, jobs));
    }

    @Override
    public Flux<Job> recent(String namespace, int limit) {
        return bullmq.test(namespace)
                ? Flux.error(new InvalidInputException(NO_LISTING))
                : own.recent(namespace, limit);
    }

    @Override
    public Mono<Void> cancel(JobRef ref, String reason, String canceledBy, String resultJson) {
        return ownOnly(ref.namespace(), BULLMQ_ONLY, own.cancel(ref, reason, canceledBy, resultJson));
    }
}
