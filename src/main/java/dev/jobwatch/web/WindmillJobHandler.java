package dev.jobwatch.web;

import dev.jobwatch.auth.Access;
import dev.jobwatch.job.Job;
import dev.jobwatch.job.JobCompletedException;
import dev.jobwatch.job.JobJson;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.JsonBudget;
import dev.jobwatch.store.JobReads;
import java.time.Instant;
import java.util.List;
import java.util.function.BiFunction;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The routes Windmill's SDKs call to wait for, read and cancel a job, with Windmill's arguments,
 * status codes and shapes. Each read is one read of the job (and its log where the answer holds it),
 * the same as {@code get}, whoever else watches the job. Reads take a producer token for the job's
 * namespace or the job's watch token; cancel takes a producer token for the namespace only.
 */
final class WindmillJobHandler {

    /** How much of the log's end {@code get_completed_logs_tail} answers, in code points. */
    static final long LOGS_TAIL = 20_000;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final JobReads store;
    private final WatcherAccess watchers;
    private final Access access;
    private final Cancellation cancellation;
    private final LogText logs;
    private final JsonMapper mapper;

    WindmillJobHandler(
            JobReads store, WatcherAccess watchers, Access access, Cancellation cancellation, JsonMapper mapper) {
        this.store = store;
        this.watchers = watchers;
        this.access = access;
        this.cancellation = cancellation;
        this.logs = new LogText(store, mapper);
        this.mapper = mapper;
    }

    /**
     * {@code {completed, result, success, started}} at once, done or not: what {@code waitJob} polls.
     * Before completion {@code result} is null and {@code success} false. {@code started} is always
     * given, whether or not {@code get_started} asked for it. A result that cannot be shown is null and
     * named under {@code omitted}, as in the job's document.
     */
    Mono<ServerResponse> resultMaybe(ServerRequest request) {
        return read(request, List.of("get_started"), (job, doc) -> {
            ObjectNode answer = NODES.objectNode();
            answer.put("completed", job.completed());
            answer.set("result", job.completed() ? doc.get("result") : NODES.nullNode());
            answer.put("success", job.completed() && Boolean.TRUE.equals(job.success()));
            answer.put("started", job.startedAt() != null || job.completed());
            JsonNode omitted = doc.path(JsonBudget.OMITTED).get("result");
            if (job.completed() && omitted != null) {
                answer.putObject(JsonBudget.OMITTED).set("result", omitted);
            }
            return json(answer);
        });
    }

    /** The result of a completed job; as in Windmill, a job that is not completed has none (404). */
    Mono<ServerResponse> result(ServerRequest request) {
        return read(request, (job, doc) -> {
            requireCompleted(job);
            return json(doc.get("result"));
        });
    }

    /** The completed job with its log, as {@code get} answers it. */
    Mono<ServerResponse> completedJob(ServerRequest request) {
        return read(request, (job, doc) -> {
            requireCompleted(job);
            return logs.withLogs(job, doc);
        });
    }

    /** When the completed job was created and started, and how long it ran. */
    Mono<ServerResponse> timing(ServerRequest request) {
        return read(request, (job, doc) -> {
            requireCompleted(job);
            ObjectNode timing = NODES.objectNode();
            timing.put("created_at", Instant.ofEpochMilli(job.createdAt()).toString());
            timing.set("started_at", doc.get("started_at"));
            timing.set("duration_ms", doc.get("duration_ms"));
            return json(timing);
        });
    }

    /**
     * The whole log as text. {@code remove_ansi_warnings} is taken and changes nothing: jobwatch adds
     * no warnings of its own to a log.
     */
    Mono<ServerResponse> logs(ServerRequest request) {
        return read(request, List.of("remove_ansi_warnings"), (job, doc) -> logs.whole(job));
    }

    /** The last {@link #LOGS_TAIL} code points of the log, as text. */
    Mono<ServerResponse> logsTail(ServerRequest request) {
        return read(request, (job, doc) -> logs.tail(job, LOGS_TAIL));
    }

    Mono<ServerResponse> args(ServerRequest request) {
        return read(request, (job, doc) -> json(doc.get("args")));
    }

    /** The job's {@code parent_job} when the producer set one, else the job itself, as Windmill computes it. */
    Mono<ServerResponse> rootJobId(ServerRequest request) {
        return read(request, (job, doc) -> {
            JsonNode parent = doc.get("parent_job");
            return json(
                    parent != null && parent.isString()
                            ? parent
                            : NODES.stringNode(job.ref().id()));
        });
    }

    /**
     * Windmill's progress: a whole number clamped to 0..99, or null when the job has none. A progress
     * that is not a number (BullMQ allows any JSON) is none here; {@code get} shows it as it is.
     */
    Mono<ServerResponse> progress(ServerRequest request) {
        return read(request, (job, doc) -> {
            JsonNode progress = doc.get("progress");
            if (progress == null || !progress.isNumber()) {
                return json(NODES.nullNode());
            }
            long percent = (long) Math.floor(progress.doubleValue());
            return json(NODES.numberNode(Math.max(0, Math.min(99, percent))));
        });
    }

    /**
     * Cancels a queued or running job and answers its id, as Windmill does; a job that completed
     * already is not an error here (Windmill answers 200 and says so), since the SDKs cancel on a
     * timeout that may race the job's end.
     */
    Mono<ServerResponse> cancel(ServerRequest request) {
        return Mono.defer(() -> {
            RequestView view = RequestView.of(request);
            JobRef ref = JobPaths.workspaceJob(view);
            access.requireProducer(Bearer.token(view), ref.namespace());
            return cancellation
                    .cancel(view, ref, Cancellation.REASON_ONLY)
                    .then(Mono.just(ref.id()))
                    .onErrorResume(
                            JobCompletedException.class,
                            e -> Mono.just("queued job id " + ref.id() + " is already completed"))
                    .flatMap(Answers::text);
        });
    }

    private Mono<ServerResponse> read(ServerRequest request, BiFunction<Job, ObjectNode, Mono<ServerResponse>> answer) {
        return read(request, List.of(), answer);
    }

    /**
     * Checks the path's names (400), the token (401) and the route's flags (400) before the one read
     * of the job, holds a watch token's incarnation against the job's as read (401), then answers from
     * the job and its document.
     */
    private Mono<ServerResponse> read(
            ServerRequest request, List<String> flags, BiFunction<Job, ObjectNode, Mono<ServerResponse>> answer) {
        return Mono.defer(() -> {
            WatcherAccess.Authorized watcher = watchers.authorized(request);
            flags.forEach(flag -> QueryArgs.flag(request, flag));
            return watcher.job(store).flatMap(job -> answer.apply(job, JobJson.document(job, mapper)));
        });
    }

    /** Windmill keeps completed jobs apart and answers 404 for a job that is not among them yet. */
    private static void requireCompleted(Job job) {
        if (!job.completed()) {
            throw new ApiException(HttpStatus.NOT_FOUND, "Job is not completed");
        }
    }

    private Mono<ServerResponse> json(JsonNode body) {
        return Answers.json(mapper, body);
    }
}
