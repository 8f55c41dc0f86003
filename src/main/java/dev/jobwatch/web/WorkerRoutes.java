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
            JsonMapper mapper) {
        WorkerHandler jobs = new WorkerHandler(store, bullmq, access, limits, mapper);
        return route()
                .path("/queues/{q}/jobs", routes -> routes
                        .POST("", jobs::add)
                        .GET("", jobs::list)
                        .GET("/{id}", jobs::get)
                        .POST("/{id}/start", jobs::start)
                        .POST("/{id}/progress", jobs::progress)
                        .POST("/{id}/logs", jobs::addLog)
                        .GET("/{id}/logs", jobs::logs)
                        .POST("/{id}/stream", jobs::addChunk)
                        .POST("/{id}/complete", jobs::complete)
                        .POST("/{id}/cancel", jobs::cancel))
                .onError(Throwable.class, ErrorResponses::toResponse)
                .build();
    }
}
