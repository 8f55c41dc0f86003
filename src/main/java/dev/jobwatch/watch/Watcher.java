package dev.jobwatch.watch;

import dev.jobwatch.job.JobNotHeldException;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.JobState;
import dev.jobwatch.job.JsonBudget;
import dev.jobwatch.store.LogSlice;
import java.util.List;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One watcher's cursor, and the update that takes it from where it is to what its hub holds.
 *
 * <p>Updates are computed from the cursor, never from the signal that woke the watcher, so signals
 * may be dropped or merged freely and nothing is lost or repeated. A watcher whose cursor lies before
 * its hub's window reads Redis from its own offset, one page per update. Not thread-safe: its stream
 * calls it one step at a time.
 */
final class Watcher {

    private final JobRef ref;
    private final String incarnation;
    private final WatchOptions options;
    private final WatchReader reader;
    private final JsonMapper mapper;
    private final boolean polling;

    private long log;
    private long stream;
    private boolean running;
    private String progressSent;
    private boolean first = true;
    private boolean done;

    /**
     * @param incarnation the one incarnation of the job this watcher may read (its watch token's), or
     *                    null for any
     * @param reader      reads what this watcher needs that its hub's windows no longer hold
     */
    Watcher(
            JobRef ref,
            String incarnation,
            WatchOptions options,
            WatchReader reader,
            JsonMapper mapper,
            boolean polling) {
        this.ref = ref;
        this.incarnation = incarnation;
        this.options = options;
        this.reader = reader;
        this.mapper = mapper;
        this.polling = polling;
        this.log = options.logOffset();
        this.stream = options.streamOffset();
        this.running = options.running();
    }

    /** Whether Redis holds more for this watcher than it has been sent. */
    boolean behind(HubState state) {
        return !done
                && state.ready()
                && ((options.wantsLogs() && log < state.logLength()) || stream < state.streamLength());
    }

    /** The next event for this watcher, or nothing when it has nothing new to hear. */
    Mono<WatchEvent> next(HubState state) {
        if (done) {
            return Mono.empty();
        }
        if (state.status() == HubState.Status.NOT_FOUND) {
            done = true;
            return Mono.just(WatchEvent.NOT_FOUND);
        }
        if (state.status() == HubState.Status.FAILED) {
            done = true;
            return Mono.error(state.failure());
        }
        if (incarnation != null && !incarnation.equals(state.incarnation())) {
            // A watch token of an earlier job with this id: a poll has not answered yet and gets 401, a
            // stream has and ends with an error event of the same word.
            done = true;
            return Mono.error(new JobNotHeldException());
        }
        boolean logsInWindow =
                !options.wantsLogs() || log >= state.logLength() || state.log().covers(log);
        boolean chunksInWindow =
                stream >= state.streamLength() || state.chunks().covers(stream);
        if (logsInWindow && chunksInWindow) {
            long nextLog = options.wantsLogs() ? Math.max(log, state.log().end()) : log;
            long nextStream = Math.max(stream, state.chunks().end());
            long from = log;
            long chunksFrom = stream;
            return Mono.justOrEmpty(emit(
                    state,
                    nextLog,
                    () -> state.log().from(from),
                    nextStream,
                    () -> state.chunks().from(chunksFrom),
                    true));
        }
        Mono<LogSlice> logs = !options.wantsLogs() || log >= state.logLength()
                ? Mono.just(new LogSlice("", log))
                : logsInWindow
                        ? Mono.just(
                                new LogSlice(state.log().from(log), state.log().end()))
                        : reader.catchUpLog(ref, log, state.incarnation());
        Mono<List<String>> chunks = chunksInWindow
                ? Mono.just(
                        stream >= state.streamLength()
                                ? List.of()
                                : List.of(state.chunks().from(stream)))
                : reader.catchUpChunks(ref, stream, state.incarnation());
        return Mono.zip(logs, chunks).flatMap(read -> {
            long nextLog = options.wantsLogs() ? read.getT1().end() : log;
            long nextStream = chunksInWindow
                    ? Math.max(stream, state.chunks().end())
                    : stream + read.getT2().size();
            return Mono.justOrEmpty(emit(
                    state, nextLog, () -> read.getT1().text(), nextStream, () -> String.join("", read.getT2()), false));
        });
    }

    /**
     * Everything an update's encoding depends on besides the hub state it is computed from; the
     * options' flags but not their starting offsets, so resumed and fresh watchers at one place share.
     */
    private record Key(
            boolean onlyResult,
            boolean noLogs,
            boolean first,
            long log,
            long nextLog,
            long stream,
            long nextStream,
            boolean knewRunning,
            boolean running,
            boolean progress,
            boolean completed) {}

    private WatchEvent emit(
            HubState state,
            long nextLog,
            Supplier<String> logText,
            long nextStream,
            Supplier<String> chunkText,
            boolean shareable) {
        boolean newLogs = options.wantsLogs() && nextLog > log;
        boolean newChunks = nextStream > stream;
        boolean sayRunning = !options.onlyResult() && !running && state.state() == JobState.RUNNING;
        boolean sayProgress = options.getProgress()
                && !options.onlyResult()
                && state.progressText() != null
                && !state.progressText().equals(progressSent);
        boolean caughtUp = (!options.wantsLogs() || nextLog >= state.logLength()) && nextStream >= state.streamLength();
        boolean complete = state.completed() && caughtUp;
        if (!(first || newLogs || newChunks || sayRunning || sayProgress || complete)) {
            return null;
        }
        Key key = new Key(
                options.onlyResult(),
                options.noLogs(),
                first,
                log,
                nextLog,
                stream,
                nextStream,
                running,
                sayRunning,
                sayProgress,
                complete);
        Supplier<WatchEvent> render = () -> render(state, key, logText, chunkText);
        WatchEvent event =
                shareable && !polling ? state.encoded().computeIfAbsent(key, k -> render.get()) : render.get();
        log = nextLog;
        stream = nextStream;
        running |= sayRunning;
        if (sayProgress) {
            progressSent = state.progressText();
        }
        first = false;
        done = complete;
        return event;
    }

    private WatchEvent render(HubState state, Key key, Supplier<String> logText, Supplier<String> chunkText) {
        ObjectNode update = mapper.createObjectNode();
        if (!polling) {
            update.put("type", "update");
        }
        if (key.running()) {
            update.put("running", true);
        }
        if (key.first() || key.completed()) {
            update.put("completed", key.completed());
        }
        if (key.nextLog() > key.log()) {
            update.put("new_logs", logText.get());
        }
        if (options.wantsLogs() && (key.first() || key.nextLog() > key.log() || key.completed())) {
            update.put("log_offset", key.nextLog() + 1);
        }
        if (key.nextStream() > key.stream()) {
            update.put("new_result_stream", chunkText.get());
        }
        if (key.first() || key.nextStream() > key.stream() || key.completed()) {
            update.put("stream_offset", key.nextStream());
        }
        if (key.progress()) {
            update.set("progress", state.progress());
            if (state.progress().isNull()) {
                omitted(
                        update,
                        "progress",
                        JsonBudget.show(state.progressText(), mapper).omitted());
            }
        }
        if (key.completed()) {
            if (options.onlyResult()) {
                update.set("only_result", state.result());
                omitted(
                        update,
                        "only_result",
                        state.job().path(JsonBudget.OMITTED).path("result").stringValue(null));
            } else if (!polling) {
                update.set("job", state.job());
            }
        }
        boolean knowsRunning = key.knewRunning() || key.running();
        return new WatchEvent(
                WatchOptions.eventId(key.nextLog(), key.nextStream(), knowsRunning),
                mapper.writeValueAsString(update),
                key.completed() && !polling);
    }

    /**
     * Names a value the update holds as null because it cannot be shown ({@link JsonBudget}), as the job
     * document names its own; {@code why} is null for a value that is null as stored.
     */
    private static void omitted(ObjectNode update, String field, String why) {
        if (why != null) {
            update.withObjectProperty(JsonBudget.OMITTED).put(field, why);
        }
    }
}
