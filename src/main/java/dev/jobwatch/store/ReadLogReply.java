package dev.jobwatch.store;

import java.util.List;

/**
 * {@code readlog.lua}'s reply: {@code {'OK', log_len, dropped_chars, dropped_rows, incarnation,
 * entries...}} or {@code {'NOTFOUND'}}.
 *
 * @param status       OK, or what the script found instead
 * @param logLength    code points ever appended
 * @param droppedChars code points the cap dropped from the front
 * @param droppedRows  rows the cap dropped from the front
 * @param incarnation  the job's incarnation, or null for none
 * @param entries      the log entries read, flat: entry id, row, entry id, row...
 */
record ReadLogReply(
        ScriptStatus status,
        long logLength,
        long droppedChars,
        long droppedRows,
        String incarnation,
        List<Object> entries) {

    static ReadLogReply decode(List<Object> reply) {
        ScriptStatus status = ScriptStatus.of(reply.get(0));
        if (status != ScriptStatus.OK) {
            return new ReadLogReply(status, 0, 0, 0, null, List.of());
        }
        return new ReadLogReply(
                status,
                ScriptReplies.number(reply.get(1)),
                ScriptReplies.number(reply.get(2)),
                ScriptReplies.number(reply.get(3)),
                ScriptReplies.text(reply.get(4)),
                reply.subList(5, reply.size()));
    }
}
