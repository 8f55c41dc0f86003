package dev.jobwatch.store;

import dev.jobwatch.job.Credential;
import dev.jobwatch.job.Job;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.LogRows;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * Reading a job: what the watchers' hubs and the read routes need, from every source of jobs.
 *
 * <p>Contract: callers validate names and arguments before calling. Each read is one consistent read
 * of the job. A job that does not exist, or a namespace no source serves, fails with
 * {@link dev.jobwatch.job.JobNotFoundException}; when the backing store cannot be reached every method
 * fails with {@link StoreUnavailableException}, and a command it refused with {@link StoreFaultException}.
 */
public interface JobReads {

    Mono<Job> get(JobRef ref);

    /**
     * Rows {@code start} to {@code start + length - 1} and the row count, as BullMQ's {@code getJobLogs}
     * reads them, for a producer or for the job's own worker: fails with
     * {@link dev.jobwatch.job.JobNotHeldException} when {@code credential} does not hold the job.
     */
    Mono<LogRows> logRows(JobRef ref, Credential credential, long start, int length);

    /**
     * Log text from a 0-based code-point offset, cut so that it begins exactly at the offset: at most
     * {@code maxRows} rows and about {@code maxBytes} bytes (one row at least). When the offset lies in
     * text dropped by the cap, the text starts with the marker line and then the oldest text kept. A
     * source reads a long page in bounded steps, so that it holds Redis many short moments rather than one
     * long one; a page may then end early where the cap dropped text while it was read, and the next
     * read from its end starts with the marker.
     *
     * @param incarnation the job's incarnation as the caller read it ({@link Job#incarnation}), or null
     *                    for any: when the job has another one now, a later job took the id, and the read
     *                    fails with {@link dev.jobwatch.job.JobNotFoundException} rather than mix the two
     *                    jobs' text
     */
    Mono<LogSlice> readLog(JobRef ref, long fromOffset, int maxRows, int maxBytes, String incarnation);

    /**
     * Result-stream chunks after the first {@code from}: at most {@code max}, and no more than one bounded
     * step of Redis reads (about 32 KiB; one chunk at least); none for a source without a result stream.
     *
     * @param incarnation as for {@link #readLog}
     */
    Mono<List<String>> readChunks(JobRef ref, long from, int max, String incarnation);

    /**
     * One consistent read of what a watching hub needs: counters, and the log past {@code logFrom} and
     * the chunks past {@code chunksFrom}, one page each (the log's page read in bounded steps, as
     * {@link #readLog}'s, and never past the log length the read returns; the chunks one bounded step).
     * Empty when the job's version is still {@code knownVersion}.
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
    record WatchPage(int rows, int bytes, int chunks, long window) {}
}
