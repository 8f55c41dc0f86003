package dev.jobwatch.web;

import dev.jobwatch.config.CorsProperties;
import dev.jobwatch.config.HttpProperties;
import dev.jobwatch.config.LimitProperties;
import dev.jobwatch.config.StreamCapacity;
import dev.jobwatch.config.WatchProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelPipeline;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.HttpHandlerDecoratorFactory;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.reactive.CorsWebFilter;
import org.springframework.web.cors.reactive.UrlBasedCorsConfigurationSource;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.function.server.support.RouterFunctionMapping;
import org.springframework.web.util.pattern.PathPatternParser;
import reactor.netty.NettyPipeline;

/**
 * What every request meets before a route: the request size limits and timeouts of the HTTP server, the
 * strict reading of HTTP/1's version and Host, the caps on streams, CORS for browser watchers, and the
 * security headers of every answer; and the answer to a request that no route takes. What a request may
 * leave in the log: {@link RequestLogConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
class EdgeConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EdgeConfiguration.class);

    /**
     * Reactor Netty refuses a request line or headers past these with 414 or 431 before any handler
     * runs. Ordered after Spring Boot's own customizer, so that these settings are the ones that hold.
     */
    @Bean
    WebServerFactoryCustomizer<NettyReactiveWebServerFactory> requestSizeLimits(LimitProperties limits) {
        int headers = Math.toIntExact(limits.headers().toBytes());
        int line = Math.toIntExact(limits.url().toBytes());
        return new RequestSizeLimits(headers, line);
    }

    /**
     * A connection must bring its request's headers within the header timeout, may wait for its next
     * request at most the idle timeout, and may pause within a body at most the header timeout; a
     * connection that serves a stream is none of these, so streams and their pings are never cut. Each
     * request's version and Host are checked as the headers arrive, before any route.
     */
    @Bean
    WebServerFactoryCustomizer<NettyReactiveWebServerFactory> connectionTimeouts(HttpProperties http) {
        return new ConnectionTimeouts(http.headerTimeout(), http.idleTimeout());
    }

    /**
     * A body whose chunked encoding breaks fails as the body its route reads, rather than ending as if
     * it were whole, so a route that refuses it has written nothing.
     */
    @Bean
    WebServerFactoryCustomizer<NettyReactiveWebServerFactory> bodyDecodingFailures() {
        return factory -> factory.addServerCustomizers(server -> server.doOnChannelInit((observer, channel, remote) -> {
            ChannelPipeline pipeline = channel.pipeline();
            if (pipeline.get(NettyPipeline.HttpCodec) != null) {
                pipeline.addAfter(NettyPipeline.HttpCodec, BodyDecodingFailures.NAME, new BodyDecodingFailures());
            }
        }));
    }

    /** The per-client cap on streams; the pod's cap, computed from the heap unless set, is logged here. */
    @Bean
    ClientStreams clientStreams(HttpProperties http, WatchProperties watch, MeterRegistry meters) {
        if (watch.maxStreamsFromHeap()) {
            log.info(
                    "This pod takes at most {} SSE streams (JOBWATCH_WATCH_MAX_STREAMS unset: what a {} MiB heap "
                            + "holds at {} KiB a stream beyond {} MiB, with a fifth left free)",
                    watch.maxStreams(),
                    Runtime.getRuntime().maxMemory() >> 20,
                    StreamCapacity.BYTES_PER_STREAM >> 10,
                    StreamCapacity.BASE_BYTES >> 20);
        } else {
            log.info("This pod takes at most {} SSE streams (JOBWATCH_WATCH_MAX_STREAMS)", watch.maxStreams());
        }
        if (http.maxStreamsPerClient() > 0) {
            log.info(
                    "A client may hold at most {} SSE streams; a client is {}",
                    http.maxStreamsPerClient(),
                    http.trustedProxies() == 0
                            ? "the connection's address"
                            : "address " + http.trustedProxies() + " from the end of X-Forwarded-For");
        }
        return new ClientStreams(http, meters);
    }

    /**
     * CORS on the watcher routes only: a browser page may follow a job, but adding, writing and
     * cancelling jobs is for servers, so producer routes never answer a cross-origin browser.
     * Cookies (the {@code token} cookie) go only to origins named one by one. With no origin
     * configured there is no filter at all: every open SSE stream holds each filter of its chain
     * for as long as it lives.
     */
    @Bean
    @Order(Ordered.HIGHEST_PRECEDENCE)
    @Conditional(CorsOriginsConfigured.class)
    CorsWebFilter corsFilter(CorsProperties cors) {
        UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource(new PathPatternParser());
        CorsConfiguration config = new CorsConfiguration();
        if (cors.anyOrigin()) {
            config.setAllowedOriginPatterns(List.of("*"));
            config.setAllowCredentials(false);
        } else {
            config.setAllowedOrigins(cors.origins());
            config.setAllowCredentials(true);
        }
        config.setAllowedMethods(List.of("GET"));
        config.setAllowedHeaders(
                List.of(HttpHeaders.AUTHORIZATION, "Last-Event-ID", HttpHeaders.CACHE_CONTROL, HttpHeaders.ACCEPT));
        config.setMaxAge(Duration.ofHours(1));
        source.registerCorsConfiguration("/api/w/**", config);
        return new CorsWebFilter(source);
    }

    /**
     * The {@link SecurityHeaders} on every answer of WebFlux's, set around the whole HTTP handler rather
     * than in a filter, so that a long-lived stream holds no filter for it.
     */
    @Bean
    HttpHandlerDecoratorFactory securityHeaders() {
        return handler -> (request, response) -> {
            SecurityHeaders.set(response.getHeaders()::set);
            return handler.handle(request, response);
        };
    }

    /**
     * A fault that every request meets (Redis away, a bug on one route) is logged once a minute with how
     * many more there were, rather than once per request.
     */
    @Bean
    ErrorResponses errorResponses(FaultLog faults) {
        return new ErrorResponses(faults);
    }

    /**
     * A request that no route takes gets 404 with a plain-text body, as every other error here, rather
     * than Spring's JSON error page. A handler mapping of its own, after every other one (the routes,
     * the actuator's), so that it answers only what nothing else does.
     */
    @Bean
    RouterFunctionMapping unknownRoutes() {
        RouterFunctionMapping mapping = new RouterFunctionMapping(RouterFunctions.route(
                RequestPredicates.all(),
                request -> ServerResponse.status(HttpStatus.NOT_FOUND)
                        .contentType(MediaType.TEXT_PLAIN)
                        .bodyValue("Not found")));
        mapping.setOrder(Ordered.LOWEST_PRECEDENCE);
        return mapping;
    }

    /** Whether the CORS settings, read as {@link CorsProperties} reads them, name at least one origin. */
    static final class CorsOriginsConfigured implements Condition {

        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return Binder.get(context.getEnvironment())
                    .bind("jobwatch.cors", CorsProperties.class)
                    .map(cors -> !cors.origins().isEmpty())
                    .orElse(false);
        }
    }

    private record ConnectionTimeouts(Duration header, Duration idle)
            implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory>, Ordered {

        @Override
        public void customize(NettyReactiveWebServerFactory factory) {
            long headerMillis = header.toMillis();
            factory.addServerCustomizers(server -> server.idleTimeout(idle)
                    .readTimeout(header)
                    .doOnChannelInit((observer, channel, remote) -> {
                        ChannelPipeline pipeline = channel.pipeline();
                        if (pipeline.get(NettyPipeline.HttpCodec) != null) {
                            pipeline.addAfter(
                                    NettyPipeline.HttpCodec, HeaderDeadline.NAME, new HeaderDeadline(headerMillis));
                            pipeline.addAfter(HeaderDeadline.NAME, StrictRequests.NAME, new StrictRequests());
                        }
                    }));
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }

    private record RequestSizeLimits(int headers, int line)
            implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory>, Ordered {

        @Override
        public void customize(NettyReactiveWebServerFactory factory) {
            factory.addServerCustomizers(server -> server.httpRequestDecoder(
                    spec -> spec.maxHeaderSize(headers).maxInitialLineLength(line)));
        }

        @Override
        public int getOrder() {
            return Ordered.LOWEST_PRECEDENCE;
        }
    }
}
