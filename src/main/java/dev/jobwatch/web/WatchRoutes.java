package dev.jobwatch.web;

import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import dev.jobwatch.auth.Access;
import dev.jobwatch.store.JobStore;
import dev.jobwatch.watch.WatchService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/** The watcher API, as Windmill names its job-update routes. */
@Configuration(proxyBeanMethods = false)
class WatchRoutes {

    @Bean
    RouterFunction<ServerResponse> watchApi(WatchService watch, JobStore store, Access access, JsonMapper mapper) {
        WatchHandler jobs = new WatchHandler(watch, store, access, mapper);
        return route()
                .path("/api/w/{ws}/jobs_u", routes -> routes
                        .GET("/getupdate_sse/{id}", jobs::stream)
                        .GET("/getupdate/{id}", jobs::poll)
                        .GET("/get/{id}", jobs::job))
                .onError(Throwable.class, ErrorResponses::toResponse)
                .build();
    }
}
