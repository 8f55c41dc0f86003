package dev.jobwatch.store.bullmq;

import dev.jobwatch.job.InvalidInputException;
import dev.jobwatch.job.Job;
import dev.jobwatch.job.JobNotFoundException;
import dev.jobwatch.job.JobNotHeldException;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.JobState;
import dev.jobwatch.job.LogRows;
import dev.jobwatch.job.NewJob;
import dev.jobwatch.store.JobStore;
import dev.jobwatch.store.RedisJobStore;
import dev.jobwatch.store.LogSlice;
import dev.jobwatch.store.LuaScript;
import dev.jobwatch.store.WatchRead;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * BullMQ's jobs as the {@link JobStore} seam shows jobs, read from the keys BullMQ writes: the job hash
 * {@code <prefix>:<queue>:<id>} (state from {@code processedOn} and {@code finishedOn}, progress, result
 * from {@code returnvalue} or {@code failedReason}) and the log list {@code <prefix>:<queue>:<id>:logs},
 * whose rows each count with a newline after them. BullMQ jobs have no result stream, and no incarnation:
 * jobwatch issues no token for them (their job token is BullMQ's lock token, new for each attempt and
 * checked in the write's own script), so they are read with a producer token or by open watchers. Adding, starting,
 * completing, cancelling and streaming are BullMQ's own business: they answer 400 saying so.
 */
public final class BullMqJobStore implements JobStore {

    private final Mono<RedisClusterReactiveCommands<String, String>> redis;
    private final BullMqQueues queues;
    private final JsonMapper mapper;
    private final LuaScript watchScript = LuaScript.load("bullmq/watch");
    private final LuaScript jobScript = LuaScript.load("bullmq/job");
    private final LuaScript logRowsScript = LuaScript.load("bullmq/logrows");

    public BullMqJobStore(Mono<RedisClusterReactiveCommands<String, String>> redis, BullMqQueues queues, JsonMapper mapper) {
        this.redis = redis;
        this.queues = queues;
        this.mapper = mapper;
    }

    @Override
    public Mono<List<Job>> add(String namespace, List<NewJob> jobs) {
        return Mono.error(new InvalidInputException(BullMqJobs.BULLMQ_ONLY));
    }

    /** BullMQ keeps its own lists of a queue's jobs; jobwatch lists only the jobs it added. */
    @Override
    public Flux<Job> recent(String namespace, int limit) {
        return Flux.error(new InvalidInputException(BullMqJobs.NO_LISTING));
    }

    @Override
    public Mono<Job> get(JobRef ref) {
        return served(ref).then(this.<List<Object>>run(jobScript, new String[] {queues.job(ref), queues.logs(ref)})
                .flatMap(reply -> {
                    if ("NOTFOUND".equals(reply.get(0))) {
                        return Mono.error(new JobNotFoundException());
                    }
                    Map<String, String> hash = new HashMap<>();
                    for (int i = 3; i + 1 < reply.size(); i += 2) {
                        hash.put((String) reply.get(i), (String) reply.get(i + 1));
                    }
                    long rows = Long.parseLong((String) reply.get(1));
                    long length = Long.parseLong((String) reply.get(2));
                    return Mono.just(job(ref, hash, rows, length));
                }));
    }

    @Override
    public Mono<Void> start(JobRef ref, String incarnation) {
        return Mono.error(new InvalidInputException(BullMqJobs.BULLMQ_ONLY));
    }

    /** Without a lock token no write can hold the job: {@link BullMqWriter} takes these writes. */
    @Override
    public Mono<Void> progress(JobRef ref, String incarnation, String json) {
        return Mono.error(new JobNotHeldException());
    }

    @Override
    public Mono<Void> appendLog(JobRef ref, String incarnation, String row) {
        return Mono.error(new JobNotHeldException());
    }

    @Override
    public Mono<Void> appendChunk(JobRef ref, String incarnation, String chunk) {
        return Mono.error(new InvalidInputException(BullMqJobs.BULLMQ_ONLY));
    }

    @Override
    public Mono<Void> complete(JobRef ref, String incarnation, boolean success, String resultJson) {
        return Mono.error(new InvalidInputException(BullMqJobs.BULLMQ_ONLY));
    }

    @Override
    public Mono<Void> cancel(JobRef ref, String reason, String canceledBy, String resultJson) {
        return Mono.error(new InvalidInputException(BullMqJobs.BULLMQ_ONLY));
    }

    /** BullMQ's jobs have no incarnation: only a reader that may read any (a producer) reads them here. */
    @Override
    public Mono<LogRows> logRows(JobRef ref, String incarnation, long start, int length) {
        if (incarnation != null) {
            return Mono.error(new JobNotHeldException());
        }
        return served(ref).then(this.<List<Object>>run(logRowsScript, new String[] {queues.job(ref), queues.logs(ref)},
                        Long.toString(start), Integer.toString(length))
                .flatMap(reply -> "NOTFOUND".equals(reply.get(0)) ? Mono.error(new JobNotFoundException())
                        : Mono.just(new LogRows(Long.parseLong((String) reply.get(1)),
                                reply.subList(2, reply.size()).stream().map(String.class::cast).toList()))));
    }

    @Override
    public Mono<LogSlice> readLog(JobRef ref, long fromOffset, int maxRows, int maxBytes) {
        return read(ref, "", fromOffset, maxRows, maxBytes, 0)
                .map(read -> new LogSlice(read.log(), read.logEnd()));
    }

    @Override
    public Mono<List<String>> readChunks(JobRef ref, long from, int max) {
        return served(ref).thenReturn(List.of());
    }

    @Override
    public Mono<WatchRead> watch(JobRef ref, long knownVersion, long logFrom, long chunksFrom, WatchPage page) {
        return read(ref, knownVersion < 0 ? "" : String.format("%012x", knownVersion), logFrom, page.rows(),
                page.bytes(), page.window());
    }

    private Mono<WatchRead> read(JobRef ref, String knownVersion, long logFrom, int rows, int bytes, long window) {
        return served(ref).then(this.<List<Object>>run(watchScript, new String[] {queues.job(ref), queues.logs(ref)},
                        knownVersion, Long.toString(logFrom), Integer.toString(rows), Integer.toString(bytes),
                        Long.toString(window))
                .flatMap(reply -> switch ((String) reply.get(0)) {
                    case "NOTFOUND" -> Mono.error(new JobNotFoundException());
                    case "SAME" -> Mono.empty();
                    default -> Mono.just(watchRead(reply));
                }));
    }

    private static WatchRead watchRead(List<Object> reply) {
        long from = Long.parseLong((String) reply.get(5));
        long begin = Long.parseLong((String) reply.get(6));
        StringBuilder log = new StringBuilder();
        for (int i = 7; i < reply.size(); i++) {
            String row = reply.get(i) + "\n";
            int skip = i == 7 ? (int) Math.max(0, from - begin) : 0;
            log.append(row, row.offsetByCodePoints(0, skip), row.length());
        }
        return new WatchRead(Long.parseLong((String) reply.get(2), 16), JobState.fromWire((String) reply.get(1)),
                (String) reply.get(3), Long.parseLong((String) reply.get(4)), 0, 0, 0, from, log.toString(), 0,
                List.of(), null);
    }

    private Mono<Void> served(JobRef ref) {
        return queues.served(ref);
    }

    private <T> Mono<T> run(LuaScript script, String[] keys, String... args) {
        return redis.flatMap(commands -> script.<T>run(commands, ScriptOutputType.MULTI, keys, args).next())
                .onErrorMap(RedisJobStore::translate);
    }

    private Job job(JobRef ref, Map<String, String> hash, long rows, long length) {
        ObjectNode meta = mapper.createObjectNode();
        meta.put("name", hash.getOrDefault("name", ""));
        meta.set("data", json(hash.get("data"), mapper.createObjectNode()));
        meta.set("opts", json(hash.get("opts"), mapper.createObjectNode()));
        Long finishedOn = time(hash.get("finishedOn"));
        Long processedOn = time(hash.get("processedOn"));
        JobState state = finishedOn != null ? JobState.COMPLETED : processedOn != null ? JobState.RUNNING : JobState.QUEUED;
        Boolean success = null;
        String result = null;
        if (finishedOn != null) {
            // A failed attempt that was retried leaves its failedReason; a success always sets returnvalue.
            success = hash.containsKey("returnvalue") || !hash.containsKey("failedReason");
            result = success ? mapper.writeValueAsString(json(hash.get("returnvalue"), mapper.nullNode()))
                    : failure(hash.get("failedReason"));
        }
        Long timestamp = time(hash.get("timestamp"));
        return new Job(ref, state, mapper.writeValueAsString(meta), timestamp == null ? 0 : timestamp, processedOn,
                finishedOn, success, result, false, null, null, hash.get("progress"),
                new Job.LogCounters(length, rows, 0, 0), 0, 0, null);
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

    /** BullMQ writes JSON here; text that is not JSON is shown as a string rather than lost. */
    private JsonNode json(String text, JsonNode fallback) {
        if (text == null || text.isEmpty()) {
            return fallback;
        }
        try {
            return mapper.readTree(text);
        } catch (JacksonException e) {
            return mapper.getNodeFactory().stringNode(text);
        }
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
