package dev.jobwatch.store;

import dev.jobwatch.job.Job;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.LogRows;
import dev.jobwatch.job.NewJob;
import java.util.List;
import java.util.function.Predicate;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Sends each call to the store that holds the job's namespace: BullMQ's queues to the BullMQ source,
 * every other namespace to jobwatch's own store. Callers see one store.
 */
final class RoutingJobStore implements JobStore {

    private final JobStore own;
    private final JobStore bullmq;
    private final Predicate<String> bullmqNamespace;

    RoutingJobStore(JobStore own, JobStore bullmq, Predicate<String> bullmqNamespace) {
        this.own = own;
        this.bullmq = bullmq;
        this.bullmqNamespace = bullmqNamespace;
    }

    private JobStore of(String namespace) {
        return bullmqNamespace.test(namespace) ? bullmq : own;
    }

    private JobStore of(JobRef ref) {
        return of(ref.namespace());
    }

    @Override
    public Mono<List<Job>> add(String namespace, List<NewJob> jobs) {
        return of(namespace).add(namespace, jobs);
    }

    @Override
    public Mono<Job> get(JobRef ref) {
        return of(ref).get(ref);
    }

    @Override
    public Flux<Job> recent(String namespace, int limit) {
        return of(namespace).recent(namespace, limit);
    }

    @Override
    public Mono<Void> start(JobRef ref, String incarnation) {
        return of(ref).start(ref, incarnation);
    }

    @Override
    public Mono<Void> progress(JobRef ref, String incarnation, String json) {
        return of(ref).progress(ref, incarnation, json);
    }

    @Override
    public Mono<Void> appendLog(JobRef ref, String incarnation, String row) {
        return of(ref).appendLog(ref, incarnation, row);
    }

    @Override
    public Mono<Void> appendChunk(JobRef ref, String incarnation, String chunk) {
        return of(ref).appendChunk(ref, incarnation, chunk);
    }

    @Override
    public Mono<Void> complete(JobRef ref, String incarnation, boolean success, String resultJson) {
        return of(ref).complete(ref, incarnation, success, resultJson);
    }

    @Override
    public Mono<Void> cancel(JobRef ref, String reason, String canceledBy, String resultJson) {
        return of(ref).cancel(ref, reason, canceledBy, resultJson);
    }

    @Override
    public Mono<LogRows> logRows(JobRef ref, String incarnation, long start, int length) {
        return of(ref).logRows(ref, incarnation, start, length);
    }

    @Override
    public Mono<LogSlice> readLog(JobRef ref, long fromOffset, int maxRows, int maxBytes) {
        return of(ref).readLog(ref, fromOffset, maxRows, maxBytes);
    }

    @Override
    public Mono<List<String>> readChunks(JobRef ref, long from, int max) {
        return of(ref).readChunks(ref, from, max);
    }

    @Override
    public Mono<WatchRead> watch(JobRef ref, long knownVersion, long logFrom, long chunksFrom, WatchPage page) {
        return of(ref).watch(ref, knownVersion, logFrom, chunksFrom, page);
    }
}
