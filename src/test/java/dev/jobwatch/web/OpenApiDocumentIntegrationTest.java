package dev.jobwatch.web;

import static dev.jobwatch.web.WorkerApiClient.PRODUCER;
import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import io.swagger.v3.core.util.Json;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.io.Resource;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.RequestPredicate;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * {@code docs/openapi.yaml} is a valid OpenAPI document (read by swagger-parser), names exactly the
 * routes the router serves, and what the server answers, like the document's own examples, validates
 * against the document's schemas (networknt's validator, OpenAPI 3.0 dialect, reading the schemas from
 * the document by JSON pointer).
 */
@ActiveProfiles("test")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OpenApiDocumentIntegrationTest {

    private static final String DOCUMENT = "docs/openapi.yaml";
    private static final String JSON = "application/json";

    @LocalServerPort
    int port;

    @Autowired
    List<RouterFunction<?>> routers;

    private final SchemaRegistry schemas = SchemaRegistry.withDefaultDialect(Dialects.getOpenApi30());
    private WorkerApiClient api;

    @BeforeEach
    void client() {
        api = new WorkerApiClient(port);
    }

    private static OpenAPI document() {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        SwaggerParseResult parsed = new OpenAPIV3Parser().readLocation(DOCUMENT, null, options);
        assertThat(parsed.getMessages())
                .as("what swagger-parser finds wrong in " + DOCUMENT)
                .isEmpty();
        assertThat(parsed.getOpenAPI()).isNotNull();
        return parsed.getOpenAPI();
    }

    @Test
    void theDocumentNamesEveryRouteTheRouterServesAndNoOther() {
        Set<String> documented = new TreeSet<>();
        document()
                .getPaths()
                .forEach((path, item) -> item.readOperationsMap()
                        .forEach((method, operation) -> documented.add(method.name() + " " + placeholders(path))));
        Set<String> served = new TreeSet<>();
        routers.forEach(router -> router.accept(new Routes(served)));

        assertThat(served).as("routes the router serves").isNotEmpty();
        assertThat(documented).as("operations in " + DOCUMENT).containsExactlyElementsOf(served);
    }

    @Test
    void everyDocumentedOperationIsAnsweredByItsRouteNotByTheFallback() {
        document()
                .getPaths()
                .forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
                    String uri = path.replaceAll("\\{[^}]+}", "x-1-y");
                    var answer = api.http
                            .method(HttpMethod.valueOf(method.name()))
                            .uri(uri)
                            .header("Authorization", "Bearer " + PRODUCER)
                            .exchange()
                            .returnResult(String.class);
                    assertThat(answer.getStatus().value() == 404
                                    && "Not found"
                                            .equals(answer.getResponseBody().blockFirst()))
                            .as(method + " " + path + " reaches a route")
                            .isFalse();
                }));
    }

    @Test
    void theDocumentsExamplesValidateAgainstTheirSchemas() {
        int examples = 0;
        for (Map.Entry<String, PathItem> path : document().getPaths().entrySet()) {
            for (Map.Entry<PathItem.HttpMethod, Operation> operation :
                    path.getValue().readOperationsMap().entrySet()) {
                for (var response : operation.getValue().getResponses().entrySet()) {
                    if (response.getValue().getContent() == null) {
                        continue;
                    }
                    for (var content : response.getValue().getContent().entrySet()) {
                        Object example = content.getValue().getExample();
                        if (example != null) {
                            JsonNode node = SseClient.JSON.readTree(Json.pretty(example));
                            assertValid(
                                    path.getKey(),
                                    operation.getKey().name(),
                                    response.getKey(),
                                    content.getKey(),
                                    node);
                            examples++;
                        }
                    }
                }
            }
        }
        assertThat(examples).isGreaterThanOrEqualTo(5);
    }

    /** So that a pointer that finds no schema, or a schema that takes anything, cannot pass the tests above. */
    @Test
    void theSchemasRefuseWrongAnswers() {
        assertThat(errors(
                        "/api/w/{workspace}/jobs_u/completed/get_result_maybe/{id}",
                        "get",
                        "200",
                        JSON,
                        SseClient.JSON.readTree("{\"completed\":\"yes\",\"result\":null}")))
                .isNotEmpty();
        assertThat(errors(
                        "/api/w/{workspace}/jobs_u/get/{id}",
                        "get",
                        "200",
                        JSON,
                        SseClient.JSON.readTree("{\"type\":\"CompletedJob\",\"id\":\"x\"}")))
                .isNotEmpty();
        assertThat(errors(
                        "/api/w/{workspace}/job_metrics/get_progress/{id}",
                        "get",
                        "200",
                        JSON,
                        SseClient.JSON.readTree("\"42\"")))
                .isNotEmpty();
    }

    @Test
    void answersValidateAgainstTheirSchemas() {
        String ws = "/api/w/" + api.namespace;
        JsonNode added = post(
                api.jobs(),
                MediaType.APPLICATION_JSON,
                "[{\"name\":\"doc\",\"data\":{\"n\":1},\"id\":\"doc-1\",\"parent_job\":\"root\",\"labels\":[\"a\"]},"
                        + "{\"id\":\"doc-2\"}]");
        assertValid("/queues/{queueName}/jobs", "post", "200", JSON, added);
        String token = added.get(0).get("token").stringValue();

        Function<String, JsonNode> get = path -> SseClient.JSON.readTree(api.get(path, PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody());
        assertValid("/queues/{queueName}/jobs", "get", "200", JSON, get.apply(api.jobs()));
        assertValid("/queues/{queueName}/jobs/{jobId}", "get", "200", JSON, get.apply(api.job("doc-1")));
        assertValid("/api/w/{workspace}/jobs_u/get/{id}", "get", "200", JSON, get.apply(ws + "/jobs_u/get/doc-1"));
        assertValid(
                "/api/w/{workspace}/jobs_u/completed/get_result_maybe/{id}",
                "get",
                "200",
                JSON,
                get.apply(ws + "/jobs_u/completed/get_result_maybe/doc-1"));
        assertValid(
                "/api/w/{workspace}/job_metrics/get_progress/{id}",
                "get",
                "200",
                JSON,
                get.apply(ws + "/job_metrics/get_progress/doc-1"));

        api.post(api.job("doc-1") + "/start", token, null, null).expectStatus().isOk();
        api.log("doc-1", token, "héllo 🎉");
        api.post(api.job("doc-1") + "/progress", token, MediaType.APPLICATION_JSON, "40")
                .expectStatus()
                .isOk();
        api.post(api.job("doc-1") + "/stream", token, MediaType.TEXT_PLAIN, "chunk")
                .expectStatus()
                .isOk();
        assertValid("/queues/{queueName}/jobs/{jobId}/logs", "get", "200", JSON, get.apply(api.job("doc-1") + "/logs"));
        assertValid(
                "/api/w/{workspace}/jobs_u/getupdate/{id}",
                "get",
                "200",
                JSON,
                get.apply(ws + "/jobs_u/getupdate/doc-1?get_progress=true"));
        assertValid("/api/w/{workspace}/jobs_u/get/{id}", "get", "200", JSON, get.apply(ws + "/jobs_u/get/doc-1"));
        assertValid(
                "/api/w/{workspace}/job_metrics/get_progress/{id}",
                "get",
                "200",
                JSON,
                get.apply(ws + "/job_metrics/get_progress/doc-1"));

        api.post(
                        api.job("doc-1") + "/complete",
                        token,
                        MediaType.APPLICATION_JSON,
                        "{\"success\":true,\"result\":{\"answer\":42}}")
                .expectStatus()
                .isOk();
        api.post(ws + "/jobs_u/queue/cancel/doc-2", PRODUCER, MediaType.APPLICATION_JSON, "{\"reason\":\"r\"}")
                .expectStatus()
                .isOk();
        for (String id : List.of("doc-1", "doc-2")) {
            assertValid("/api/w/{workspace}/jobs_u/get/{id}", "get", "200", JSON, get.apply(ws + "/jobs_u/get/" + id));
            assertValid(
                    "/api/w/{workspace}/jobs_u/completed/get/{id}",
                    "get",
                    "200",
                    JSON,
                    get.apply(ws + "/jobs_u/completed/get/" + id));
            assertValid(
                    "/api/w/{workspace}/jobs_u/completed/get_result_maybe/{id}",
                    "get",
                    "200",
                    JSON,
                    get.apply(ws + "/jobs_u/completed/get_result_maybe/" + id));
            assertValid(
                    "/api/w/{workspace}/jobs_u/completed/get_timing/{id}",
                    "get",
                    "200",
                    JSON,
                    get.apply(ws + "/jobs_u/completed/get_timing/" + id));
            assertValid(
                    "/api/w/{workspace}/jobs_u/get_root_job_id/{id}",
                    "get",
                    "200",
                    JSON,
                    get.apply(ws + "/jobs_u/get_root_job_id/" + id));
            assertValid(
                    "/api/w/{workspace}/jobs_u/getupdate/{id}",
                    "get",
                    "200",
                    JSON,
                    get.apply(ws + "/jobs_u/getupdate/" + id));
            assertValid("/queues/{queueName}/jobs/{jobId}", "get", "200", JSON, get.apply(api.job(id)));
        }
        assertValid(
                "/api/w/{workspace}/jobs_u/completed/get_result/{id}",
                "get",
                "200",
                JSON,
                get.apply(ws + "/jobs_u/completed/get_result/doc-1"));
        assertValid(
                "/api/w/{workspace}/jobs_u/get_args/{id}",
                "get",
                "200",
                JSON,
                get.apply(ws + "/jobs_u/get_args/doc-1"));
        assertValid("/queues/{queueName}/jobs", "get", "200", JSON, get.apply(api.jobs()));
    }

    private JsonNode post(String path, MediaType type, String body) {
        return SseClient.JSON.readTree(api.post(path, PRODUCER, type, body)
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody());
    }

    /** {@code body} is valid against the schema the document gives this answer, found by JSON pointer. */
    private void assertValid(String path, String method, String status, String mediaType, JsonNode body) {
        assertThat(errors(path, method, status, mediaType, body))
                .as(method + " " + path + " " + status + " answered " + body)
                .isEmpty();
    }

    private List<Error> errors(String path, String method, String status, String mediaType, JsonNode body) {
        String pointer = "/paths/" + escape(path) + "/" + method.toLowerCase(Locale.ROOT) + "/responses/" + status
                + "/content/" + escape(mediaType) + "/schema";
        Schema schema = schemas.getSchema(SchemaLocation.of("classpath:openapi.yaml#" + pointer));
        return schema.validate(body);
    }

    /** A JSON pointer token, in a URI fragment. */
    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1").replace("{", "%7B").replace("}", "%7D");
    }

    private static String placeholders(String path) {
        return path.replaceAll("\\{[^}]+}", "{}");
    }

    /** Collects {@code METHOD /path} of every route of a router, whatever its path variables are called. */
    private record Routes(Set<String> served) implements RouterFunctions.Visitor {

        @Override
        public void route(RequestPredicate predicate, HandlerFunction<?> handler) {
            Route route = new Route();
            predicate.accept(route);
            route.methods.forEach(method -> served.add(method.name() + " " + placeholders(route.path)));
        }

        @Override
        public void startNested(RequestPredicate predicate) {
            throw new IllegalStateException("nested routes are not collected: " + predicate);
        }

        @Override
        public void endNested(RequestPredicate predicate) {}

        @Override
        public void resources(Function<ServerRequest, Mono<Resource>> lookup) {
            throw new IllegalStateException("resource routes are not collected");
        }

        @Override
        public void attributes(Map<String, Object> attributes) {}

        @Override
        public void unknown(RouterFunction<?> router) {
            throw new IllegalStateException("a router this test cannot read: " + router);
        }
    }

    private static final class Route implements RequestPredicates.Visitor {

        private final Set<HttpMethod> methods = new TreeSet<>((a, b) -> a.name().compareTo(b.name()));
        private String path;

        @Override
        public void method(Set<HttpMethod> methods) {
            this.methods.addAll(methods);
        }

        @Override
        public void path(String pattern) {
            path = pattern;
        }

        @Override
        public void pathExtension(String extension) {}

        @Override
        public void header(String name, String value) {}

        @Override
        public void queryParam(String name, String value) {}

        @Override
        public void version(String version) {}

        @Override
        public void startAnd() {}

        @Override
        public void and() {}

        @Override
        public void endAnd() {}

        @Override
        public void startOr() {}

        @Override
        public void or() {}

        @Override
        public void endOr() {}

        @Override
        public void startNegate() {}

        @Override
        public void endNegate() {}

        @Override
        public void unknown(RequestPredicate predicate) {
            throw new IllegalStateException("a route predicate this test cannot read: " + predicate);
        }
    }
}
