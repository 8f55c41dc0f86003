package dev.jobwatch.web;

import dev.jobwatch.auth.Access;
import dev.jobwatch.auth.Grant;
import dev.jobwatch.config.LimitProperties;
import dev.jobwatch.job.InvalidInputException;
import dev.jobwatch.job.Job;
import dev.jobwatch.job.JobJson;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.NewJob;
import dev.jobwatch.store.JobStore;
import dev.jobwatch.store.bullmq.BullMqJobs;
import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The BullMQ HTTP API's job routes. Each handler checks, in order, the names in the path (400), the
 * token (401), the body (415, 413, 400), and only then asks the store (404, 409, 503), so a refused
 * request never reaches Redis.
 *
 * <p>On a BullMQ queue's jobs the job token is BullMQ's lock token, which only Redis knows: it is
 * checked there first (401), then the body, then the write checks it again in the same atomic step.
 * Routes that BullMQ itself owns (start, stream, complete) answer 400 there whatever the token.
 */
final class WorkerHandler {

    private static final int MAX_LOG_PAGE = 100;
    private static final int DEFAULT_LIST = 50;
    private static final int MAX_LIST = 1000;
    private static final Set<String> COMPLETE_FIELDS = Set.of("success", "result");

    private final JobStore store;
    private final BullMqJobs bullmq;
    private final Access access;
    private final LimitProperties limits;
    private final JsonMapper mapper;
    private final RequestBodies bodies;
    private final Cancellation cancellation;
    private final SecureRandom ids = seededAtStart();

    WorkerHandler(JobStore store, BullMqJobs bullmq, Access access, LimitProperties limits, JsonMapper mapper,
            Cancellation cancellation) {
        this.store = store;
        this.bullmq = bullmq;
        this.access = access;
        this.limits = limits;
        this.mapper = mapper;
        this.bodies = new RequestBodies(mapper);
        this.cancellation = cancellation;
    }

    Mono<ServerResponse> add(ServerRequest request) {
        return Mono.defer(() -> {
            String namespace = request.pathVariable("q");
            JobRef.checkNamespace(namespace);
            access.requireProducer(bearer(request), namespace);
            return bodies.json(request, "Job batch", limits.body())
                    .map(this::batch)
                    .flatMap(jobs -> store.add(namespace, jobs))
                    .flatMap(jobs -> {
                        ArrayNode added = mapper.createArrayNode();
                        for (Job job : jobs) {
                            ObjectNode doc = JobJson.document(job, mapper);
                            doc.put("token", access.jobToken(job.ref(), job.incarnation()));
                            doc.put("watch_token", access.watchToken(job.ref(), job.incarnation()));
                            added.add(doc);
                        }
                        return json(added);
                    });
        });
    }

    /**
     * The namespace's recently added jobs that still exist, newest first, each with its watch token, so
     * that a browser page can stream a job without putting the producer token in a URL.
     */
    Mono<ServerResponse> list(ServerRequest request) {
        return Mono.defer(() -> {
            String namespace = request.pathVariable("q");
            JobRef.checkNamespace(namespace);
            access.requireProducer(bearer(request), namespace);
            int limit = listLimit(request);
            return store.recent(namespace, limit)
                    .collect(mapper::createArrayNode, (jobs, job) -> {
                        ObjectNode doc = JobJson.document(job, mapper);
                        if (job.incarnation() != null) {
                            doc.put("watch_token", access.watchToken(job.ref(), job.incarnation()));
                        }
                        jobs.add(doc);
                    })
                    .flatMap(this::json);
        });
    }

    private static int listLimit(ServerRequest request) {
        String value = request.queryParam("limit").orElse(Integer.toString(DEFAULT_LIST));
        try {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= MAX_LIST) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new InvalidInputException("Invalid limit: use a whole number from 1 to " + MAX_LIST);
    }

    Mono<ServerResponse> get(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = ref(request);
            access.requireProducer(bearer(request), ref.namespace());
            return store.get(ref).flatMap(job -> json(JobJson.document(job, mapper)));
        });
    }

    Mono<ServerResponse> start(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = ref(request);
            refuseOnBullMq(ref);
            String incarnation = access.requireJob(bearer(request), ref);
            return ok(store.start(ref, incarnation));
        });
    }

    Mono<ServerResponse> progress(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = ref(request);
            if (bullmq.owns(ref.namespace())) {
                String token = bearer(request);
                return bullmq.requireLock(ref, token)
                        .then(bodies.json(request, "Progress", limits.progress()))
                        .flatMap(progress -> ok(bullmq.progress(ref, token, mapper.writeValueAsString(progress))));
            }
            String incarnation = access.requireJob(bearer(request), ref);
            return bodies.json(request, "Progress", limits.progress())
                    .flatMap(progress -> ok(store.progress(ref, incarnation, mapper.writeValueAsString(progress))));
        });
    }

    Mono<ServerResponse> addLog(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = ref(request);
            if (bullmq.owns(ref.namespace())) {
                String token = bearer(request);
                return bullmq.requireLock(ref, token)
                        .then(bodies.text(request, "Log row", limits.log()))
                        .flatMap(row -> ok(bullmq.appendLog(ref, token, row)));
            }
            String incarnation = access.requireJob(bearer(request), ref);
            return bodies.text(request, "Log row", limits.log())
                    .flatMap(row -> ok(store.appendLog(ref, incarnation, row)));
        });
    }

    Mono<ServerResponse> logs(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = ref(request);
            String token = bearer(request);
            Mono<Void> allowed;
            Grant grant;
            if (bullmq.owns(ref.namespace()) && !access.isProducer(token, ref.namespace())) {
                allowed = bullmq.requireLock(ref, token);
                grant = Grant.ANY;
            } else {
                grant = access.requireProducerOrJob(token, ref);
                allowed = Mono.empty();
            }
            long start;
            long length;
            try {
                start = Long.parseLong(request.queryParam("start").orElse("0"));
                length = Long.parseLong(request.queryParam("length").orElse("10"));
            } catch (NumberFormatException e) {
                throw new InvalidInputException("Invalid start or length");
            }
            if (start < 0 || length < 0) {
                throw new InvalidInputException("Start and length must be positive");
            }
            if (length > MAX_LOG_PAGE) {
                throw new InvalidInputException("Length must be less than or equal to " + MAX_LOG_PAGE);
            }
            return allowed.then(store.logRows(ref, grant.incarnation(), start, (int) length)).flatMap(page -> {
                ObjectNode body = mapper.createObjectNode();
                body.put("count", page.count());
                ArrayNode rows = body.putArray("logs");
                page.logs().forEach(rows::add);
                return json(body);
            });
        });
    }

    Mono<ServerResponse> addChunk(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = ref(request);
            refuseOnBullMq(ref);
            String incarnation = access.requireJob(bearer(request), ref);
            return bodies.text(request, "Chunk", limits.chunk())
                    .flatMap(chunk -> ok(store.appendChunk(ref, incarnation, chunk)));
        });
    }

    Mono<ServerResponse> complete(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = ref(request);
            refuseOnBullMq(ref);
            String incarnation = access.requireJob(bearer(request), ref);
            return bodies.json(request, "Completion", limits.result()).flatMap(body -> {
                BodyFields.requireObject(body, "Completion", COMPLETE_FIELDS);
                JsonNode success = body.get("success");
                if (success == null || !success.isBoolean()) {
                    throw new InvalidInputException("Completion needs \"success\": true or false");
                }
                JsonNode result = body.has("result") ? body.get("result") : mapper.nullNode();
                return ok(store.complete(ref, incarnation, success.booleanValue(), mapper.writeValueAsString(result)));
            });
        });
    }

    Mono<ServerResponse> cancel(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = ref(request);
            access.requireProducer(bearer(request), ref.namespace());
            return ok(cancellation.cancel(request, ref, Cancellation.WITH_CANCELED_BY));
        });
    }

    private List<NewJob> batch(JsonNode body) {
        if (!body.isArray()) {
            throw new InvalidInputException("Body must be a JSON array of jobs");
        }
        if (body.isEmpty()) {
            throw new InvalidInputException("Body must hold at least one job");
        }
        if (body.size() > limits.batch()) {
            throw new ApiException(HttpStatus.CONTENT_TOO_LARGE,
                    "Too many jobs in one request: at most " + limits.batch());
        }
        List<NewJob> jobs = new ArrayList<>(body.size());
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < body.size(); i++) {
            NewJob job = newJob(body.get(i), "Job " + i);
            if (!ids.add(job.id())) {
                throw new InvalidInputException("Job id " + job.id() + " appears twice in this request");
            }
            jobs.add(job);
        }
        return jobs;
    }

    private NewJob newJob(JsonNode node, String where) {
        if (!node.isObject()) {
            throw new InvalidInputException(where + " must be a JSON object");
        }
        ObjectNode meta = mapper.createObjectNode();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String name = field.getKey();
            if (!JobJson.PRODUCER_FIELDS.contains(name) && !JobJson.BULLMQ_FIELDS.contains(name)) {
                throw new InvalidInputException(where + " has an unknown field \"" + name + "\"");
            }
            if (!name.equals("id")) {
                meta.set(name, field.getValue());
            }
        }
        if (meta.has("name") && !meta.get("name").isString()) {
            throw new InvalidInputException(where + ": \"name\" must be a string");
        }
        if (meta.has("opts") && !meta.get("opts").isObject()) {
            throw new InvalidInputException(where + ": \"opts\" must be a JSON object");
        }
        JsonNode id = node.has("id") ? node.get("id") : node.path("opts").get("jobId");
        if (id != null && !id.isNull() && !id.isString()) {
            throw new InvalidInputException(where + ": \"id\" must be a string");
        }
        String jobId = id == null || id.isNull() ? randomId() : id.stringValue();
        try {
            return new NewJob(jobId, mapper.writeValueAsString(meta));
        } catch (InvalidInputException e) {
            throw new InvalidInputException(where + ": " + e.getMessage());
        }
    }

    /** BullMQ runs and completes its own jobs; these routes are not for them, whatever the token. */
    private void refuseOnBullMq(JobRef ref) {
        if (bullmq.owns(ref.namespace())) {
            throw new InvalidInputException(BullMqJobs.BULLMQ_ONLY);
        }
    }

    /**
     * A random (version 4) UUID. {@link UUID#randomUUID} reads the OS entropy source on the calling
     * thread, which here is an event loop; a DRBG seeded once at start makes the same kind of id from
     * memory alone. The ids stay unguessable, which matters when watchers are open.
     */
    private String randomId() {
        byte[] bytes = new byte[16];
        ids.nextBytes(bytes);
        bytes[6] = (byte) ((bytes[6] & 0x0f) | 0x40);
        bytes[8] = (byte) ((bytes[8] & 0x3f) | 0x80);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        return new UUID(buffer.getLong(), buffer.getLong()).toString();
    }

    private static SecureRandom seededAtStart() {
        try {
            SecureRandom random = SecureRandom.getInstance("DRBG");
            random.nextBytes(new byte[16]);
            return random;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JobRef ref(ServerRequest request) {
        return new JobRef(request.pathVariable("q"), request.pathVariable("id"));
    }

    static String bearer(ServerRequest request) {
        String header = request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return header.substring(7).trim();
    }

    private Mono<ServerResponse> json(JsonNode body) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON).bodyValue(mapper.writeValueAsString(body));
    }

    private static Mono<ServerResponse> ok(Mono<Void> write) {
        return write.then(ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).bodyValue("OK"));
    }
}
