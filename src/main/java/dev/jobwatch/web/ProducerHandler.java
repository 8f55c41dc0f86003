package dev.jobwatch.web;

import dev.jobwatch.auth.Access;
import dev.jobwatch.config.LimitProperties;
import dev.jobwatch.job.Job;
import dev.jobwatch.job.JobJson;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.store.JobQueue;
import dev.jobwatch.store.JobReads;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The BullMQ HTTP API's producer routes: add, list, get and cancel jobs. Each checks, in order, the
 * names in the path (400), the producer token (401), the body (415, 413, 400), and only then asks the
 * store (404, 409, 503), so a refused request never reaches Redis.
 */
final class ProducerHandler {

    private final JobQueue queue;
    private final JobReads reads;
    private final Access access;
    private final LimitProperties limits;
    private final JsonMapper mapper;
    private final RequestBodies bodies;
    private final JobBatch batch;
    private final Cancellation cancellation;

    ProducerHandler(
            JobQueue queue,
            JobReads reads,
            Access access,
            LimitProperties limits,
            JsonMapper mapper,
            RequestBodies bodies,
            Cancellation cancellation) {
        this.queue = queue;
        this.reads = reads;
        this.access = access;
        this.limits = limits;
        this.mapper = mapper;
        this.bodies = bodies;
        this.batch = new JobBatch(mapper, limits.batch());
        this.cancellation = cancellation;
    }

    Mono<ServerResponse> add(ServerRequest request) {
        return Mono.defer(() -> {
            RequestView view = RequestView.of(request);
            String namespace = namespace(view);
            return bodies.json(view, "Job batch", limits.body())
                    .map(batch::jobs)
                    .flatMap(jobs -> queue.add(namespace, jobs))
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
            String namespace = namespace(RequestView.of(request));
            return queue.recent(namespace, QueryArgs.listLimit(request))
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

    Mono<ServerResponse> get(ServerRequest request) {
        return Mono.defer(() -> {
            JobRef ref = job(RequestView.of(request));
            return reads.get(ref).flatMap(job -> json(JobJson.document(job, mapper)));
        });
    }

    Mono<ServerResponse> cancel(ServerRequest request) {
        return Mono.defer(() -> {
            RequestView view = RequestView.of(request);
            JobRef ref = job(view);
            return Answers.ok(cancellation.cancel(view, ref, Cancellation.WITH_CANCELED_BY));
        });
    }

    /** The path's namespace (400 when malformed), once a producer token for it is shown (401). */
    private String namespace(RequestView request) {
        String namespace = request.pathVariable("q");
        JobRef.checkNamespace(namespace);
        access.requireProducer(Bearer.token(request), namespace);
        return namespace;
    }

    /** The path's job (400 when malformed), once a producer token for its namespace is shown (401). */
    private JobRef job(RequestView request) {
        JobRef ref = JobPaths.queueJob(request);
        access.requireProducer(Bearer.token(request), ref.namespace());
        return ref;
    }

    private Mono<ServerResponse> json(JsonNode body) {
        return Answers.json(mapper, body);
    }
}
