package dev.jobwatch.store;

import dev.jobwatch.job.JobState;
import java.util.List;

/**
 * What a hub learns from one read: the job's counters and what was appended past what it held.
 *
 * @param version      the job's change counter
 * @param state        the job's state
 * @param progress     JSON text, or null
 * @param logLength    code points ever appended to the log
 * @param streamLength chunks ever appended to the result stream
 * @param logStart     where {@code log} begins: the offset asked for, or later when the cap dropped
 *                     text in between
 * @param log          new log text (no marker), at most one page; may end before {@code logLength}
 * @param chunksStart  how many chunks precede {@code chunks}
 * @param chunks       new result-stream chunks, at most one page
 * @param incarnation  the job's incarnation ({@link dev.jobwatch.job.Job#incarnation}), or null for none
 */
public record WatchRead(
        long version,
        JobState state,
        String progress,
        long logLength,
        long streamLength,
        long logStart,
        String log,
        long chunksStart,
        List<String> chunks,
        String incarnation) {

    public long logEnd() {
        return logStart + log.codePointCount(0, log.length());
    }
}
