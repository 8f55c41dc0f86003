package dev.jobwatch.web;

import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.jobwatch.auth.Access;
import dev.jobwatch.config.LimitProperties;
import dev.jobwatch.store.JobQueue;
import dev.jobwatch.store.JobReads;
import dev.jobwatch.store.JobWrites;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/** The worker and producer API, as BullMQ's HTTP API names its job routes. */
@Configuration(proxyBeanMethods = false)
class WorkerRoutes {

    @Bean
    RouterFunction<ServerResponse> workerApi(
            JobQueue queue,
            JobReads reads,
            JobWrites writes,
            Access access,
            LimitProperties limits,
            JsonMapper mapper,
            ErrorResponses errors) {
        RequestBodies bodies = new RequestBodies(mapper);
        ProducerHandler producers = new ProducerHandler(
                queue, reads, access, limits, mapper, bodies, new Cancellation(queue, bodies, limits, mapper));
        WorkerHandler workers = new WorkerHandler(writes, reads, access, limits, mapper, bodies);
        // Whole paths, as the watch routes: a nested prefix combines patterns for every request, and its
        // empty sub-path would also take "/jobs/" (a job with an empty id) as the listing.
        return route().POST("/queues/{q}/jobs", producers::add)
                .GET("/queues/{q}/jobs", producers::list)
                .GET("/queues/{q}/jobs/{id}", producers::get)
                .POST("/queues/{q}/jobs/{id}/start", workers::start)
                .POST("/queues/{q}/jobs/{id}/progress", workers::progress)
                .POST("/queues/{q}/jobs/{id}/logs", workers::addLog)
                .GET("/queues/{q}/jobs/{id}/logs", workers::logs)
                .POST("/queues/{q}/jobs/{id}/stream", workers::addChunk)
                .POST("/queues/{q}/jobs/{id}/complete", workers::complete)
                .POST("/queues/{q}/jobs/{id}/cancel", producers::cancel)
                .onError(Throwable.class, errors::toResponse)
                .build();
    }
}
