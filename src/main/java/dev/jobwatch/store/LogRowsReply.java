package dev.jobwatch.store;

import java.util.List;

/**
 * {@code logrows.lua}'s reply: {@code {'OK', count, dropped_rows, dropped_chars, incarnation, row...}},
 * or {@code {'NOTFOUND'}} or {@code {'UNAUTHORIZED'}}.
 *
 * @param status       OK, or what the script found instead
 * @param count        rows the log holds now, counting the marker row when old rows were dropped
 * @param droppedRows  rows the cap dropped from the front
 * @param droppedChars code points the cap dropped from the front
 * @param incarnation  the job's incarnation, or null for none
 * @param rows         the rows read, without the marker: the first of those asked for, and as many after
 *                     it as one bounded slice holds
 */
record LogRowsReply(
        ScriptStatus status, long count, long droppedRows, long droppedChars, String incarnation, List<String> rows) {

    static LogRowsReply decode(List<Object> reply) {
        ScriptStatus status = ScriptStatus.of(reply.get(0));
        if (status != ScriptStatus.OK) {
            return new LogRowsReply(status, 0, 0, 0, null, List.of());
        }
        return new LogRowsReply(
                status,
                ScriptReplies.number(reply.get(1)),
                ScriptReplies.number(reply.get(2)),
                ScriptReplies.number(reply.get(3)),
                ScriptReplies.text(reply.get(4)),
                ScriptReplies.texts(reply.subList(5, reply.size())));
    }
}
