package dev.jobwatch.web;

import dev.jobwatch.config.LimitProperties;
import dev.jobwatch.job.JobJson;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.store.JobQueue;
import java.util.Set;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * Cancelling a job, as both APIs ask for it: an optional JSON object of strings (415, 413, 400 before
 * the store is asked), then the store's cancel, which completes the job as canceled (404, 409, and
 * 400 on a BullMQ queue, whose jobs BullMQ owns).
 */
final class Cancellation {

    /** The BullMQ-side route's body: {@code reason} and who canceled. */
    static final Set<String> WITH_CANCELED_BY = Set.of("reason", "canceled_by");
    /** Windmill's body, {@code CancelJob}: a reason only; Windmill names the caller as the canceler. */
    static final Set<String> REASON_ONLY = Set.of("reason");

    private final JobQueue store;
    private final RequestBodies bodies;
    private final LimitProperties limits;
    private final JsonMapper mapper;

    Cancellation(JobQueue store, RequestBodies bodies, LimitProperties limits, JsonMapper mapper) {
        this.store = store;
        this.bodies = bodies;
        this.limits = limits;
        this.mapper = mapper;
    }

    /** Completes when the job is canceled; {@code fields} are the body fields the route takes. */
    Mono<Void> cancel(RequestView request, JobRef ref, Set<String> fields) {
        return bodies.optionalJson(request, "Cancel body", limits.progress())
                .defaultIfEmpty(mapper.createObjectNode())
                .flatMap(body -> {
                    BodyFields.requireObject(body, "Cancel body", fields);
                    String reason = BodyFields.optionalString(body, "reason");
                    String canceledBy = BodyFields.optionalString(body, "canceled_by");
                    String result = JobJson.canceledResult(mapper, reason, canceledBy);
                    return store.cancel(ref, reason, canceledBy, result);
                });
    }
}
