package dev.jobwatch.web;

import static dev.jobwatch.web.WorkerApiClient.PRODUCER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import dev.jobwatch.store.RedisConnections;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;

/**
 * The job routes Windmill's SDKs call (wait for, read, cancel), as a client sees them: shapes, codes and
 * tokens. One server with watch tokens required, so that every route's auth is the real one, and with a
 * producer token limited to one namespace besides the one for every namespace.
 */
class WindmillJobRoutesIntegrationTest {

    private static final String LOG = "héllo wörld ✓ 🎉\n\nlast row\n";
    private static final Duration DEADLINE = Duration.ofSeconds(10);
    /** The one namespace {@link #SCOPED} opens; every client's own namespace is another. */
    private static final String SCOPE = "sdk-" + UUID.randomUUID().toString().substring(0, 8);

    private static final String SCOPED = "scoped-producer-" + SCOPE;
    /** Every read route of the SDKs, those that need a completed job included. */
    private static final List<String> READS = List.of(
            "jobs_u/get",
            "jobs_u/completed/get_result_maybe",
            "jobs_u/completed/get_result",
            "jobs_u/completed/get",
            "jobs_u/completed/get_timing",
            "jobs_u/get_logs",
            "jobs_u/get_completed_logs_tail",
            "jobs_u/get_args",
            "jobs_u/get_root_job_id",
            "job_metrics/get_progress");

    private static TestRedis.Lease redis;
    private static TestServer server;

    private WorkerApiClient api;

    @BeforeAll
    static void start() {
        redis = TestRedis.fromEnvironment();
        server = new TestServer(
                redis.url(),
                "jobwatch.watch.auth=token",
                "jobwatch.auth.tokens=" + PRODUCER + "," + SCOPED + "@" + SCOPE);
    }

    @AfterAll
    static void stop() {
        server.close();
        redis.close();
    }

    @BeforeEach
    void client() {
        api = new WorkerApiClient(server.port());
    }

    private String windmill(String route, String id) {
        return windmill(api.namespace, route, id);
    }

    private static String windmill(String namespace, String route, String id) {
        return "/api/w/" + namespace + "/" + route + "/" + id;
    }

    /** Adds one job with these extra fields and gives back its job token and watch token. */
    private Map<String, String> add(String id, String fields) {
        List<Map<String, Object>> added = api.http
                .post()
                .uri(api.jobs())
                .header("Authorization", "Bearer " + PRODUCER)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue("[{\"name\":\"sdk\",\"data\":{\"n\":7},\"id\":\"" + id + "\"" + fields + "}]")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(new ParameterizedTypeReference<List<Map<String, Object>>>() {})
                .returnResult()
                .getResponseBody();
        return Map.of("job", (String) added.get(0).get("token"), "watch", (String)
                added.get(0).get("watch_token"));
    }

    @Test
    void getResultMaybeAnswersAtOnceBeforeAndAfterCompletionAndGetResultOnlyAfter() {
        Map<String, String> tokens = add("waited", "");
        String watch = tokens.get("watch");
        api.get(windmill("jobs_u/completed/get_result_maybe", "waited"), watch)
                .expectStatus()
                .isOk()
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .expectBody()
                .json("{\"completed\":false,\"result\":null,\"success\":false,\"started\":false}", true);
        api.get(windmill("jobs_u/completed/get_result", "waited"), watch)
                .expectStatus()
                .isNotFound()
                .expectBody(String.class)
                .isEqualTo("Job is not completed");
        api.get(windmill("jobs_u/completed/get", "waited"), watch)
                .expectStatus()
                .isNotFound();
        api.get(windmill("jobs_u/completed/get_timing", "waited"), watch)
                .expectStatus()
                .isNotFound();

        api.post(api.job("waited") + "/start", tokens.get("job"), null, null)
                .expectStatus()
                .isOk();
        api.get(windmill("jobs_u/completed/get_result_maybe", "waited") + "?get_started=true", watch)
                .expectStatus()
                .isOk()
                .expectBody()
                .json("{\"completed\":false,\"result\":null,\"success\":false,\"started\":true}", true);
        for (String row : LOG.substring(0, LOG.length() - 1).split("\n", -1)) {
            api.log("waited", tokens.get("job"), row);
        }
        api.post(
                        api.job("waited") + "/complete",
                        tokens.get("job"),
                        MediaType.APPLICATION_JSON,
                        "{\"success\":true,\"result\":{\"answer\":42,\"text\":\"日本 😀\"}}")
                .expectStatus()
                .isOk();

        api.get(windmill("jobs_u/completed/get_result_maybe", "waited"), PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody()
                .json(
                        "{\"completed\":true,\"result\":{\"answer\":42,\"text\":\"日本 😀\"},"
                                + "\"success\":true,\"started\":true}",
                        true);
        api.get(windmill("jobs_u/completed/get_result", "waited"), watch)
                .expectStatus()
                .isOk()
                .expectBody()
                .json("{\"answer\":42,\"text\":\"日本 😀\"}", true);
        api.get(windmill("jobs_u/completed/get", "waited"), watch)
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.type")
                .isEqualTo("CompletedJob")
                .jsonPath("$.success")
                .isEqualTo(true)
                .jsonPath("$.logs")
                .isEqualTo(LOG)
                .jsonPath("$.result.answer")
                .isEqualTo(42);
        api.get(windmill("jobs_u/completed/get_timing", "waited"), watch)
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.created_at")
                .isNotEmpty()
                .jsonPath("$.started_at")
                .isNotEmpty()
                .jsonPath("$.duration_ms")
                .isNumber();
    }

    @Test
    void aFailedJobIsCompletedAndNotSuccessful() {
        Map<String, String> tokens = add("failed", "");
        api.post(
                        api.job("failed") + "/complete",
                        tokens.get("job"),
                        MediaType.APPLICATION_JSON,
                        "{\"success\":false,\"result\":{\"error\":{\"name\":\"Error\",\"message\":\"boom\"}}}")
                .expectStatus()
                .isOk();
        api.get(windmill("jobs_u/completed/get_result_maybe", "failed"), tokens.get("watch"))
                .expectStatus()
                .isOk()
                .expectBody()
                .json(
                        "{\"completed\":true,\"success\":false,\"started\":true,"
                                + "\"result\":{\"error\":{\"name\":\"Error\",\"message\":\"boom\"}}}",
                        true);
    }

    @Test
    void logsAreTextByteForByteAndTheTailIsTheirEnd() {
        Map<String, String> tokens = add("logged", "");
        api.get(windmill("jobs_u/get_logs", "logged"), tokens.get("watch"))
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo(null);
        for (String row : LOG.substring(0, LOG.length() - 1).split("\n", -1)) {
            api.log("logged", tokens.get("job"), row);
        }
        api.get(windmill("jobs_u/get_logs", "logged") + "?remove_ansi_warnings=true", tokens.get("watch"))
                .expectStatus()
                .isOk()
                .expectHeader()
                .contentTypeCompatibleWith(MediaType.TEXT_PLAIN)
                .expectBody(String.class)
                .isEqualTo(LOG);
        api.get(windmill("jobs_u/get_completed_logs_tail", "logged"), tokens.get("watch"))
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo(LOG);

        String row = "x".repeat(999);
        for (int i = 0; i < 25; i++) {
            api.log(
                    "logged",
                    tokens.get("job"),
                    i + row.substring(Integer.toString(i).length()));
        }
        String tail = api.get(windmill("jobs_u/get_completed_logs_tail", "logged"), tokens.get("watch"))
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        assertThat(tail)
                .hasSize((int) WindmillJobHandler.LOGS_TAIL)
                .startsWith("5" + "x".repeat(999).substring(1))
                .endsWith("24" + "x".repeat(997) + "\n");
    }

    @Test
    void getLeavesTheLogsOutWithNoLogs() {
        Map<String, String> tokens = add("quiet", "");
        api.log("quiet", tokens.get("job"), "a row");
        api.get(windmill("jobs_u/get", "quiet") + "?no_logs=true", tokens.get("watch"))
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.logs")
                .doesNotExist()
                .jsonPath("$.id")
                .isEqualTo("quiet");
        api.get(windmill("jobs_u/get", "quiet"), tokens.get("watch"))
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.logs")
                .isEqualTo("a row\n");
    }

    @Test
    void argsRootJobAndProgressAsWindmillAnswersThem() {
        Map<String, String> tokens = add("child", ",\"parent_job\":\"root-1\",\"args\":{\"x\":[1,\"ü\"]}");
        Map<String, String> alone = add("alone", "");
        api.get(windmill("jobs_u/get_args", "child"), tokens.get("watch"))
                .expectStatus()
                .isOk()
                .expectBody()
                .json("{\"x\":[1,\"ü\"]}", true);
        api.get(windmill("jobs_u/get_args", "alone"), alone.get("watch"))
                .expectStatus()
                .isOk()
                .expectBody()
                .json("{\"n\":7}", true);
        api.get(windmill("jobs_u/get_root_job_id", "child"), tokens.get("watch"))
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo("\"root-1\"");
        api.get(windmill("jobs_u/get_root_job_id", "alone"), alone.get("watch"))
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo("\"alone\"");

        String progress = windmill("job_metrics/get_progress", "child");
        api.get(progress, tokens.get("watch"))
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo("null");
        // Windmill's progress is a whole number from 0 to 99; a progress that is not a number is none.
        Map<String, String> answers = new LinkedHashMap<>();
        answers.put("42.7", "42");
        answers.put("100", "99");
        answers.put("{\"pct\":5}", "null");
        answers.forEach((posted, answered) -> {
            api.post(api.job("child") + "/progress", tokens.get("job"), MediaType.APPLICATION_JSON, posted)
                    .expectStatus()
                    .isOk();
            api.get(progress, tokens.get("watch"))
                    .expectStatus()
                    .isOk()
                    .expectBody(String.class)
                    .isEqualTo(answered);
        });
    }

    @Test
    void readsTakeAProducerOrTheJobsWatchTokenAndNothingElse() {
        Map<String, String> mine = add("mine", "");
        Map<String, String> other = add("other", "");
        for (String route : List.of(
                "jobs_u/completed/get_result_maybe",
                "jobs_u/get_logs",
                "jobs_u/get_args",
                "jobs_u/get_root_job_id",
                "jobs_u/get_completed_logs_tail",
                "job_metrics/get_progress")) {
            api.get(windmill(route, "mine"), mine.get("watch")).expectStatus().isOk();
            api.get(windmill(route, "mine"), PRODUCER).expectStatus().isOk();
            api.get(windmill(route, "mine"), other.get("watch"))
                    .expectStatus()
                    .isUnauthorized()
                    .expectBody(String.class)
                    .isEqualTo("Unauthorized");
            api.get(windmill(route, "mine"), mine.get("job")).expectStatus().isUnauthorized();
            api.get(windmill(route, "mine"), null).expectStatus().isUnauthorized();
            api.get(windmill(route, "missing"), PRODUCER)
                    .expectStatus()
                    .isNotFound()
                    .expectBody(String.class)
                    .isEqualTo("Job not found");
        }
        api.get("/api/w/x/jobs_u/get_logs/mine", PRODUCER).expectStatus().isBadRequest();
        api.get(windmill("jobs_u/completed/get_result_maybe", "mine") + "?get_started=maybe", PRODUCER)
                .expectStatus()
                .isBadRequest()
                .expectBody(String.class)
                .isEqualTo("Invalid get_started: use true or false");
        api.get(windmill("jobs_u/get", "mine") + "?no_logs=2", PRODUCER)
                .expectStatus()
                .isBadRequest();
    }

    @Test
    void aWatchTokenOfADeletedJobNeverReadsALaterJobWithTheSameId() {
        Map<String, String> first = add("reused", "");
        api.post(
                        api.job("reused") + "/complete",
                        first.get("job"),
                        MediaType.APPLICATION_JSON,
                        "{\"success\":true,\"result\":\"first\"}")
                .expectStatus()
                .isOk();
        api.get(windmill("jobs_u/completed/get_result", "reused"), first.get("watch"))
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo("\"first\"");

        // As the job's expiry would: its keys go, and the same id is free for another job.
        String keys = "jobwatch:{" + api.namespace + "/reused}:";
        var commands = server.bean(RedisConnections.class).commands().block(DEADLINE);
        assertThat(commands.del(keys + "job", keys + "log", keys + "stream").block(DEADLINE))
                .isPositive();
        for (String route : READS) {
            api.get(windmill(route, "reused"), first.get("watch"))
                    .expectStatus()
                    .isNotFound();
        }

        Map<String, String> second = add("reused", "");
        api.log("reused", second.get("job"), "second job's row");
        api.post(
                        api.job("reused") + "/complete",
                        second.get("job"),
                        MediaType.APPLICATION_JSON,
                        "{\"success\":true,\"result\":\"second\"}")
                .expectStatus()
                .isOk();
        for (String route : READS) {
            api.get(windmill(route, "reused"), first.get("watch"))
                    .expectStatus()
                    .isUnauthorized()
                    .expectBody(String.class)
                    .isEqualTo("Unauthorized");
            api.get(windmill(route, "reused"), second.get("watch"))
                    .expectStatus()
                    .isOk();
            api.get(windmill(route, "reused"), PRODUCER).expectStatus().isOk();
        }
        api.get(windmill("jobs_u/completed/get_result", "reused"), second.get("watch"))
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo("\"second\"");
    }

    @Test
    void aProducerTokenLimitedToNamespacesReadsAndCancelsThoseAlone() {
        api.post("/queues/" + SCOPE + "/jobs", SCOPED, MediaType.APPLICATION_JSON, "[{\"id\":\"done\"}]")
                .expectStatus()
                .isOk();
        api.post(windmill(SCOPE, "jobs_u/queue/cancel", "done"), SCOPED, MediaType.APPLICATION_JSON, "{}")
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo("done");
        for (String route : READS) {
            api.get(windmill(SCOPE, route, "done"), SCOPED).expectStatus().isOk();
        }

        add("elsewhere", "");
        for (String route : READS) {
            api.get(windmill(route, "elsewhere"), SCOPED)
                    .expectStatus()
                    .isUnauthorized()
                    .expectBody(String.class)
                    .isEqualTo("Unauthorized");
        }
        api.post(windmill("jobs_u/queue/cancel", "elsewhere"), SCOPED, MediaType.APPLICATION_JSON, "{}")
                .expectStatus()
                .isUnauthorized();
        api.get(windmill("jobs_u/completed/get_result_maybe", "elsewhere"), PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.completed")
                .isEqualTo(false);
    }

    @Test
    void cancelTakesAReasonAndAProducerTokenAndAnswersTheJobId() {
        Map<String, String> queued = add("queued", "");
        String cancel = windmill("jobs_u/queue/cancel", "queued");
        api.post(cancel, queued.get("watch"), MediaType.APPLICATION_JSON, "{\"reason\":\"no\"}")
                .expectStatus()
                .isUnauthorized();
        api.post(cancel, queued.get("job"), MediaType.APPLICATION_JSON, "{\"reason\":\"no\"}")
                .expectStatus()
                .isUnauthorized();
        api.post(cancel, PRODUCER, MediaType.APPLICATION_JSON, "{\"reason\":\"no\",\"extra\":1}")
                .expectStatus()
                .isBadRequest();
        api.post(cancel, PRODUCER, MediaType.APPLICATION_JSON, "{\"reason\":\"not needed\"}")
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo("queued");
        api.get(windmill("jobs_u/completed/get", "queued"), PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.canceled")
                .isEqualTo(true)
                .jsonPath("$.success")
                .isEqualTo(false)
                .jsonPath("$.canceled_reason")
                .isEqualTo("not needed")
                .jsonPath("$.result.error.message")
                .isEqualTo("Job canceled: not needed");
        api.post(cancel, PRODUCER, MediaType.APPLICATION_JSON, "{\"reason\":\"again\"}")
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo("queued job id queued is already completed");

        Map<String, String> running = add("running", "");
        api.post(api.job("running") + "/start", running.get("job"), null, null)
                .expectStatus()
                .isOk();
        api.post(windmill("jobs_u/queue/cancel", "running"), PRODUCER, MediaType.APPLICATION_JSON, "{}")
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo("running");
        api.post(api.job("running") + "/logs", running.get("job"), MediaType.TEXT_PLAIN, "late")
                .expectStatus()
                .isEqualTo(409);

        api.post(windmill("jobs_u/queue/cancel", "missing"), PRODUCER, MediaType.APPLICATION_JSON, "{}")
                .expectStatus()
                .isNotFound()
                .expectBody(String.class)
                .isEqualTo("Job not found");
    }

    @Test
    void anUnknownRouteIsAPlainText404() {
        for (String path : List.of(
                "/api/w/" + api.namespace + "/jobs_u/nothing/here",
                "/api/nothing",
                "/nothing",
                "/queues/" + api.namespace + "/jobs/x/nothing")) {
            api.get(path, PRODUCER)
                    .expectStatus()
                    .isNotFound()
                    .expectHeader()
                    .contentTypeCompatibleWith(MediaType.TEXT_PLAIN)
                    .expectBody(String.class)
                    .isEqualTo("Not found");
        }
        api.post("/api/w/" + api.namespace + "/jobs_u/get/x", PRODUCER, MediaType.APPLICATION_JSON, "{}")
                .expectStatus()
                .isNotFound()
                .expectBody(String.class)
                .isEqualTo("Not found");
        api.get("/actuator/health", null).expectStatus().isOk();
    }
}
