package dev.jobwatch.web;

import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.jobwatch.auth.Access;
import dev.jobwatch.store.JobStore;
import dev.jobwatch.watch.WatchService;
import io.micrometer.observation.ObservationPredicate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/** The watcher API, as Windmill names its job-update routes. */
@Configuration(proxyBeanMethods = false)
class WatchRoutes {

    @Bean
    RouterFunction<ServerResponse> watchApi(WatchService watch, JobStore store, Access access, JsonMapper mapper,
            ErrorResponses errors, ClientStreams clients) {
        WatchHandler jobs = new WatchHandler(watch, store, access, mapper, errors, clients);
        // Whole paths rather than a nested prefix: a nested route combines its patterns anew for every
        // request, and an SSE request keeps what it made for as long as its stream lives.
        return route()
                .GET("/api/w/{ws}/jobs_u/getupdate_sse/{id}", jobs::stream)
                .GET("/api/w/{ws}/jobs_u/getupdate/{id}", jobs::poll)
                .GET("/api/w/{ws}/jobs_u/get/{id}", jobs::job)
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
