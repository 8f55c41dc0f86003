package dev.jobwatch.web;

import static org.springframework.web.reactive.function.server.RouterFunctions.route;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The OpenAPI document of the whole HTTP API ({@code docs/openapi.yaml}, packaged on the classpath),
 * read once at start and served from memory, as the pages are: no file is read on an event loop.
 */
@Configuration(proxyBeanMethods = false)
class ApiDocumentRoutes {

    static final String PATH = "/openapi.yaml";
    private static final MediaType YAML = MediaType.parseMediaType("application/yaml;charset=UTF-8");

    @Bean
    RouterFunction<ServerResponse> apiDocument() {
        byte[] document = load();
        return route().GET(
                        PATH, request -> ServerResponse.ok().contentType(YAML).bodyValue(document))
                .build();
    }

    private static byte[] load() {
        try (InputStream in = new ClassPathResource("openapi.yaml").getInputStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("openapi.yaml is not on the classpath", e);
        }
    }
}
