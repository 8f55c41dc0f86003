package dev.jobwatch.web;

import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.jobwatch.auth.Access;
import dev.jobwatch.config.LimitProperties;
import dev.jobwatch.store.JobQueue;
import dev.jobwatch.store.JobReads;
import dev.jobwatch.store.JobWrites;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.reactor.netty.NettyRouteProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * The worker and producer API, as BullMQ's HTTP API names its job routes. The worker's writes have one
 * handler and two ways in: Reactor Netty's own routes, ahead of WebFlux, for the usual form of their
 * target, and WebFlux's routes for any other form Spring's path matching reads ({@link WorkerWriteTarget}).
 */
@Configuration(proxyBeanMethods = false)
class WorkerRoutes {

    @Bean
    WorkerHandler workerHandler(
            JobWrites writes, JobReads reads, Access access, LimitProperties limits, JsonMapper mapper) {
        return new WorkerHandler(writes, reads, access, limits, mapper, new RequestBodies(mapper));
    }

    @Bean
    RouterFunction<ServerResponse> workerApi(
            JobQueue queue,
            JobReads reads,
            Access access,
            LimitProperties limits,
            JsonMapper mapper,
            ErrorResponses errors,
            WorkerHandler workers) {
        RequestBodies bodies = new RequestBodies(mapper);
        ProducerHandler producers = new ProducerHandler(
                queue, reads, access, limits, mapper, bodies, new Cancellation(queue, bodies, limits, mapper));
        // Whole paths, as the watch routes: a nested prefix combines patterns for every request, and its
        // empty sub-path would also take "/jobs/" (a job with an empty id) as the listing.
        RouterFunctions.Builder routes = route().POST("/queues/{q}/jobs", producers::add)
                .GET("/queues/{q}/jobs", producers::list)
                .GET("/queues/{q}/jobs/{id}", producers::get)
                .GET("/queues/{q}/jobs/{id}/logs", workers::logs)
                .POST("/queues/{q}/jobs/{id}/cancel", producers::cancel);
        for (WorkerWrite write : WorkerWrite.values()) {
            routes.POST(write.pattern(), request -> Answers.ok(workers.write(write, RequestView.of(request))));
        }
        return routes.onError(Throwable.class, errors::toResponse).build();
    }

    @Bean
    NettyRouteProvider workerWrites(WorkerHandler workers, ErrorResponses errors, MeterRegistry meters) {
        return new NettyWriteRoutes(workers, errors, new NettyRequestMetrics(meters));
    }
}
