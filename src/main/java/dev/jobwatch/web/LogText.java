package dev.jobwatch.web;

import dev.jobwatch.job.Job;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.store.JobReads;
import dev.jobwatch.store.LogSlice;
import java.util.stream.Collectors;
import reactor.core.publisher.Mono;

/**
 * A job's log as one text, read a page at a time up to the length the job had when it was read, so
 * that a log growing meanwhile does not keep the read going. The log's cap bounds the text.
 */
final class LogText {

    private static final int PAGE_ROWS = 10_000;
    private static final int PAGE_BYTES = 1 << 20;

    private final JobReads store;

    LogText(JobReads store) {
        this.store = store;
    }

    /** The whole log that is kept (from the marker line, when the cap dropped old text). */
    Mono<String> whole(Job job) {
        return from(job, 0);
    }

    /** The log's last {@code codePoints} code points, or all of it when it is shorter. */
    Mono<String> tail(Job job, long codePoints) {
        return from(job, Math.max(0, job.log().length() - codePoints));
    }

    private Mono<String> from(Job job, long offset) {
        JobRef ref = job.ref();
        long end = job.log().length();
        if (offset >= end) {
            return Mono.just("");
        }
        return store.readLog(ref, offset, PAGE_ROWS, PAGE_BYTES, job.incarnation())
                .expand(slice -> slice.text().isEmpty() || slice.end() >= end
                        ? Mono.empty()
                        : store.readLog(ref, slice.end(), PAGE_ROWS, PAGE_BYTES, job.incarnation()))
                .map(LogSlice::text)
                .collect(Collectors.joining());
    }
}
