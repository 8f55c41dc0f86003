package dev.jobwatch.store.bullmq;

import dev.jobwatch.job.Credential;
import dev.jobwatch.job.IdempotencyKey;
import dev.jobwatch.job.Job;
import dev.jobwatch.job.JobNotHeldException;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.JobState;
import dev.jobwatch.job.JsonBudget;
import dev.jobwatch.job.LogRows;
import dev.jobwatch.store.JobReads;
import dev.jobwatch.store.JobReports;
import dev.jobwatch.store.Keyed;
import dev.jobwatch.store.LogSlice;
import dev.jobwatch.store.LuaScript;
import dev.jobwatch.store.RedisCalls;
import dev.jobwatch.store.ScriptStatus;
import dev.jobwatch.store.WatchRead;
import io.lettuce.core.ScriptOutputType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * BullMQ's jobs, read from the keys BullMQ writes: the job hash {@code <prefix>:<queue>:<id>} (state
 * from {@code processedOn} and {@code finishedOn}, progress, result from {@code returnvalue} or
 * {@code failedReason}) and the log list {@code <prefix>:<queue>:<id>:logs}, whose rows each count with
 * a newline after them; and the two reports a worker makes on them, written as BullMQ writes them.
 *
 * <p>BullMQ adds, runs and completes its jobs, so this source takes reads and reports only. Its jobs
 * have no result stream and no incarnation; their worker's credential is BullMQ's lock token (the value
 * of {@code <prefix>:<queue>:<id>:lock}), new for each attempt, checked before the body is read and again
 * in the write's own script. A wrong token, or a job that is not active and so holds no lock, fails with
 * {@link JobNotHeldException}. A write's idempotency key is kept for its lock token, beside BullMQ's keys
 * ({@code <prefix>:<queue>:<id>:jobwatch-idem}): a retry by the worker that holds the lock is applied once;
 * once the lock has moved on, a retry is refused as any write of that worker would be.
 */
public final class BullMqJobStore implements JobReads, JobReports {

    private final RedisCalls redis;
    private final BullMqQueues queues;
    private final JsonMapper mapper;
    private final String keyRetention;
    private final LuaScript watchScript = LuaScript.load("bullmq/watch");
    private final LuaScript jobScript = LuaScript.load("bullmq/job");
    private final LuaScript logRowsScript = LuaScript.load("bullmq/logrows");
    private final LuaScript progressScript = LuaScript.load("bullmq/progress");
    private final LuaScript addLogScript = LuaScript.load("bullmq/addlog");
    private final LogMarks marks = new LogMarks();

    /** @param keyRetention how long a job keeps its writes' idempotency keys after the last keyed write */
    public BullMqJobStore(RedisCalls redis, BullMqQueues queues, JsonMapper mapper, Duration keyRetention) {
        this.redis = redis;
        this.queues = queues;
        this.mapper = mapper;
        this.keyRetention = Long.toString(keyRetention.toMillis());
    }

    @Override
    public Mono<Job> get(JobRef ref) {
        return queues.served(ref).then(Mono.defer(() -> measure(ref)));
    }

    /** The job, once its log's end is measured: one bounded walk per call, from where the last one got. */
    private Mono<Job> measure(JobRef ref) {
        LogMarks.Held held = marks.get(ref);
        List<String> args = new ArrayList<>(held.end().args());
        args.add(Integer.toString(LogMarks.WALK_ROWS));
        args.add(Integer.toString(LogMarks.WALK_BYTES));
        return redis.<List<Object>>script(
                        jobScript,
                        ScriptOutputType.MULTI,
                        new String[] {queues.job(ref), queues.logs(ref)},
                        args.toArray(String[]::new))
                .map(BullMqReplies.JobReply::decode)
                .flatMap(reply -> switch (reply.status()) {
                    case MORE -> {
                        marks.put(ref, new LogMarks.Held(reply.end(), held.read()));
                        yield measure(ref);
                    }
                    case OK -> {
                        marks.put(ref, new LogMarks.Held(reply.end(), held.read()));
                        yield Mono.just(job(ref, reply.hash(), reply.logRows(), reply.logLength()));
                    }
                    default -> Mono.error(reply.status().failure());
                });
    }

    /**
     * BullMQ's jobs have no incarnation: a producer reads any, the worker that holds the lock its own.
     * The rows are read once the lock is seen held.
     */
    @Override
    public Mono<LogRows> logRows(JobRef ref, Credential credential, long start, int length) {
        Mono<Void> allowed =
                credential instanceof Credential.Producer ? queues.served(ref) : requireLock(ref, credential);
        return allowed.then(redis.<List<Object>>script(
                        logRowsScript,
                        ScriptOutputType.MULTI,
                        new String[] {queues.job(ref), queues.logs(ref)},
                        Long.toString(start),
                        Integer.toString(length)))
                .map(BullMqReplies.LogRowsReply::decode)
                .flatMap(reply -> reply.status() == ScriptStatus.OK
                        ? Mono.just(new LogRows(reply.count(), reply.rows()))
                        : Mono.error(reply.status().failure()));
    }

    /** BullMQ's jobs have no incarnation, so any is theirs. */
    @Override
    public Mono<LogSlice> readLog(JobRef ref, long fromOffset, int maxRows, int maxBytes, String incarnation) {
        return read(ref, "", fromOffset, maxRows, maxBytes, 0).map(read -> new LogSlice(read.log(), read.logEnd()));
    }

    @Override
    public Mono<List<String>> readChunks(JobRef ref, long from, int max, String incarnation) {
        return queues.served(ref).thenReturn(List.of());
    }

    @Override
    public Mono<WatchRead> watch(JobRef ref, long knownVersion, long logFrom, long chunksFrom, WatchPage page) {
        return read(
                ref,
                knownVersion < 0 ? "" : String.format("%012x", knownVersion),
                logFrom,
                page.rows(),
                page.bytes(),
                page.window());
    }

    /** Sets the progress as BullMQ's {@code job.updateProgress} does. */
    @Override
    public Mono<Void> progress(JobRef ref, Credential credential, IdempotencyKey key, Mono<String> json) {
        String queue = BullMqQueues.queue(ref.namespace());
        return locked(ref, credential, json, (token, progress) -> {
            Keyed keyed = new Keyed(key, progressScript, progress);
            return redis.<String>script(
                    progressScript,
                    ScriptOutputType.VALUE,
                    new String[] {
                        queues.job(ref),
                        queues.events(queue),
                        queues.meta(queue),
                        queues.lock(ref),
                        queues.idempotencyKeys(ref),
                        queues.idempotencyKeyOrder(ref)
                    },
                    ref.id(),
                    progress,
                    token,
                    key.value(),
                    keyed.fingerprint(),
                    Integer.toString(IdempotencyKey.KEPT),
                    keyRetention);
        });
    }

    /** Appends a row as BullMQ's {@code job.log} does, keeping the job's {@code keepLogs}. */
    @Override
    public Mono<Void> appendLog(JobRef ref, Credential credential, IdempotencyKey key, Mono<String> row) {
        return locked(ref, credential, row, (token, text) -> {
            Keyed keyed = new Keyed(key, addLogScript, text);
            return redis.<String>script(
                    addLogScript,
                    ScriptOutputType.VALUE,
                    new String[] {
                        queues.job(ref),
                        queues.logs(ref),
                        queues.lock(ref),
                        queues.idempotencyKeys(ref),
                        queues.idempotencyKeyOrder(ref)
                    },
                    text,
                    token,
                    key.value(),
                    keyed.fingerprint(),
                    Integer.toString(IdempotencyKey.KEPT),
                    keyRetention);
        });
    }

    private interface LockedWrite {
        Mono<String> run(String token, String body);
    }

    /** The lock is checked before the body is read, then again in the write's own script. */
    private Mono<Void> locked(JobRef ref, Credential credential, Mono<String> body, LockedWrite write) {
        return requireLock(ref, credential)
                .then(body)
                .flatMap(text -> write.run(((Credential.Unsigned) credential).token(), text))
                .flatMap(ScriptStatus::outcome);
    }

    /** Completes when the credential is a token that holds the job's lock now. */
    private Mono<Void> requireLock(JobRef ref, Credential credential) {
        return queues.served(ref).then(Mono.defer(() -> {
            if (!(credential instanceof Credential.Unsigned unsigned) || unsigned.token() == null) {
                return Mono.error(new JobNotHeldException());
            }
            return redis.one(commands -> commands.get(queues.lock(ref)))
                    .filter(unsigned.token()::equals)
                    .switchIfEmpty(Mono.error(new JobNotHeldException()))
                    .then();
        }));
    }

    private Mono<WatchRead> read(JobRef ref, String knownVersion, long logFrom, int rows, int bytes, long window) {
        return queues.served(ref).then(Mono.defer(() -> walk(ref, knownVersion, logFrom, rows, bytes, window)));
    }

    /** One bounded script call, and another from where it got for as long as it answers {@code MORE}. */
    private Mono<WatchRead> walk(JobRef ref, String knownVersion, long logFrom, int rows, int bytes, long window) {
        LogMarks.Held held = marks.get(ref);
        List<String> args = new ArrayList<>(List.of(
                knownVersion,
                Long.toString(logFrom),
                Integer.toString(rows),
                Integer.toString(bytes),
                Long.toString(window)));
        args.addAll(held.end().args());
        args.addAll(held.read().args());
        args.add(Integer.toString(LogMarks.WALK_ROWS));
        args.add(Integer.toString(LogMarks.WALK_BYTES));
        return redis.<List<Object>>script(
                        watchScript,
                        ScriptOutputType.MULTI,
                        new String[] {queues.job(ref), queues.logs(ref)},
                        args.toArray(String[]::new))
                .map(BullMqReplies.WatchReply::decode)
                .flatMap(reply -> switch (reply.status()) {
                    case SAME -> Mono.empty();
                    case MORE -> {
                        marks.put(ref, new LogMarks.Held(reply.end(), reply.read()));
                        yield walk(ref, knownVersion, logFrom, rows, bytes, window);
                    }
                    case OK -> {
                        marks.put(ref, new LogMarks.Held(reply.end(), reply.read()));
                        yield Mono.just(watchRead(reply));
                    }
                    default -> Mono.error(reply.status().failure());
                });
    }

    /** The rows start where the row holding {@code logFrom} begins: the first is cut there. */
    private static WatchRead watchRead(BullMqReplies.WatchReply reply) {
        StringBuilder log = new StringBuilder();
        List<String> rows = reply.rows();
        for (int i = 0; i < rows.size(); i++) {
            String row = rows.get(i) + "\n";
            int skip = i == 0 ? (int) Math.max(0, reply.logFrom() - reply.begin()) : 0;
            log.append(row, row.offsetByCodePoints(0, skip), row.length());
        }
        return new WatchRead(
                reply.version(),
                JobState.fromWire(reply.state()),
                reply.progress(),
                reply.logLength(),
                0,
                reply.logFrom(),
                log.toString(),
                0,
                List.of(),
                null);
    }

    private Job job(JobRef ref, Map<String, String> hash, long rows, long length) {
        ObjectNode meta = mapper.createObjectNode();
        ObjectNode omitted = mapper.createObjectNode();
        meta.put("name", hash.getOrDefault("name", ""));
        meta.set("data", json(hash.get("data"), mapper.createObjectNode(), "data", omitted));
        meta.set("opts", json(hash.get("opts"), mapper.createObjectNode(), "opts", omitted));
        if (!omitted.isEmpty()) {
            meta.set(JsonBudget.OMITTED, omitted);
        }
        Long finishedOn = time(hash.get("finishedOn"));
        Long processedOn = time(hash.get("processedOn"));
        JobState state =
                finishedOn != null ? JobState.COMPLETED : processedOn != null ? JobState.RUNNING : JobState.QUEUED;
        Boolean success = null;
        String result = null;
        if (finishedOn != null) {
            // A failed attempt that was retried leaves its failedReason; a success always sets returnvalue.
            success = hash.containsKey("returnvalue") || !hash.containsKey("failedReason");
            result = success ? result(hash.get("returnvalue")) : failure(hash.get("failedReason"));
        }
        Long timestamp = time(hash.get("timestamp"));
        return new Job(
                ref,
                state,
                mapper.writeValueAsString(meta),
                timestamp == null ? 0 : timestamp,
                processedOn,
                finishedOn,
                success,
                result,
                false,
                null,
                null,
                hash.get("progress"),
                new Job.LogCounters(length, rows, 0, 0),
                0,
                0,
                null);
    }

    /** A failed job's result as Windmill gives an error: {@code {"error": {"name", "message"}}}. */
    private String failure(String reason) {
        ObjectNode error = mapper.createObjectNode();
        error.put("name", "Error");
        error.put("message", reason);
        ObjectNode result = mapper.createObjectNode();
        result.set("error", error);
        return mapper.writeValueAsString(result);
    }

    /**
     * BullMQ writes JSON here; text that is not JSON is shown as a string rather than lost. A value past
     * the {@link JsonBudget} is null, named in {@code omitted} with why, so the job is still shown.
     */
    private JsonNode json(String text, JsonNode fallback, String field, ObjectNode omitted) {
        if (text == null || text.isEmpty()) {
            return fallback;
        }
        JsonBudget.Shown read = JsonBudget.parse(text, mapper);
        if (JsonBudget.NOT_JSON.equals(read.omitted())) {
            return mapper.getNodeFactory().stringNode(text);
        }
        JsonBudget.Shown shown = read.held();
        if (shown.omitted() != null) {
            omitted.put(field, shown.omitted());
        }
        return shown.value();
    }

    /**
     * The result as BullMQ wrote it, or as a string when it is not JSON; kept as its text, so a value
     * past the budget is judged (and not shown) where the job is shown, as a jobwatch job's result is.
     */
    private String result(String text) {
        if (text == null || text.isEmpty()) {
            return "null";
        }
        return JsonBudget.NOT_JSON.equals(JsonBudget.parse(text, mapper).omitted())
                ? mapper.writeValueAsString(mapper.getNodeFactory().stringNode(text))
                : text;
    }

    private static Long time(String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return Long.valueOf(value);
        } catch (NumberFormatException e) {
            return (long) Double.parseDouble(value);
        }
    }
}
