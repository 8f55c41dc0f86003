package dev.jobwatch.store.bullmq;

import dev.jobwatch.store.ScriptReplies;
import dev.jobwatch.store.ScriptStatus;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The replies of the BullMQ source's read scripts, each decoded here into a record with named fields. */
final class BullMqReplies {

    private BullMqReplies() {}

    /**
     * {@code bullmq/job.lua}: {@code {'OK', logRows, logLength, end (3), field, value...}} |
     * {@code {'MORE', end (3)}} | {@code {'NOTFOUND'}}.
     *
     * @param logRows   rows the log list holds
     * @param logLength code points the log holds, a newline after each row
     * @param end       how far the walk got: the end of the log once {@code OK}
     * @param hash      the job hash's fields
     */
    record JobReply(ScriptStatus status, long logRows, long logLength, LogMarks.Mark end, Map<String, String> hash) {

        static JobReply decode(List<Object> reply) {
            ScriptStatus status = ScriptStatus.of(reply.get(0));
            return switch (status) {
                case MORE -> new JobReply(status, 0, 0, mark(reply, 1), Map.of());
                case OK -> {
                    Map<String, String> hash = new HashMap<>();
                    for (int i = 6; i + 1 < reply.size(); i += 2) {
                        hash.put((String) reply.get(i), (String) reply.get(i + 1));
                    }
                    yield new JobReply(
                            status,
                            ScriptReplies.number(reply.get(1)),
                            ScriptReplies.number(reply.get(2)),
                            mark(reply, 3),
                            hash);
                }
                default -> new JobReply(status, 0, 0, LogMarks.Mark.START, Map.of());
            };
        }
    }

    /**
     * {@code bullmq/logrows.lua}: {@code {'OK', count, row...}} | {@code {'NOTFOUND'}}.
     *
     * @param count rows the log list holds
     * @param rows  the rows asked for
     */
    record LogRowsReply(ScriptStatus status, long count, List<String> rows) {

        static LogRowsReply decode(List<Object> reply) {
            ScriptStatus status = ScriptStatus.of(reply.get(0));
            return status != ScriptStatus.OK
                    ? new LogRowsReply(status, 0, List.of())
                    : new LogRowsReply(
                            status,
                            ScriptReplies.number(reply.get(1)),
                            ScriptReplies.texts(reply.subList(2, reply.size())));
        }
    }

    /**
     * {@code bullmq/watch.lua}: {@code {'OK', state, version, progress, logLength, logFrom, begin, end (3),
     * read (3), row...}} | {@code {'MORE', end (3), read (3)}} | {@code {'SAME'}} | {@code {'NOTFOUND'}}.
     *
     * @param state     the job's state in jobwatch's words
     * @param version   a fingerprint of what a watcher sees, as 12 hex digits
     * @param progress  JSON text, or null
     * @param logLength code points the log holds
     * @param logFrom   the offset asked for, placed
     * @param begin     the offset where the first row returned begins, at or before {@code logFrom}
     * @param end       how far the walk to the log's end got
     * @param read      where the rows returned end, or how far the walk to {@code logFrom} got
     * @param rows      the rows from the one that holds {@code logFrom}
     */
    record WatchReply(
            ScriptStatus status,
            String state,
            long version,
            String progress,
            long logLength,
            long logFrom,
            long begin,
            LogMarks.Mark end,
            LogMarks.Mark read,
            List<String> rows) {

        private static final int FIRST_ROW = 13;

        static WatchReply decode(List<Object> reply) {
            ScriptStatus status = ScriptStatus.of(reply.get(0));
            return switch (status) {
                case MORE -> new WatchReply(status, null, 0, null, 0, 0, 0, mark(reply, 1), mark(reply, 4), List.of());
                case OK ->
                    new WatchReply(
                            status,
                            (String) reply.get(1),
                            Long.parseLong((String) reply.get(2), 16),
                            ScriptReplies.text(reply.get(3)),
                            ScriptReplies.number(reply.get(4)),
                            ScriptReplies.number(reply.get(5)),
                            ScriptReplies.number(reply.get(6)),
                            mark(reply, 7),
                            mark(reply, 10),
                            ScriptReplies.texts(reply.subList(FIRST_ROW, reply.size())));
                default -> new WatchReply(status, null, 0, null, 0, 0, 0, null, null, List.of());
            };
        }
    }

    /** A mark as the scripts send it: row, code points before it, fingerprint of the row before it. */
    private static LogMarks.Mark mark(List<Object> reply, int at) {
        return new LogMarks.Mark(ScriptReplies.number(reply.get(at)), ScriptReplies.number(reply.get(at + 1)), (String)
                reply.get(at + 2));
    }
}
