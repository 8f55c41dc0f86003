package dev.jobwatch.store;

import java.util.List;

/**
 * {@code watch.lua}'s reply: {@code {'OK', state, version, progress, logLength, streamLength, logFrom,
 * chunksFrom, entries, chunks, incarnation}}, or {@code {'NOTFOUND'}} or {@code {'SAME'}}.
 *
 * @param status      OK, or what the script found instead
 * @param state       the job's state as stored
 * @param version     the job's change counter
 * @param progress    JSON text, or null
 * @param logLength   code points ever appended to the log
 * @param streamLength chunks ever appended to the result stream
 * @param logFrom     the offset the log entries are read from
 * @param chunksFrom  how many chunks precede {@code chunks}
 * @param entries     log entries, flat: entry id, row, entry id, row...
 * @param chunks      result-stream chunks
 * @param incarnation the job's incarnation, or null for none
 */
record WatchReply(
        ScriptStatus status,
        String state,
        long version,
        String progress,
        long logLength,
        long streamLength,
        long logFrom,
        long chunksFrom,
        List<Object> entries,
        List<String> chunks,
        String incarnation) {

    static WatchReply decode(List<Object> reply) {
        ScriptStatus status = ScriptStatus.of(reply.get(0));
        if (status != ScriptStatus.OK) {
            return new WatchReply(status, null, 0, null, 0, 0, 0, 0, List.of(), List.of(), null);
        }
        return new WatchReply(
                status,
                (String) reply.get(1),
                ScriptReplies.number(reply.get(2)),
                ScriptReplies.text(reply.get(3)),
                ScriptReplies.number(reply.get(4)),
                ScriptReplies.number(reply.get(5)),
                ScriptReplies.number(reply.get(6)),
                ScriptReplies.number(reply.get(7)),
                ScriptReplies.list(reply.get(8)),
                ScriptReplies.texts(ScriptReplies.list(reply.get(9))),
                ScriptReplies.text(reply.get(10)));
    }
}
