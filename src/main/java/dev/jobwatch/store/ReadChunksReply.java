package dev.jobwatch.store;

import java.util.List;

/**
 * {@code readchunks.lua}'s reply: {@code {'OK', chunk...}} or {@code {'NOTFOUND'}}.
 *
 * @param status OK, or what the script found instead
 * @param chunks the chunks read, in order
 */
record ReadChunksReply(ScriptStatus status, List<String> chunks) {

    static ReadChunksReply decode(List<Object> reply) {
        ScriptStatus status = ScriptStatus.of(reply.get(0));
        if (status != ScriptStatus.OK) {
            return new ReadChunksReply(status, List.of());
        }
        return new ReadChunksReply(status, ScriptReplies.texts(reply.subList(1, reply.size())));
    }
}
