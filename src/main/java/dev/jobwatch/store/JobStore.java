package dev.jobwatch.store;

import dev.jobwatch.job.Job;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.LogRows;
import dev.jobwatch.job.NewJob;
import java.util.List;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The seam between the API and where jobs live.
 *
 * <p>Contract: callers validate input (names, sizes, JSON) before calling; the store checks state.
 * Every write is atomic and durable before its {@code Mono} completes, checks that the job exists
 * ({@link dev.jobwatch.job.JobNotFoundException}), that it is the incarnation the writer's token
 * names ({@link dev.jobwatch.job.JobNotHeldException}) and is not completed
 * ({@link dev.jobwatch.job.JobCompletedException}), in that order and in the same atomic step,
 * refreshes the job's retention, and announces itself on the job's change feed. A write that fails
 * changes nothing. When the backing store cannot be reached every method fails with
 * {@link StoreUnavailableException}.
 *
 * <p>An incarnation ({@link Job#incarnation}) is given to each job at its add; a job that expires or is
 * deleted takes it along, and a later job with the same id gets another, so a token naming the first
 * never writes or reads the second.
 */
public interface JobStore {

    /**
     * Adds all the jobs or none: fails with {@link dev.jobwatch.job.JobExistsException} if an id is
     * taken. Emits the jobs as stored, each with its new incarnation.
     */
    Mono<List<Job>> add(String namespace, List<NewJob> jobs);

    Mono<Job> get(JobRef ref);

    /**
     * The namespace's most recently added jobs that still exist, newest first, at most {@code limit}.
     * Only the newest {@link #RECENT_KEPT} added jobs of a namespace are remembered, and a job that
     * expired is left out, so fewer may come back.
     */
    Flux<Job> recent(String namespace, int limit);

    /** How many recently added jobs a namespace remembers. */
    int RECENT_KEPT = 10_000;

    /** @param incarnation the incarnation the writer's job token names, here and in every write below */
    Mono<Void> start(JobRef ref, String incarnation);

    /** @param json the progress, already checked to be JSON */
    Mono<Void> progress(JobRef ref, String incarnation, String json);

    /** Appends one row; the log gets the row and a newline. */
    Mono<Void> appendLog(JobRef ref, String incarnation, String row);

    Mono<Void> appendChunk(JobRef ref, String incarnation, String chunk);

    /** @param resultJson the result, already checked to be JSON */
    Mono<Void> complete(JobRef ref, String incarnation, boolean success, String resultJson);

    /**
     * Completes the job as canceled and not successful, whatever its incarnation (a producer cancels);
     * {@code reason} and {@code canceledBy} may be null; {@code resultJson} is the error result that
     * Windmill gives a canceled job.
     */
    Mono<Void> cancel(JobRef ref, String reason, String canceledBy, String resultJson);

    /**
     * Rows {@code start} to {@code start + length - 1} and the row count; fails with
     * {@link dev.jobwatch.job.JobNotHeldException} unless the job is {@code incarnation} (null: any).
     */
    Mono<LogRows> logRows(JobRef ref, String incarnation, long start, int length);

    /**
     * Log text from a 0-based code-point offset, cut so that it begins exactly at the offset: at most
     * {@code maxRows} rows and about {@code maxBytes} bytes (one row at least). When the offset lies in
     * text dropped by the cap, the text starts with the marker line and then the oldest text kept.
     */
    Mono<LogSlice> readLog(JobRef ref, long fromOffset, int maxRows, int maxBytes);

    /** Result-stream chunks after the first {@code from}, at most {@code max}. */
    Mono<List<String>> readChunks(JobRef ref, long from, int max);

    /**
     * One consistent read of what a watching hub needs: counters, and the log past {@code logFrom} and
     * the chunks past {@code chunksFrom}, one page each. Empty when the job's version is still
     * {@code knownVersion}.
     *
     * @param knownVersion the version the caller holds, or -1 to read whatever the version
     * @param logFrom      log offset the caller holds, or -1 for the newest {@code window} code points
     * @param chunksFrom   chunks the caller holds, or -1 for the newest {@code page.chunks()}
     */
    Mono<WatchRead> watch(JobRef ref, long knownVersion, long logFrom, long chunksFrom, WatchPage page);

    /**
     * How much one watch read may bring back.
     *
     * @param rows   most log rows
     * @param bytes  about the most log bytes (one row at least)
     * @param chunks most chunks
     * @param window log code points a caller with nothing starts from
     */
    record WatchPage(int rows, int bytes, int chunks, long window) {
    }
}
