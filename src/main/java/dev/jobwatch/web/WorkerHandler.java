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
 * its result and completes it ({@link WorkerWrite}), and reads its log rows back. The writes are one
 * handler, {@link #write}, which reads its request through a {@link RequestView}, so that Reactor Netty's
 * own routes ({@link NettyWriteRoutes}) and WebFlux's serve them with the same steps. It checks the names
 * in the path (400), turns the bearer token into the worker's credential, reads the
 * {@code Idempotency-Key} (400), and hands the credential and the body, still unread, to the store: the
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

    /**
     * One of the worker's writes, whichever part of the server carries the request; completes once the
     * write is in the store, or fails with what {@link ErrorResponses} classifies.
     */
    Mono<Void> write(WorkerWrite write, RequestView request) {
        return Mono.defer(() -> {
            JobRef ref = JobPaths.queueJob(request);
            Credential worker = access.worker(Bearer.token(request), ref);
            IdempotencyKey key = key(request);
            return switch (write) {
                case START -> writes.start(ref, worker, key, bodies.ignored(request, "Start body", limits.progress()));
                case PROGRESS ->
                    writes.progress(
                            ref,
                            worker,
                            key,
                            bodies.json(request, "Progress", limits.progress()).map(mapper::writeValueAsString));
                case LOG -> writes.appendLog(ref, worker, key, bodies.text(request, "Log row", limits.log()));
                case CHUNK -> writes.appendChunk(ref, worker, key, bodies.text(request, "Chunk", limits.chunk()));
                case COMPLETE ->
                    writes.complete(
                            ref,
                            worker,
                            key,
                            bodies.json(request, "Completion", limits.result()).map(this::completion));
            };
        });
    }

    /** Rows of the log, for a producer of the namespace or the job's own worker. */
    Mono<ServerResponse> logs(ServerRequest request) {
        return Mono.defer(() -> {
            RequestView view = RequestView.of(request);
            JobRef ref = JobPaths.queueJob(view);
            Credential reader = access.reader(Bearer.token(view), ref);
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

    private JobWrites.Completion completion(JsonNode body) {
        BodyFields.requireObject(body, "Completion", COMPLETE_FIELDS);
        JsonNode success = body.get("success");
        if (success == null || !success.isBoolean()) {
            throw new InvalidInputException("Completion needs \"success\": true or false");
        }
        JsonNode result = body.has("result") ? body.get("result") : mapper.nullNode();
        return new JobWrites.Completion(success.booleanValue(), mapper.writeValueAsString(result));
    }

    /** The write's {@code Idempotency-Key}, if it has one: at most one, that keeps the key's rule (400). */
    private static IdempotencyKey key(RequestView request) {
        List<String> sent = request.headers(IDEMPOTENCY_KEY);
        if (sent.isEmpty()) {
            return IdempotencyKey.NONE;
        }
        if (sent.size() > 1) {
            throw new InvalidInputException(IDEMPOTENCY_KEY + " must be sent once");
        }
        return IdempotencyKey.of(sent.get(0));
    }
}
