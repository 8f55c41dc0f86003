package dev.jobwatch.web;

import static dev.jobwatch.web.WorkerApiClient.PRODUCER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobwatch.SharedRedis;
import dev.jobwatch.TestServer;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.Disposable;
import tools.jackson.databind.JsonNode;

/** Tokens, CORS, security headers and what the logs may hold, as a client and an operator see them. */
@ExtendWith(OutputCaptureExtension.class)
class SecurityIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final String SECRET = "test-secret-for-jobwatch-0123456789";
    private static final String ORIGIN = "https://app.example.com";

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    @Test
    void tokensOpenOnlyTheirJobAndPurposeAndExpireWhenATimeToLiveIsSet() {
        try (TestServer server = new TestServer(redis.url(), "jobwatch.token.ttl=2s", "jobwatch.watch.auth=token")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            Map<String, String> a = added(api, "a");
            Map<String, String> b = added(api, "b");
            String watchB = "/api/w/" + api.namespace + "/jobs_u/getupdate/b";

            assertThat(a.get("token")).matches("[A-Za-z0-9_-]{16}\\.\\d+\\.[A-Za-z0-9_-]{43}");
            api.log("a", a.get("token"), "mine");
            api.post(api.job("b") + "/logs", a.get("token"), MediaType.TEXT_PLAIN, "not mine")
                    .expectStatus()
                    .isUnauthorized();
            api.post(api.job("b") + "/logs", b.get("watch_token"), MediaType.TEXT_PLAIN, "watch cannot write")
                    .expectStatus()
                    .isUnauthorized()
                    .expectBody(String.class)
                    .isEqualTo("Unauthorized");
            api.get(watchB, b.get("watch_token")).expectStatus().isOk();
            api.get(watchB, a.get("watch_token")).expectStatus().isUnauthorized();
            // A job token is for writing, not watching.
            api.get(watchB, b.get("token")).expectStatus().isUnauthorized();

            await().atMost(DEADLINE)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> api.post(api.job("a") + "/logs", a.get("token"), MediaType.TEXT_PLAIN, "late")
                                    .returnResult(String.class)
                                    .getStatus()
                                    .value()
                            == 401);
            // b was added after a, so its tokens may outlive a's by up to a second of their expiry.
            await().atMost(DEADLINE)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> api.get(watchB, b.get("watch_token"))
                                    .returnResult(String.class)
                                    .getStatus()
                                    .value()
                            == 401);
            // Producer tokens are configured, not issued: they do not expire.
            api.get(watchB, PRODUCER).expectStatus().isOk();
        }
    }

    @Test
    void withAnExternalRedisWatchersNeedATokenUnlessOpenWatchingIsSet(CapturedOutput output) {
        try (TestServer server = new TestServer(redis.url())) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            Map<String, String> job = added(api, "private");
            String base = "/api/w/" + api.namespace + "/jobs_u/";

            for (String route : List.of("getupdate_sse/private", "getupdate/private", "get/private")) {
                api.get(base + route, null)
                        .expectStatus()
                        .isUnauthorized()
                        .expectBody(String.class)
                        .isEqualTo("Unauthorized");
                api.get(base + route, "guessed").expectStatus().isUnauthorized();
            }
            api.get(base + "getupdate/private", job.get("watch_token"))
                    .expectStatus()
                    .isOk();
            api.get(base + "get/private", PRODUCER).expectStatus().isOk();
            assertThat(output.getAll()).doesNotContain("Watchers are OPEN");
        }
        try (TestServer server = new TestServer(redis.url(), "jobwatch.watch.auth=open")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            added(api, "public");
            api.get("/api/w/" + api.namespace + "/jobs_u/get/public", null)
                    .expectStatus()
                    .isOk();
            assertThat(output.getAll().lines().filter(line -> line.contains(" WARN ")))
                    .filteredOn(line -> line.contains("Watchers are OPEN (JOBWATCH_WATCH_AUTH=open)"))
                    .as("a WARN at start that anyone may watch")
                    .hasSize(1);
        }
    }

    @Test
    void theTokensOfADeletedJobNeverOpenALaterJobWithTheSameId() {
        try (TestServer server = new TestServer(redis.url());
                RedisClient direct = new RedisClient(redis.url())) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            SseClient sse = new SseClient(server.port());
            Map<String, String> first = added(api, "reused");
            api.log("reused", first.get("token"), "first job's row");
            String job = api.job("reused");
            String watch = "/api/w/" + api.namespace + "/jobs_u/";
            List<JsonNode> following = new CopyOnWriteArrayList<>();
            AtomicBoolean ended = new AtomicBoolean();
            Disposable producerStream = sse.updates(api.namespace, "reused", "")
                    .doOnComplete(() -> ended.set(true))
                    .subscribe(following::add);
            await().atMost(DEADLINE).until(() -> !following.isEmpty());

            direct.delete(api.namespace, "reused");
            api.post(job + "/logs", first.get("token"), MediaType.TEXT_PLAIN, "into nothing")
                    .expectStatus()
                    .isNotFound();
            api.get(watch + "getupdate/reused", first.get("watch_token"))
                    .expectStatus()
                    .isNotFound();

            Map<String, String> second = added(api, "reused");
            assertThat(second.get("token")).isNotEqualTo(first.get("token"));
            api.log("reused", second.get("token"), "second job's row");
            await().atMost(DEADLINE).untilTrue(ended);
            producerStream.dispose();
            assertThat(following)
                    .as("a stream that followed the first job ends; it never shows the second one")
                    .last()
                    .satisfies(
                            event -> assertThat(event.get("type").stringValue()).isEqualTo("notfound"));
            assertThat(following.toString()).doesNotContain("second job");
            for (String route : List.of("/start", "/progress", "/logs", "/stream", "/complete")) {
                String body =
                        route.equals("/complete") ? "{\"success\":false}" : route.equals("/progress") ? "13" : "stale";
                api.post(
                                job + route,
                                first.get("token"),
                                route.equals("/logs") || route.equals("/stream")
                                        ? MediaType.TEXT_PLAIN
                                        : MediaType.APPLICATION_JSON,
                                body)
                        .expectStatus()
                        .isUnauthorized()
                        .expectBody(String.class)
                        .isEqualTo("Unauthorized");
            }
            api.get(job + "/logs", first.get("token")).expectStatus().isUnauthorized();
            api.get(watch + "getupdate/reused", first.get("watch_token"))
                    .expectStatus()
                    .isUnauthorized();
            api.get(watch + "get/reused", first.get("watch_token"))
                    .expectStatus()
                    .isUnauthorized();
            assertThat(sse.updates(api.namespace, "reused", "", first.get("watch_token"))
                            .collectList()
                            .block(DEADLINE))
                    .as("a stream has started before the job is read: it ends with the same answer")
                    .singleElement()
                    .satisfies(event -> {
                        assertThat(event.get("type").stringValue()).isEqualTo("error");
                        assertThat(event.get("error").stringValue()).isEqualTo("Unauthorized");
                    });

            api.get(job + "/logs", second.get("token"))
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .jsonPath("$.logs")
                    .isEqualTo(List.of("second job's row"));
            api.get(watch + "getupdate/reused", second.get("watch_token"))
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .jsonPath("$.new_logs")
                    .isEqualTo("second job's row\n")
                    .jsonPath("$.running")
                    .doesNotExist();
            api.get(watch + "get/reused", PRODUCER)
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .jsonPath("$.logs")
                    .isEqualTo("second job's row\n")
                    .jsonPath("$.progress")
                    .doesNotExist();
            api.post(job + "/cancel", PRODUCER, null, null).expectStatus().isOk();
        }
    }

    @Test
    void aProducerTokenLimitedToNamespacesOpensThoseAlone() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String mine = "alpha-" + run;
        String team = "team-" + run + "-web";
        String other = "other-" + run;
        String scoped = "scoped-token-" + run;
        try (TestServer server =
                new TestServer(redis.url(), "jobwatch.auth.tokens=" + scoped + "@" + mine + "|team-" + run + "-*")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            for (String namespace : List.of(mine, team)) {
                api.post("/queues/" + namespace + "/jobs", scoped, MediaType.APPLICATION_JSON, "[{\"id\":\"j\"}]")
                        .expectStatus()
                        .isOk();
                api.get("/queues/" + namespace + "/jobs/j", scoped)
                        .expectStatus()
                        .isOk();
                api.get("/queues/" + namespace + "/jobs", scoped).expectStatus().isOk();
                api.get("/queues/" + namespace + "/jobs/j/logs", scoped)
                        .expectStatus()
                        .isOk();
                api.get("/api/w/" + namespace + "/jobs_u/getupdate/j", scoped)
                        .expectStatus()
                        .isOk();
                api.post("/queues/" + namespace + "/jobs/j/cancel", scoped, null, null)
                        .expectStatus()
                        .isOk();
            }
            api.post("/queues/" + other + "/jobs", PRODUCER, MediaType.APPLICATION_JSON, "[{\"id\":\"j\"}]")
                    .expectStatus()
                    .isOk();
            api.post("/queues/" + other + "/jobs", scoped, MediaType.APPLICATION_JSON, "[{\"id\":\"k\"}]")
                    .expectStatus()
                    .isUnauthorized()
                    .expectBody(String.class)
                    .isEqualTo("Unauthorized");
            // The prefix is team-<run>-, which team-<run> does not start with.
            api.post("/queues/team-" + run + "/jobs", scoped, MediaType.APPLICATION_JSON, "[{\"id\":\"k\"}]")
                    .expectStatus()
                    .isUnauthorized();
            for (String route : List.of(
                    "/queues/%s/jobs/j",
                    "/queues/%s/jobs",
                    "/queues/%s/jobs/j/logs",
                    "/api/w/%s/jobs_u/getupdate/j",
                    "/api/w/%s/jobs_u/get/j",
                    "/api/w/%s/jobs_u/getupdate_sse/j")) {
                api.get(route.formatted(other), scoped).expectStatus().isUnauthorized();
            }
            api.post("/queues/" + other + "/jobs/j/cancel", scoped, null, null)
                    .expectStatus()
                    .isUnauthorized();
            api.get("/queues/" + other + "/jobs/j", PRODUCER)
                    .expectStatus()
                    .isOk()
                    .expectBody()
                    .jsonPath("$.canceled")
                    .isEqualTo(false);
            api.get("/queues/" + other + "/jobs", PRODUCER).expectStatus().isOk();
        }
    }

    @Test
    void theListingGivesAProducerEachJobsWatchTokenSoAPageNeverCarriesTheProducerToken() {
        try (TestServer server = new TestServer(redis.url())) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            Map<String, String> job = added(api, "listed");
            List<Map<String, Object>> listed = api.get(api.jobs(), PRODUCER)
                    .expectStatus()
                    .isOk()
                    .expectBody(new ParameterizedTypeReference<List<Map<String, Object>>>() {})
                    .returnResult()
                    .getResponseBody();

            assertThat(listed).singleElement().satisfies(entry -> {
                assertThat(entry).containsEntry("id", "listed").doesNotContainKey("token");
                String watchToken = (String) entry.get("watch_token");
                api.get("/api/w/" + api.namespace + "/jobs_u/getupdate/listed?token=" + watchToken, null)
                        .expectStatus()
                        .isOk();
                api.post(api.job("listed") + "/logs", watchToken, MediaType.TEXT_PLAIN, "a watch token cannot write")
                        .expectStatus()
                        .isUnauthorized();
                assertThat(watchToken).as("the watch token the add gave").isEqualTo(job.get("watch_token"));
            });
        }
    }

    @Test
    void everyAnswerCarriesTheSecurityHeadersAndStreamsKeepTheirOwnCaching() {
        try (TestServer server = new TestServer(redis.url())) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("headed");

            for (WebTestClient.ResponseSpec answer : List.of(
                    api.get(api.job("headed"), PRODUCER).expectStatus().isOk(),
                    api.get(api.job("headed"), "wrong").expectStatus().isUnauthorized(),
                    api.post(api.job("headed") + "/logs", token, MediaType.TEXT_PLAIN, "row")
                            .expectStatus()
                            .isOk(),
                    api.get("/api/w/" + api.namespace + "/jobs_u/getupdate/headed", PRODUCER)
                            .expectStatus()
                            .isOk(),
                    api.get("/no/such/route", null).expectStatus().isNotFound())) {
                HttpHeaders headers = answer.expectBody().returnResult().getResponseHeaders();
                securityHeaders(headers);
                assertThat(headers.get(HttpHeaders.CACHE_CONTROL)).containsExactly("no-store");
            }

            HttpHeaders stream = new SseClient(server.port())
                    .open(SseClient.path(api.namespace, "headed", ""), headers -> headers.setBearerAuth(PRODUCER))
                    .block(DEADLINE)
                    .headers();
            securityHeaders(stream);
            assertThat(stream.get(HttpHeaders.CACHE_CONTROL)).containsExactly("no-cache");
            assertThat(stream.get("X-Accel-Buffering")).containsExactly("no");
            assertThat(stream.getContentType().isCompatibleWith(MediaType.TEXT_EVENT_STREAM))
                    .as("content type %s", stream.getContentType())
                    .isTrue();
        }
    }

    @Test
    void corsIsClosedByDefault() {
        try (TestServer server = new TestServer(redis.url())) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            api.add("closed");

            api.http
                    .options()
                    .uri("/api/w/" + api.namespace + "/jobs_u/getupdate_sse/closed")
                    .header(HttpHeaders.ORIGIN, ORIGIN)
                    .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "GET")
                    .exchange()
                    .expectHeader()
                    .doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN);
            api.http
                    .get()
                    .uri("/api/w/" + api.namespace + "/jobs_u/getupdate/closed")
                    .header(HttpHeaders.ORIGIN, ORIGIN)
                    .exchange()
                    .expectHeader()
                    .doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN);
        }
    }

    @Test
    void corsLetsTheConfiguredOriginsWatchButNeverWrite() {
        try (TestServer server =
                new TestServer(redis.url(), "jobwatch.cors.origins=" + ORIGIN + ", https://other.example.com")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("shared");
            String watch = "/api/w/" + api.namespace + "/jobs_u/getupdate_sse/shared";

            api.http
                    .options()
                    .uri(watch)
                    .header(HttpHeaders.ORIGIN, ORIGIN)
                    .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "GET")
                    .header(HttpHeaders.ACCESS_CONTROL_REQUEST_HEADERS, "authorization, last-event-id")
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectHeader()
                    .valueEquals(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, ORIGIN)
                    .expectHeader()
                    .valueEquals(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true")
                    .expectHeader()
                    .value(
                            HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS,
                            methods -> assertThat(methods).contains("GET"))
                    .expectHeader()
                    .value(
                            HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS,
                            headers -> assertThat(headers.toLowerCase()).contains("authorization", "last-event-id"));
            SseClient.Opened fromOrigin = new SseClient(server.port())
                    .open(watch, headers -> {
                        headers.setOrigin(ORIGIN);
                        headers.add(HttpHeaders.COOKIE, "token=" + PRODUCER);
                    })
                    .block(DEADLINE);
            assertThat(fromOrigin.status().value()).isEqualTo(200);
            assertThat(fromOrigin.headers().get(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN))
                    .containsExactly(ORIGIN);

            api.http
                    .options()
                    .uri(watch)
                    .header(HttpHeaders.ORIGIN, "https://evil.example.net")
                    .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "GET")
                    .exchange()
                    .expectStatus()
                    .isForbidden()
                    .expectHeader()
                    .doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN);
            api.http
                    .get()
                    .uri(watch)
                    .header(HttpHeaders.ORIGIN, "https://evil.example.net")
                    .exchange()
                    .expectStatus()
                    .isForbidden();

            api.http
                    .options()
                    .uri(api.job("shared") + "/logs")
                    .header(HttpHeaders.ORIGIN, ORIGIN)
                    .header(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD, "POST")
                    .exchange()
                    .expectHeader()
                    .doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN);
            api.http
                    .post()
                    .uri(api.job("shared") + "/logs")
                    .header(HttpHeaders.ORIGIN, ORIGIN)
                    .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
                    .contentType(MediaType.TEXT_PLAIN)
                    .bodyValue("row")
                    .exchange()
                    .expectHeader()
                    .doesNotExist(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN);
        }
    }

    @Test
    void tokensAndSecretsNeverReachTheLogsEvenAtDebug(CapturedOutput output) {
        try (TestServer server = new TestServer(
                redis.url(),
                "jobwatch.watch.auth=token",
                "logging.level.dev.jobwatch=DEBUG",
                "logging.level.org.springframework.web=DEBUG",
                "logging.level.org.springframework.http=DEBUG")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            Map<String, String> job = added(api, "quiet");
            Map<String, String> other = added(api, "other");
            String watch = "/api/w/" + api.namespace + "/jobs_u/getupdate/quiet";

            api.log("quiet", job.get("token"), "row");
            api.post(api.job("quiet") + "/logs", other.get("token"), MediaType.TEXT_PLAIN, "refused")
                    .expectStatus()
                    .isUnauthorized();
            api.post(api.job("quiet") + "/logs", job.get("token") + "x", MediaType.TEXT_PLAIN, "refused")
                    .expectStatus()
                    .isUnauthorized();
            api.post(api.job("quiet") + "/complete", job.get("token"), MediaType.APPLICATION_JSON, "{oops")
                    .expectStatus()
                    .isBadRequest();
            api.get(watch, job.get("watch_token")).expectStatus().isOk();
            api.get(watch + "?token=" + job.get("watch_token"), null)
                    .expectStatus()
                    .isOk();
            api.get(watch + "?token=" + other.get("watch_token"), null)
                    .expectStatus()
                    .isUnauthorized();
            api.http
                    .get()
                    .uri(watch)
                    .cookie("token", job.get("watch_token"))
                    .exchange()
                    .expectStatus()
                    .isOk();
            api.http
                    .get()
                    .uri(watch + "?log_offset=-1")
                    .cookie("token", job.get("watch_token"))
                    .exchange()
                    .expectStatus()
                    .isBadRequest();
            api.get(api.job("quiet"), PRODUCER).expectStatus().isOk();
            api.get(api.job("quiet"), "producer-token-wrong").expectStatus().isUnauthorized();

            assertThat(output.getAll())
                    .as("the server logged at DEBUG")
                    .contains("jobwatch")
                    .doesNotContain(
                            job.get("token"),
                            job.get("watch_token"),
                            other.get("token"),
                            other.get("watch_token"),
                            PRODUCER,
                            "producer-token-wrong",
                            SECRET);
        }
    }

    private static void securityHeaders(HttpHeaders headers) {
        assertThat(headers.get("X-Content-Type-Options")).containsExactly("nosniff");
        assertThat(headers.get("X-Frame-Options")).containsExactly("DENY");
        assertThat(headers.get("Referrer-Policy")).containsExactly("no-referrer");
        assertThat(headers.get("Content-Security-Policy"))
                .containsExactly("default-src 'none'; frame-ancestors 'none'");
    }

    /** Redis itself, to take a job away as its expiry would. */
    private static final class RedisClient implements AutoCloseable {

        private final io.lettuce.core.RedisClient client;
        private final StatefulRedisConnection<String, String> connection;

        RedisClient(String url) {
            client = io.lettuce.core.RedisClient.create(url);
            connection = client.connect();
        }

        void delete(String namespace, String id) {
            String base = "jobwatch:{" + namespace + "/" + id + "}:";
            assertThat(connection.sync().del(base + "job", base + "log", base + "stream"))
                    .isPositive();
        }

        @Override
        public void close() {
            connection.close();
            client.shutdown();
        }
    }

    /** Adds a job and gives back its {@code token} and {@code watch_token}. */
    private static Map<String, String> added(WorkerApiClient api, String id) {
        Map<String, Object> job = api.post(
                        api.jobs(), PRODUCER, MediaType.APPLICATION_JSON, "[{\"id\":\"" + id + "\"}]")
                .expectStatus()
                .isOk()
                .expectBody(new ParameterizedTypeReference<List<Map<String, Object>>>() {})
                .returnResult()
                .getResponseBody()
                .get(0);
        return Map.of("token", (String) job.get("token"), "watch_token", (String) job.get("watch_token"));
    }
}
