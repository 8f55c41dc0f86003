package dev.jobwatch.web;

import dev.jobwatch.auth.Access;
import dev.jobwatch.config.LimitProperties;
import dev.jobwatch.job.Credential;
import dev.jobwatch.job.IdempotencyKey;
import dev.jobwatch.job.InvalidInputException;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.store.JobReads;
import dev.jobwatch.store.JobWrites;
import java.util.List;
import java.util.Set;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The BullMQ HTTP API's worker routes: a job's worker starts it, reports progress and log rows, streams
 * its result and completes it. Each handler checks the names in the path (400), turns the bearer token
 * into the worker's credential, and hands the credential and the body, still unread, to the store: the
 * store refuses a credential (401) before the body is read whole (415, 413, 400, 408), and holds it
 * against the job in the same atomic step as the write (404, 409, 503). A write's {@code Idempotency-Key}
 * goes with it, so a retry after an answer that was lost (a 503) is applied once (422 for a key another
 * write used).
 */
final class WorkerHandler {

    private static final Set<String> COMPLETE_FIELDS = Set.of("success", "result");
    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final JobWrites writes;
    private final JobReads reads;
    private final Access access;
    private final LimitProperties limits;
    private final JsonMapper mapper;
    private final RequestBodies bodies;

    WorkerHandler(
            JobWrites writes,
            JobReads reads,
            Access access,
            LimitProperties limits,
            JsonMapper mapper,
            RequestBodies bodies) {
        this.writes = writes;
        this.reads = reads;
        this.access = access;
        this.limits = limits;
        this.mapper = mapper;
        this.bodies = bodies;
    }

    Mono<ServerResponse> start(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = JobPaths.queueJob(request);
            return Answers.ok(writes.start(
                    ref, worker(request, ref), key(request), bodies.ignored(request, "Start body", limits.progress())));
        });
    }

    Mono<ServerResponse> progress(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = JobPaths.queueJob(request);
            return Answers.ok(writes.progress(
                    ref,
                    worker(request, ref),
                    key(request),
                    bodies.json(request, "Progress", limits.progress()).map(mapper::writeValueAsString)));
        });
    }

    Mono<ServerResponse> addLog(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = JobPaths.queueJob(request);
            return Answers.ok(writes.appendLog(
                    ref, worker(request, ref), key(request), bodies.text(request, "Log row", limits.log())));
        });
    }

    /** Rows of the log, for a producer of the namespace or the job's own worker. */
    Mono<ServerResponse> logs(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = JobPaths.queueJob(request);
            Credential reader = access.reader(Bearer.token(request), ref);
            QueryArgs.LogPage page = QueryArgs.logPage(request);
            return reads.logRows(ref, reader, page.start(), page.length()).flatMap(rows -> {
                ObjectNode body = mapper.createObjectNode();
                body.put("count", rows.count());
                ArrayNode logs = body.putArray("logs");
                rows.logs().forEach(logs::add);
                return Answers.json(mapper, body);
            });
        });
    }

    Mono<ServerResponse> addChunk(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = JobPaths.queueJob(request);
            return Answers.ok(writes.appendChunk(
                    ref, worker(request, ref), key(request), bodies.text(request, "Chunk", limits.chunk())));
        });
    }

    Mono<ServerResponse> complete(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = JobPaths.queueJob(request);
            return Answers.ok(writes.complete(
                    ref,
                    worker(request, ref),
                    key(request),
                    bodies.json(request, "Completion", limits.result()).map(this::completion)));
        });
    }

    private JobWrites.Completion completion(JsonNode body) {
        BodyFields.requireObject(body, "Completion", COMPLETE_FIELDS);
        JsonNode success = body.get("success");
        if (success == null || !success.isBoolean()) {
            throw new InvalidInputException("Completion needs \"success\": true or false");
        }
        JsonNode result = body.has("result") ? body.get("result") : mapper.nullNode();
        return new JobWrites.Completion(success.booleanValue(), mapper.writeValueAsString(result));
    }

    private Credential worker(ServerRequest request, JobRef ref) {
        return access.worker(Bearer.token(request), ref);
    }

    /** The write's {@code Idempotency-Key}, if it has one: at most one, that keeps the key's rule (400). */
    private static IdempotencyKey key(ServerRequest request) {
        List<String> sent = request.headers().header(IDEMPOTENCY_KEY);
        if (sent.isEmpty()) {
            return IdempotencyKey.NONE;
        }
        if (sent.size() > 1) {
            throw new InvalidInputException(IDEMPOTENCY_KEY + " must be sent once");
        }
        return IdempotencyKey.of(sent.get(0));
    }
}
