package dev.jobwatch.web;

import static dev.jobwatch.web.WorkerApiClient.PRODUCER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.store.RedisConnections;
import dev.jobwatch.store.bullmq.BullMqTestQueue;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.test.context.ActiveProfiles;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

/**
 * One JSON budget: every write route refuses a value nested deeper than 100 levels or holding a number
 * no double holds (400, nothing changed), and every read serves a job whose stored values break it (as
 * BullMQ writes them, or an older jobwatch did), the values it cannot show replaced by null and named
 * under {@code omitted}; its watchers hear its completion and their streams end.
 */
@ActiveProfiles("test")
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"jobwatch.bullmq.queues=*", "jobwatch.bullmq.prefix=" + BullMqTestQueue.PREFIX})
class JsonBudgetIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final MediaType JSON = MediaType.APPLICATION_JSON;
    private static final String TOO_DEEP = "is nested deeper than 100 levels of arrays and objects";
    private static final String TOO_DEEP_STORED = TOO_DEEP;
    private static final String OUT_OF_RANGE = "holds a number out of range: every number must be a finite double";

    @LocalServerPort
    int port;

    @Autowired
    RedisConnections connections;

    WorkerApiClient api;
    SseClient sse;
    BullMqTestQueue bullmq;

    @BeforeEach
    void clients() {
        api = new WorkerApiClient(port);
        sse = new SseClient(port);
        bullmq = new BullMqTestQueue(connections);
    }

    @AfterEach
    void removeTheQueue() {
        bullmq.close();
    }

    /** An array {@code levels} deep around one number: {@code [[1]]} is 2 levels. */
    private static String nested(int levels) {
        return "[".repeat(levels) + "1" + "]".repeat(levels);
    }

    private RedisClusterReactiveCommands<String, String> redis() {
        return bullmq.redis();
    }

    private String jobKey(String id) {
        return "jobwatch:{" + api.namespace + "/" + id + "}:job";
    }

    @Test
    void progressPastTheBudgetIsRefusedAndChangesNothing() {
        String token = api.add("p");
        api.post(api.job("p") + "/start", token, null, null).expectStatus().isOk();
        api.post(api.job("p") + "/progress", token, JSON, nested(100))
                .expectStatus()
                .isOk();
        String kept = redis().hget(jobKey("p"), "progress").block(DEADLINE);

        expect400(api.job("p") + "/progress", token, "1e400", "Progress " + OUT_OF_RANGE);
        expect400(api.job("p") + "/progress", token, "{\"pct\":[-1e400]}", "Progress " + OUT_OF_RANGE);
        expect400(api.job("p") + "/progress", token, nested(101), "Progress " + TOO_DEEP);
        expect400(api.job("p") + "/progress", token, nested(500), "Progress " + TOO_DEEP);
        expect400(api.job("p") + "/progress", token, nested(600), "Progress " + TOO_DEEP);

        assertThat(redis().hget(jobKey("p"), "progress").block(DEADLINE))
                .as("a refused progress changes nothing")
                .isEqualTo(kept);
    }

    @Test
    void resultAndJobFieldsPastTheBudgetAreRefusedAndChangeNothing() {
        String token = api.add("r");
        api.post(api.job("r") + "/start", token, null, null).expectStatus().isOk();
        expect400(
                api.job("r") + "/complete",
                token,
                "{\"success\":true,\"result\":" + nested(500) + "}",
                "Completion " + TOO_DEEP);
        expect400(
                api.job("r") + "/complete", token, "{\"success\":true,\"result\":1e400}", "Completion " + OUT_OF_RANGE);
        assertThat(api.document("r")).containsEntry("state", "running").containsEntry("result", null);

        expect400(api.jobs(), PRODUCER, "[{\"id\":\"d\",\"data\":" + nested(500) + "}]", "Job batch " + TOO_DEEP);
        expect400(
                api.jobs(), PRODUCER, "[{\"id\":\"o\",\"opts\":{\"x\":" + nested(99) + "}}]", "Job batch " + TOO_DEEP);
        expect400(api.jobs(), PRODUCER, "[{\"id\":\"m\",\"labels\":[1e999]}]", "Job batch " + OUT_OF_RANGE);
        for (String id : List.of("d", "o", "m")) {
            api.get(api.job(id), PRODUCER).expectStatus().isNotFound();
        }

        expect400(api.job("r") + "/cancel", PRODUCER, "{\"reason\":" + nested(600) + "}", "Cancel body " + TOO_DEEP);
        assertThat(api.document("r")).containsEntry("state", "running");
    }

    @Test
    void progressOnABullMqQueuePastTheBudgetIsRefusedAndChangesNothing() {
        bullmq.job("active", Map.of("processedOn", "1700000001000"));
        redis().set(bullmq.key("active:lock"), "lock-1").block(DEADLINE);
        String path = "/queues/" + bullmq.namespace() + "/jobs/active/progress";

        expect400(path, "lock-1", nested(500), "Progress " + TOO_DEEP);
        expect400(path, "lock-1", "1e400", "Progress " + OUT_OF_RANGE);

        assertThat(redis().hget(bullmq.key("active"), "progress").block(DEADLINE))
                .isNull();
        api.post(path, "lock-1", JSON, "{\"pct\":50}").expectStatus().isOk();
    }

    /** A running job as an older jobwatch let it be written: data and progress as deep as its parser took. */
    private String olderDeepJob() {
        String token = api.add("deep");
        api.add("fine");
        api.post(api.job("deep") + "/start", token, null, null).expectStatus().isOk();
        redis().hset(
                        jobKey("deep"),
                        Map.of(
                                "meta",
                                "{\"name\":\"old\",\"tag\":\"t\",\"data\":" + nested(498) + "}",
                                "progress",
                                nested(500)))
                .block(DEADLINE);
        return token;
    }

    /** A running BullMQ job as BullMQ takes any data: too deep to parse, and a progress just short of that. */
    private void bullMqDeepJob() {
        bullmq.job(
                "deep",
                Map.of(
                        "data",
                        nested(600),
                        "opts",
                        "{\"attempts\":1}",
                        "processedOn",
                        "1700000001000",
                        "progress",
                        nested(499)));
    }

    /** BullMQ's completion: the hash's result and finish, then its event. */
    private void bullMqCompletesDeep() {
        redis().hset(bullmq.key("deep"), Map.of("finishedOn", "1700000003000", "returnvalue", nested(499)))
                .block(DEADLINE);
        redis().xadd(bullmq.key("events"), Map.of("event", "completed", "jobId", "deep", "returnvalue", "x"))
                .block(DEADLINE);
    }

    @Test
    void anOlderJobsDeepValuesAreServedMarkedByEveryRead() {
        olderDeepJob();

        assertThat(api.document("deep"))
                .containsEntry("name", "old")
                .containsEntry("tag", "t")
                .containsEntry("data", null)
                .containsEntry("args", null)
                .containsEntry("progress", null)
                .containsEntry(
                        "omitted",
                        Map.of("data", TOO_DEEP_STORED, "args", TOO_DEEP_STORED, "progress", TOO_DEEP_STORED));

        List<Map<String, Object>> listed = api.get(api.jobs(), PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody(new ParameterizedTypeReference<List<Map<String, Object>>>() {})
                .returnResult()
                .getResponseBody();
        assertThat(listed).extracting(job -> job.get("id")).containsExactlyInAnyOrder("deep", "fine");
        assertThat(listed)
                .filteredOn(job -> job.get("id").equals("fine"))
                .singleElement()
                .satisfies(job ->
                        assertThat(job).containsEntry("data", Map.of("n", 1)).doesNotContainKey("omitted"));

        String ws = "/api/w/" + api.namespace + "/";
        api.get(ws + "jobs_u/get/deep", PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.args")
                .isEmpty()
                .jsonPath("$.omitted.args")
                .isEqualTo(TOO_DEEP_STORED);
        api.get(ws + "jobs_u/get_args/deep", PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo("null");
        api.get(ws + "job_metrics/get_progress/deep", PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo("null");
        api.get(ws + "jobs_u/getupdate/deep?get_progress=true", PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.progress")
                .isEmpty()
                .jsonPath("$.omitted.progress")
                .isEqualTo(TOO_DEEP_STORED);
    }

    @Test
    void watchersOfAnOlderJobWithDeepValuesHearItsEnd() {
        String token = olderDeepJob();
        List<Flux<JsonNode>> watchers = List.of(
                sse.updates(api.namespace, "deep", "").cache(),
                sse.updates(api.namespace, "deep", "get_progress=true").cache(),
                sse.updates(api.namespace, "deep", "only_result=true").cache());
        for (Flux<JsonNode> watcher : watchers) {
            StepVerifier.create(watcher.take(1))
                    .expectNextCount(1)
                    .expectComplete()
                    .verify(DEADLINE);
        }
        api.post(api.job("deep") + "/complete", token, JSON, "{\"success\":true,\"result\":{\"ok\":1}}")
                .expectStatus()
                .isOk();

        for (Flux<JsonNode> watcher : watchers) {
            StepVerifier.create(
                            watcher.filter(update -> update.path("completed").asBoolean(false)))
                    .assertNext(update -> {
                        if (update.has("only_result")) {
                            assertThat(update.get("only_result").get("ok").intValue())
                                    .isEqualTo(1);
                        } else {
                            JsonNode job = update.get("job");
                            assertThat(job.get("result").get("ok").intValue()).isEqualTo(1);
                            assertThat(job.get("data").isNull()).isTrue();
                            assertThat(job.get("omitted").get("progress").stringValue())
                                    .isEqualTo(TOO_DEEP_STORED);
                        }
                    })
                    .expectComplete()
                    .verify(DEADLINE);
        }
    }

    @Test
    void watchersOfAnOlderJobWithADeepResultHearItsCompletion() {
        String token = api.add("done");
        api.post(api.job("done") + "/complete", token, JSON, "{\"success\":true,\"result\":1}")
                .expectStatus()
                .isOk();
        // The result an older jobwatch took: 499 levels, one short of its parser's limit.
        redis().hset(jobKey("done"), "result", nested(499)).block(DEADLINE);

        for (String query : List.of("", "only_result=true")) {
            StepVerifier.create(sse.updates(api.namespace, "done", query))
                    .assertNext(update -> {
                        assertThat(update.get("completed").booleanValue()).isTrue();
                        JsonNode result = query.isEmpty() ? update.get("job").get("result") : update.get("only_result");
                        assertThat(result.isNull()).isTrue();
                        JsonNode omitted = query.isEmpty() ? update.get("job").get("omitted") : update.get("omitted");
                        assertThat(omitted.get(query.isEmpty() ? "result" : "only_result")
                                        .stringValue())
                                .isEqualTo(TOO_DEEP_STORED);
                    })
                    .expectComplete()
                    .verify(DEADLINE);
        }
        api.get("/api/w/" + api.namespace + "/jobs_u/completed/get_result_maybe/done", PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.result")
                .isEmpty()
                .jsonPath("$.omitted.result")
                .isEqualTo(TOO_DEEP_STORED);
    }

    @Test
    void aBullMqJobsDeepValuesAreServedMarkedByEveryRead() {
        bullMqDeepJob();
        api.get("/queues/" + bullmq.namespace() + "/jobs/deep", PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.name")
                .isEqualTo("render")
                .jsonPath("$.data")
                .isEmpty()
                .jsonPath("$.opts.attempts")
                .isEqualTo(1)
                .jsonPath("$.omitted.data")
                .isEqualTo(TOO_DEEP_STORED)
                .jsonPath("$.omitted.progress")
                .isEqualTo(TOO_DEEP_STORED);

        bullMqCompletesDeep();
        String ws = "/api/w/" + bullmq.namespace() + "/";
        api.get(ws + "jobs_u/completed/get_result_maybe/deep", PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody()
                .jsonPath("$.completed")
                .isEqualTo(true)
                .jsonPath("$.result")
                .isEmpty()
                .jsonPath("$.omitted.result")
                .isEqualTo(TOO_DEEP_STORED);
        api.get(ws + "jobs_u/completed/get_result/deep", PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .isEqualTo("null");
    }

    @Test
    void watchersOfABullMqJobWithDeepValuesHearItsEnd() {
        bullMqDeepJob();
        List<Flux<JsonNode>> watchers = List.of(
                sse.updates(bullmq.namespace(), "deep", "get_progress=true").cache(),
                sse.updates(bullmq.namespace(), "deep", "only_result=true").cache());
        for (Flux<JsonNode> watcher : watchers) {
            StepVerifier.create(watcher.take(1))
                    .expectNextCount(1)
                    .expectComplete()
                    .verify(DEADLINE);
        }
        bullMqCompletesDeep();

        for (Flux<JsonNode> watcher : watchers) {
            StepVerifier.create(
                            watcher.filter(update -> update.path("completed").asBoolean(false)))
                    .assertNext(update -> {
                        if (update.has("only_result")) {
                            assertThat(update.get("only_result").isNull()).isTrue();
                            assertThat(update.get("omitted").get("only_result").stringValue())
                                    .isEqualTo(TOO_DEEP_STORED);
                        } else {
                            assertThat(update.get("job").get("result").isNull()).isTrue();
                            assertThat(update.get("job")
                                            .get("omitted")
                                            .get("result")
                                            .stringValue())
                                    .isEqualTo(TOO_DEEP_STORED);
                        }
                    })
                    .expectComplete()
                    .verify(DEADLINE);
        }
    }

    private void expect400(String path, String token, String body, String message) {
        api.post(path, token, JSON, body)
                .expectStatus()
                .isBadRequest()
                .expectBody(String.class)
                .isEqualTo(message);
    }
}
