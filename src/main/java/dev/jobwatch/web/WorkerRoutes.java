package dev.jobwatch.web;

import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.jobwatch.auth.Access;
import dev.jobwatch.config.LimitProperties;
import dev.jobwatch.store.JobStore;
import dev.jobwatch.store.bullmq.BullMqJobs;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/** The worker and producer API, as BullMQ's HTTP API names its job routes. */
@Configuration(proxyBeanMethods = false)
class WorkerRoutes {

    @Bean
    RouterFunction<ServerResponse> workerApi(JobStore store, BullMqJobs bullmq, Access access, LimitProperties limits,
            JsonMapper mapper, ErrorResponses errors) {
        WorkerHandler jobs = new WorkerHandler(store, bullmq, access, limits, mapper,
                new Cancellation(store, new RequestBodies(mapper), limits, mapper));
        // Whole paths, as the watch routes: a nested prefix combines patterns for every request, and its
        // empty sub-path would also take "/jobs/" (a job with an empty id) as the listing.
        return route()
                .POST("/queues/{q}/jobs", jobs::add)
                .GET("/queues/{q}/jobs", jobs::list)
                .GET("/queues/{q}/jobs/{id}", jobs::get)
                .POST("/queues/{q}/jobs/{id}/start", jobs::start)
                .POST("/queues/{q}/jobs/{id}/progress", jobs::progress)
                .POST("/queues/{q}/jobs/{id}/logs", jobs::addLog)
                .GET("/queues/{q}/jobs/{id}/logs", jobs::logs)
                .POST("/queues/{q}/jobs/{id}/stream", jobs::addChunk)
                .POST("/queues/{q}/jobs/{id}/complete", jobs::complete)
                .POST("/queues/{q}/jobs/{id}/cancel", jobs::cancel)
                .onError(Throwable.class, errors::toResponse)
                .build();
    }
}
