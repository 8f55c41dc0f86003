package dev.jobwatch.store.bullmq;

import dev.jobwatch.job.JobRef;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How far this pod has walked the logs of the BullMQ jobs it reads. BullMQ keeps a log as a list of rows
 * with no running length, so a code-point offset is placed by walking the rows' sizes; each script call
 * walks at most {@link #WALK_ROWS} rows and {@link #WALK_BYTES} bytes, and the next call goes on from the
 * mark the last one reached, so that a long log costs Redis a moment per call, and a job read again (a
 * hub's every change) walks only the rows added since. The scripts check each mark against the list
 * (a fingerprint of the row before it) and start over when rows were trimmed under it.
 *
 * <p>Marks are hints, not state: the least recently used are forgotten past {@link #JOBS} jobs, and a
 * lost one costs a walk from the start.
 */
final class LogMarks {

    /** Rows one script call may walk (and read). */
    static final int WALK_ROWS = 1_000;
    /** Bytes one script call may walk and read: about a millisecond of Redis's time. */
    static final int WALK_BYTES = 32 * 1024;
    /** Jobs whose marks are kept. */
    static final int JOBS = 10_000;

    /**
     * Rows {@code [0, row)} of a log hold {@code offset} code points; {@code check} fingerprints row
     * {@code row - 1} ({@code ""} for row 0).
     */
    record Mark(long row, long offset, String check) {

        static final Mark START = new Mark(0, 0, "");

        List<String> args() {
            return List.of(Long.toString(row), Long.toString(offset), check);
        }
    }

    /** The end of the log as last measured, and where the last read of it ended. */
    record Held(Mark end, Mark read) {

        static final Held NONE = new Held(Mark.START, Mark.START);
    }

    private final Map<JobRef, Held> marks = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<JobRef, Held> eldest) {
            return size() > JOBS;
        }
    };

    Held get(JobRef ref) {
        synchronized (marks) {
            return marks.getOrDefault(ref, Held.NONE);
        }
    }

    void put(JobRef ref, Held held) {
        synchronized (marks) {
            marks.put(ref, held);
        }
    }
}
