package dev.jobwatch.web;

import static dev.jobwatch.web.WorkerApiClient.PRODUCER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.auth.Access;
import dev.jobwatch.job.JobRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.context.ActiveProfiles;

@ActiveProfiles("test")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WorkerApiIntegrationTest {

    private static final MediaType JSON = MediaType.APPLICATION_JSON;
    private static final MediaType TEXT = MediaType.TEXT_PLAIN;

    @LocalServerPort
    int port;

    @Autowired
    Access access;

    WorkerApiClient api;

    @BeforeEach
    void client() {
        api = new WorkerApiClient(port);
    }

    @Test
    void addReturnsEachJobWithItsTokensAndStoresItsMetadata() {
        List<Map<String, Object>> added = api.post(api.jobs(), PRODUCER, JSON, """
                        [{"name":"build","data":{"repo":"a"},"id":"job-1","script_path":"f/ci/build","tag":"gpu"},
                         {"name":"deploy","data":[1,2],"opts":{"jobId":"job-2"}},
                         {"name":"generated"}]""")
                .expectStatus()
                .isOk()
                .expectBody(new ParameterizedTypeReference<List<Map<String, Object>>>() {})
                .returnResult()
                .getResponseBody();

        assertThat(added).extracting(job -> job.get("id")).startsWith("job-1", "job-2");
        assertThat((String) added.get(2).get("id")).matches("[0-9a-f-]{36}");
        assertThat(added).allSatisfy(job -> {
            assertThat((String) job.get("token")).isNotBlank();
            assertThat((String) job.get("watch_token")).isNotBlank().isNotEqualTo(job.get("token"));
        });

        Map<String, Object> job = api.document("job-1");
        assertThat(job)
                .containsEntry("type", "QueuedJob")
                .containsEntry("workspace_id", api.namespace)
                .containsEntry("id", "job-1")
                .containsEntry("name", "build")
                .containsEntry("script_path", "f/ci/build")
                .containsEntry("tag", "gpu")
                .containsEntry("args", Map.of("repo", "a"))
                .containsEntry("state", "queued")
                .containsEntry("running", false)
                .containsEntry("canceled", false)
                .doesNotContainKey("logs");
        assertThat(job.get("created_at")).asString().endsWith("Z");
        assertThat(api.document("job-2")).containsEntry("name", "deploy").containsEntry("data", List.of(1, 2));
    }

    @Test
    void addingATakenIdIsRefusedAndAddsNothingOfTheBatch() {
        api.add("taken");

        api.post(api.jobs(), PRODUCER, JSON, "[{\"id\":\"fresh\"},{\"id\":\"taken\"}]")
                .expectStatus()
                .isEqualTo(409)
                .expectBody(String.class)
                .isEqualTo("Job taken already exists");

        api.get(api.job("fresh"), PRODUCER)
                .expectStatus()
                .isNotFound()
                .expectBody(String.class)
                .isEqualTo("Job not found");
    }

    @Test
    void addRefusesBadBatchesWithTheRuleTheyBreak() {
        expect400(api.jobs(), JSON, "{\"id\":\"x\"}", "Body must be a JSON array of jobs");
        expect400(api.jobs(), JSON, "[]", "Body must hold at least one job");
        expect400(api.jobs(), JSON, "[{\"id\":\"a\",\"colour\":1}]", "Job 0 has an unknown field \"colour\"");
        expect400(api.jobs(), JSON, "[{\"id\":\"a\"},{\"id\":\"a\"}]", "Job id a appears twice in this request");
        expect400(
                api.jobs(),
                JSON,
                "[{\"id\":\"a b\"}]",
                "Job 0: Invalid job id: it must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', ':' or '-'");
        expect400(api.jobs(), JSON, "[{\"id\":7}]", "Job 0: \"id\" must be a string");
        expect400(api.jobs(), JSON, "[{\"id\":\"a\"", null);
        expect400(
                "/queues/ab/jobs",
                JSON,
                "[{}]",
                "Invalid namespace: it must be 3 to 100 characters of A-Z, a-z, 0-9, '.', '_' or '-'");

        api.post(api.jobs(), PRODUCER, TEXT, "[{}]").expectStatus().isEqualTo(415);
        String tooMany = "[" + "{},".repeat(1000) + "{}]";
        api.post(api.jobs(), PRODUCER, JSON, tooMany)
                .expectStatus()
                .isEqualTo(413)
                .expectBody(String.class)
                .isEqualTo("Too many jobs in one request: at most 1000");

        api.get(api.job("a"), PRODUCER).expectStatus().isNotFound();
    }

    @Test
    void tokensOpenOnlyTheirOwnRoutes() {
        String tokenA = api.add("a");
        String tokenB = api.add("b");
        Map<String, Object> watchToken = api.post(api.jobs(), PRODUCER, JSON, "[{\"id\":\"c\"}]")
                .expectBody(new ParameterizedTypeReference<List<Map<String, Object>>>() {})
                .returnResult()
                .getResponseBody()
                .get(0);

        for (String token : new String[] {
            null, "nope", tokenA, (String) watchToken.get("watch_token"), tokenB.substring(1) + "x", PRODUCER
        }) {
            api.post(api.job("b") + "/logs", token, TEXT, "intruder")
                    .expectStatus()
                    .isUnauthorized()
                    .expectBody(String.class)
                    .isEqualTo("Unauthorized");
        }
        api.get(api.job("a"), tokenA).expectStatus().isUnauthorized();
        api.get(api.job("a"), null).expectStatus().isUnauthorized();
        api.post(api.job("a") + "/cancel", tokenA, null, null).expectStatus().isUnauthorized();
        api.post(api.jobs(), "producer-token-3", JSON, "[{}]").expectStatus().isUnauthorized();

        assertThat(api.rows("b", 0, 10)).containsEntry("count", 0);
        api.get(api.job("b") + "/logs", tokenB).expectStatus().isOk();
        api.get(api.job("b") + "/logs", tokenA).expectStatus().isUnauthorized();
        api.get(api.job("a"), "producer-token-2").expectStatus().isOk();
    }

    @Test
    void aWorkerStartsReportsAndCompletesAJob() {
        String token = api.add("run");

        api.post(api.job("run") + "/start", token, null, null)
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo("OK");
        assertThat(api.document("run")).containsEntry("state", "running").containsEntry("running", true);
        assertThat(api.document("run").get("started_at")).isNotNull();

        api.post(api.job("run") + "/progress", token, JSON, "42").expectStatus().isOk();
        assertThat(api.document("run")).containsEntry("progress", 42);
        api.post(api.job("run") + "/progress", token, JSON, "{\"step\":\"b\",\"pct\":50}")
                .expectStatus()
                .isOk();
        assertThat(api.document("run")).containsEntry("progress", Map.of("step", "b", "pct", 50));

        api.log("run", token, "first row");
        api.post(api.job("run") + "/logs", token, JSON, "\"second \\\"quoted\\\" row\"")
                .expectStatus()
                .isOk();
        api.post(api.job("run") + "/stream", token, TEXT, "chunk")
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo("OK");
        assertThat(api.rows("run", 0, 10))
                .containsEntry("count", 2)
                .containsEntry("logs", List.of("first row", "second \"quoted\" row"));

        api.post(api.job("run") + "/complete", token, JSON, "{\"success\":true,\"result\":{\"answer\":42}}")
                .expectStatus()
                .isOk();
        Map<String, Object> done = api.document("run");
        assertThat(done)
                .containsEntry("type", "CompletedJob")
                .containsEntry("state", "completed")
                .containsEntry("success", true)
                .containsEntry("result", Map.of("answer", 42))
                .containsEntry("canceled", false);
        assertThat(((Number) done.get("duration_ms")).longValue()).isNotNegative();
    }

    @Test
    void aCompletedJobRefusesEveryWriteAndStaysAsItWas() {
        String token = api.add("done");
        api.log("done", token, "only row");
        api.post(api.job("done") + "/complete", token, JSON, "{\"success\":false,\"result\":\"boom\"}")
                .expectStatus()
                .isOk();
        Map<String, Object> before = api.document("done");

        api.post(api.job("done") + "/start", token, null, null)
                .expectStatus()
                .isEqualTo(409)
                .expectBody(String.class)
                .isEqualTo("Job is completed");
        api.post(api.job("done") + "/progress", token, JSON, "99")
                .expectStatus()
                .isEqualTo(409);
        api.post(api.job("done") + "/logs", token, TEXT, "late").expectStatus().isEqualTo(409);
        api.post(api.job("done") + "/stream", token, TEXT, "late")
                .expectStatus()
                .isEqualTo(409);
        api.post(api.job("done") + "/complete", token, JSON, "{\"success\":true}")
                .expectStatus()
                .isEqualTo(409);
        api.post(api.job("done") + "/cancel", PRODUCER, null, null)
                .expectStatus()
                .isEqualTo(409);

        assertThat(api.document("done"))
                .isEqualTo(before)
                .containsEntry("success", false)
                .containsEntry("result", "boom");
        assertThat(api.rows("done", 0, 10)).containsEntry("logs", List.of("only row"));
    }

    @Test
    void cancelCompletesTheJobAsCanceled() {
        api.add("stop");
        api.add("quiet");

        api.post(api.job("stop") + "/cancel", PRODUCER, JSON, "{\"reason\":\"too slow\",\"canceled_by\":\"alice\"}")
                .expectStatus()
                .isOk();
        api.post(api.job("quiet") + "/cancel", PRODUCER, null, null)
                .expectStatus()
                .isOk();

        assertThat(api.document("stop"))
                .containsEntry("type", "CompletedJob")
                .containsEntry("canceled", true)
                .containsEntry("success", false)
                .containsEntry("canceled_by", "alice")
                .containsEntry("canceled_reason", "too slow")
                .containsEntry(
                        "result",
                        Map.of("error", Map.of("name", "Canceled", "message", "Job canceled: too slow by alice")));
        assertThat(api.document("quiet")).containsEntry("canceled", true).containsEntry("canceled_by", null);
        expect400(api.job("quiet") + "/cancel", JSON, "{\"why\":1}", null);
    }

    @Test
    void badBodiesAreRefusedWithTheirReasonAndChangeNothing() {
        String token = api.add("strict");
        String job = api.job("strict");

        api.post(job + "/progress", token, JSON, "{oops")
                .expectStatus()
                .isBadRequest()
                .expectBody(String.class)
                .value(message -> assertThat(message).startsWith("Progress is not valid JSON"));
        api.post(job + "/progress", token, JSON, "").expectStatus().isBadRequest();
        api.post(job + "/progress", token, TEXT, "5").expectStatus().isEqualTo(415);
        api.post(job + "/progress", token, JSON, "\"" + "p".repeat(16 * 1024) + "\"")
                .expectStatus()
                .isEqualTo(413)
                .expectBody(String.class)
                .isEqualTo("Progress is larger than the limit of 16 KiB");

        api.post(job + "/logs", token, MediaType.APPLICATION_FORM_URLENCODED, "a=b")
                .expectStatus()
                .isEqualTo(415);
        api.post(job + "/logs", token, JSON, "{\"row\":1}")
                .expectStatus()
                .isBadRequest()
                .expectBody(String.class)
                .isEqualTo("Log row sent as application/json must be a JSON string");
        api.post(job + "/logs", token, TEXT, "x".repeat(64 * 1024 + 1))
                .expectStatus()
                .isEqualTo(413)
                .expectBody(String.class)
                .isEqualTo("Log row is larger than the limit of 64 KiB");
        api.http
                .post()
                .uri(job + "/logs")
                .header("Authorization", "Bearer " + token)
                .contentType(TEXT)
                .bodyValue(new byte[] {(byte) 0xC3, (byte) 0x28})
                .exchange()
                .expectStatus()
                .isBadRequest()
                .expectBody(String.class)
                .isEqualTo("Body is not valid UTF-8");
        api.post(job + "/stream", token, TEXT, "c".repeat(64 * 1024 + 1))
                .expectStatus()
                .isEqualTo(413);

        expect400(job + "/complete", JSON, "{\"result\":1}", "Completion needs \"success\": true or false", token);
        expect400(
                job + "/complete", JSON, "{\"success\":\"yes\"}", "Completion needs \"success\": true or false", token);
        expect400(job + "/complete", JSON, "[true]", "Completion must be a JSON object", token);
        expect400(job + "/complete", JSON, "{\"success\":true,\"returnvalue\":1}", null, token);
        api.post(job + "/complete", token, JSON, "{\"success\":true,\"result\":\"" + "r".repeat(1024 * 1024) + "\"}")
                .expectStatus()
                .isEqualTo(413);

        assertThat(api.rows("strict", 0, 10)).containsEntry("count", 0);
        assertThat(api.document("strict")).containsEntry("progress", null).containsEntry("state", "queued");
    }

    @Test
    void logRowsArePagedAsBullMqPagesThem() {
        String token = api.add("paged");
        for (int i = 0; i < 25; i++) {
            api.log("paged", token, "row " + i);
        }

        assertThat(api.rows("paged", 0, 3))
                .containsEntry("count", 25)
                .containsEntry("logs", List.of("row 0", "row 1", "row 2"));
        assertThat(api.rows("paged", 23, 10)).containsEntry("logs", List.of("row 23", "row 24"));
        assertThat(api.rows("paged", 30, 10)).containsEntry("logs", List.of());
        assertThat(api.get(api.job("paged") + "/logs", token)
                        .expectBody(Map.class)
                        .returnResult()
                        .getResponseBody())
                .containsEntry(
                        "logs",
                        List.of(
                                "row 0", "row 1", "row 2", "row 3", "row 4", "row 5", "row 6", "row 7", "row 8",
                                "row 9"));

        expect400Get(api.job("paged") + "/logs?start=x", "Invalid start or length");
        expect400Get(api.job("paged") + "/logs?length=1.5", "Invalid start or length");
        expect400Get(api.job("paged") + "/logs?start=-1", "Start and length must be positive");
        expect400Get(api.job("paged") + "/logs?length=-5", "Start and length must be positive");
        expect400Get(api.job("paged") + "/logs?length=101", "Length must be less than or equal to 100");
    }

    @Test
    void everyJobRouteAnswersNotFoundForAMissingJob() {
        String token = access.jobToken(new JobRef(api.namespace, "ghost"), "AAAAAAAAAAAAAAAA");
        String job = api.job("ghost");

        api.get(job, PRODUCER)
                .expectStatus()
                .isNotFound()
                .expectBody(String.class)
                .isEqualTo("Job not found");
        api.get(job + "/logs", token).expectStatus().isNotFound();
        api.post(job + "/cancel", PRODUCER, null, null).expectStatus().isNotFound();
        api.post(job + "/start", token, null, null).expectStatus().isNotFound();
        api.post(job + "/progress", token, JSON, "1").expectStatus().isNotFound();
        api.post(job + "/logs", token, TEXT, "row").expectStatus().isNotFound();
        api.post(job + "/stream", token, TEXT, "chunk").expectStatus().isNotFound();
        api.post(job + "/complete", token, JSON, "{\"success\":true}")
                .expectStatus()
                .isNotFound();
        api.get(job, PRODUCER).expectStatus().isNotFound();
    }

    @Test
    void recentJobsAreListedNewestFirstWithTheirState() {
        api.add("older");
        String token = api.add("newer");
        api.post(api.job("newer") + "/start", token, null, null).expectStatus().isOk();
        api.add("newest");

        List<Map<String, Object>> jobs = list("");
        assertThat(jobs).extracting(job -> job.get("id")).containsExactly("newest", "newer", "older");
        assertThat(jobs).extracting(job -> job.get("state")).containsExactly("queued", "running", "queued");
        assertThat(jobs.get(0))
                .containsEntry("workspace_id", api.namespace)
                .containsEntry("name", "test")
                .doesNotContainKey("logs");
        assertThat(list("?limit=2")).extracting(job -> job.get("id")).containsExactly("newest", "newer");
        assertThat(new WorkerApiClient(port)
                        .get(new WorkerApiClient(port).jobs(), PRODUCER)
                        .expectStatus()
                        .isOk()
                        .expectBody(String.class)
                        .returnResult()
                        .getResponseBody())
                .isEqualTo("[]");
    }

    @Test
    void listingNeedsAProducerTokenAndASensibleLimit() {
        String token = api.add("listed");
        api.get(api.jobs(), null).expectStatus().isUnauthorized();
        api.get(api.jobs(), token).expectStatus().isUnauthorized();
        for (String limit : List.of("0", "-1", "1001", "many", "")) {
            expect400Get(api.jobs() + "?limit=" + limit, "Invalid limit: use a whole number from 1 to 1000");
        }
        assertThat(list("?limit=1000")).hasSize(1);
    }

    private List<Map<String, Object>> list(String query) {
        return api.get(api.jobs() + query, PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody(new ParameterizedTypeReference<List<Map<String, Object>>>() {})
                .returnResult()
                .getResponseBody();
    }

    private void expect400(String path, MediaType type, String body, String message) {
        expect400(path, type, body, message, PRODUCER);
    }

    private void expect400(String path, MediaType type, String body, String message, String token) {
        String answer = api.post(path, token, type, body)
                .expectStatus()
                .isBadRequest()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        if (message != null) {
            assertThat(answer).isEqualTo(message);
        } else {
            assertThat(answer).isNotBlank();
        }
    }

    private void expect400Get(String path, String message) {
        api.get(path, PRODUCER)
                .expectStatus()
                .isBadRequest()
                .expectBody(String.class)
                .isEqualTo(message);
    }
}
