package dev.jobwatch.web;

import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.jobwatch.auth.Access;
import dev.jobwatch.config.LimitProperties;
import dev.jobwatch.store.JobQueue;
import dev.jobwatch.store.JobReads;
import dev.jobwatch.watch.WatchService;
import io.micrometer.observation.ObservationPredicate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/** The watcher API, as Windmill names its job-update routes, and the job routes its SDKs call. */
@Configuration(proxyBeanMethods = false)
class WatchRoutes {

    @Bean
    RouterFunction<ServerResponse> watchApi(
            WatchService watch,
            JobReads reads,
            JobQueue queue,
            Access access,
            LimitProperties limits,
            JsonMapper mapper,
            ErrorResponses errors,
            ClientStreams clients) {
        WatcherAccess watchers = new WatcherAccess(access);
        WatchHandler jobs = new WatchHandler(watch, reads, watchers, mapper, errors, clients);
        WindmillJobHandler sdk = new WindmillJobHandler(
                reads, watchers, access, new Cancellation(queue, new RequestBodies(mapper), limits, mapper), mapper);
        // Whole paths rather than a nested prefix: a nested route combines its patterns anew for every
        // request, and an SSE request keeps what it made for as long as its stream lives.
        return route().GET("/api/w/{ws}/jobs_u/getupdate_sse/{id}", jobs::stream)
                .GET("/api/w/{ws}/jobs_u/getupdate/{id}", jobs::poll)
                .GET("/api/w/{ws}/jobs_u/get/{id}", jobs::job)
                .GET("/api/w/{ws}/jobs_u/completed/get_result_maybe/{id}", sdk::resultMaybe)
                .GET("/api/w/{ws}/jobs_u/completed/get_result/{id}", sdk::result)
                .GET("/api/w/{ws}/jobs_u/completed/get/{id}", sdk::completedJob)
                .GET("/api/w/{ws}/jobs_u/completed/get_timing/{id}", sdk::timing)
                .GET("/api/w/{ws}/jobs_u/get_logs/{id}", sdk::logs)
                .GET("/api/w/{ws}/jobs_u/get_completed_logs_tail/{id}", sdk::logsTail)
                .GET("/api/w/{ws}/jobs_u/get_args/{id}", sdk::args)
                .GET("/api/w/{ws}/jobs_u/get_root_job_id/{id}", sdk::rootJobId)
                .GET("/api/w/{ws}/job_metrics/get_progress/{id}", sdk::progress)
                .POST("/api/w/{ws}/jobs_u/queue/cancel/{id}", sdk::cancel)
                .onError(Throwable.class, errors::toResponse)
                .build();
    }

    /**
     * An SSE stream lives for a minute or more: its request observation would hold its context and tags
     * that long, for every stream, and time nothing useful. The streams have metrics of their own.
     */
    @Bean
    ObservationPredicate streamsAreNotObservedAsRequests() {
        return (name, context) -> !(context instanceof ServerRequestObservationContext request
                && request.getCarrier().getPath().value().contains("/jobs_u/getupdate_sse/"));
    }
}
