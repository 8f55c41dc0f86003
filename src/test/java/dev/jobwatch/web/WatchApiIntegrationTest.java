package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.context.ActiveProfiles;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;
import tools.jackson.databind.JsonNode;

@ActiveProfiles("test")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WatchApiIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    WorkerApiClient api;
    SseClient sse;

    @BeforeEach
    void clients() {
        api = new WorkerApiClient(port);
        sse = new SseClient(port);
    }

    @Test
    void theStreamAnswersWithSseHeadersAndAFirstUpdateAtOnce() {
        String token = api.add("fresh");
        api.log("fresh", token, "hello é");

        SseClient.Opened opened = sse.open(
                        SseClient.path(api.namespace, "fresh", ""),
                        headers -> headers.setBearerAuth(WorkerApiClient.PRODUCER))
                .block(DEADLINE);
        assertThat(opened.status().value()).isEqualTo(200);
        assertThat(opened.headers().getContentType().isCompatibleWith(MediaType.TEXT_EVENT_STREAM))
                .as("content type %s", opened.headers().getContentType())
                .isTrue();
        assertThat(opened.headers().get("Cache-Control")).containsExactly("no-cache");
        assertThat(opened.headers().get("X-Accel-Buffering")).containsExactly("no");

        StepVerifier.create(sse.events(api.namespace, "fresh", "", null, WorkerApiClient.PRODUCER)
                        .take(1))
                .assertNext(event -> {
                    JsonNode update = SseClient.JSON.readTree(event.data());
                    assertThat(update.get("type").stringValue()).isEqualTo("update");
                    assertThat(update.get("completed").booleanValue()).isFalse();
                    assertThat(update.get("new_logs").stringValue()).isEqualTo("hello é\n");
                    assertThat(update.get("log_offset").longValue()).isEqualTo(9);
                    assertThat(update.get("stream_offset").longValue()).isZero();
                    assertThat(update.has("job")).isFalse();
                    assertThat(event.id()).isEqualTo("9:0:0");
                })
                .expectComplete()
                .verify(DEADLINE);
    }

    @Test
    void aWatcherSeesRunningOnceEveryRowAndChunkAndTheJobOnceAtTheEnd() {
        String token = api.add("full");
        Flux<JsonNode> updates =
                sse.updates(api.namespace, "full", "get_progress=true").cache();
        StepVerifier.create(updates.take(1)).expectNextCount(1).verifyComplete();

        api.post(api.job("full") + "/start", token, null, null).expectStatus().isOk();
        // Reads of a fast job may merge start and completion; the watcher is told only what it could see.
        updates.filter(update -> update.path("running").asBoolean(false)).blockFirst(DEADLINE);
        api.post(api.job("full") + "/progress", token, MediaType.APPLICATION_JSON, "30")
                .expectStatus()
                .isOk();
        for (int i = 0; i < 20; i++) {
            api.log("full", token, "row " + i + " 😀");
        }
        api.post(api.job("full") + "/stream", token, MediaType.TEXT_PLAIN, "part 1,")
                .expectStatus()
                .isOk();
        api.post(api.job("full") + "/stream", token, MediaType.TEXT_PLAIN, "part 2")
                .expectStatus()
                .isOk();
        api.post(
                        api.job("full") + "/complete",
                        token,
                        MediaType.APPLICATION_JSON,
                        "{\"success\":true,\"result\":{\"answer\":42}}")
                .expectStatus()
                .isOk();

        List<JsonNode> all = updates.collectList().block(DEADLINE);
        StringBuilder logs = new StringBuilder();
        StringBuilder stream = new StringBuilder();
        int runningSeen = 0;
        int jobsSeen = 0;
        JsonNode last = all.get(all.size() - 1);
        for (JsonNode update : all) {
            assertThat(update.get("type").stringValue()).isIn("update", "ping");
            logs.append(update.path("new_logs").asString(""));
            stream.append(update.path("new_result_stream").asString(""));
            runningSeen += update.path("running").asBoolean(false) ? 1 : 0;
            jobsSeen += update.has("job") ? 1 : 0;
        }
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            expected.append("row ").append(i).append(" 😀\n");
        }
        assertThat(logs.toString()).isEqualTo(expected.toString());
        assertThat(stream.toString()).isEqualTo("part 1,part 2");
        assertThat(runningSeen).isEqualTo(1);
        assertThat(jobsSeen).isEqualTo(1);
        assertThat(all)
                .anySatisfy(
                        update -> assertThat(update.path("progress").asInt(-1)).isEqualTo(30));
        assertThat(last.get("completed").booleanValue()).isTrue();
        assertThat(last.get("log_offset").longValue()).isEqualTo(expected.codePointCount(0, expected.length()) + 1);
        assertThat(last.get("stream_offset").longValue()).isEqualTo(2);
        assertThat(last.get("job").get("result").get("answer").intValue()).isEqualTo(42);
        assertThat(last.get("job").get("type").stringValue()).isEqualTo("CompletedJob");
        assertThat(last.get("job").has("logs")).isFalse();
    }

    @Test
    void argumentsShapeTheUpdatesAsWindmillDefinesThem() {
        String token = api.add("shaped");
        api.post(api.job("shaped") + "/start", token, null, null).expectStatus().isOk();
        api.log("shaped", token, "a row");
        api.post(api.job("shaped") + "/progress", token, MediaType.APPLICATION_JSON, "70")
                .expectStatus()
                .isOk();
        api.post(api.job("shaped") + "/stream", token, MediaType.TEXT_PLAIN, "partial")
                .expectStatus()
                .isOk();
        api.post(
                        api.job("shaped") + "/complete",
                        token,
                        MediaType.APPLICATION_JSON,
                        "{\"success\":true,\"result\":[1,2]}")
                .expectStatus()
                .isOk();

        JsonNode onlyResult =
                sse.updates(api.namespace, "shaped", "only_result=true").blockLast(DEADLINE);
        assertThat(names(onlyResult))
                .containsExactlyInAnyOrder("type", "completed", "only_result", "new_result_stream", "stream_offset");
        assertThat(onlyResult.get("only_result").toString()).isEqualTo("[1,2]");

        JsonNode noLogs = sse.updates(api.namespace, "shaped", "no_logs=true").blockLast(DEADLINE);
        assertThat(noLogs.has("new_logs")).isFalse();
        assertThat(noLogs.has("log_offset")).isFalse();
        assertThat(noLogs.has("progress")).isFalse();
        assertThat(noLogs.get("job").get("success").booleanValue()).isTrue();

        JsonNode withProgress = sse.updates(api.namespace, "shaped", "get_progress=true&running=true")
                .blockLast(DEADLINE);
        assertThat(withProgress.get("progress").intValue()).isEqualTo(70);
        assertThat(withProgress.has("running")).isFalse();
        assertThat(withProgress.get("new_logs").stringValue()).isEqualTo("a row\n");

        JsonNode fromOffset = sse.updates(api.namespace, "shaped", "log_offset=3&stream_offset=1")
                .blockLast(DEADLINE);
        assertThat(fromOffset.get("new_logs").stringValue()).isEqualTo("row\n");
        assertThat(fromOffset.has("new_result_stream")).isFalse();
    }

    @Test
    void aRunningJobSaysRunningOnceToAClientThatDidNotKnow() {
        String token = api.add("runs");
        api.post(api.job("runs") + "/start", token, null, null).expectStatus().isOk();

        JsonNode first = sse.updates(api.namespace, "runs", "running=false").blockFirst(DEADLINE);
        assertThat(first.get("running").booleanValue()).isTrue();
        JsonNode knew = sse.updates(api.namespace, "runs", "running=true").blockFirst(DEADLINE);
        assertThat(knew.has("running")).isFalse();
    }

    @Test
    void aMissingJobIsNotFoundAndTheStreamEnds() {
        StepVerifier.create(sse.updates(api.namespace, "ghost", ""))
                .assertNext(event -> assertThat(event.toString()).isEqualTo("{\"type\":\"notfound\"}"))
                .expectComplete()
                .verify(DEADLINE);
        api.get("/api/w/" + api.namespace + "/jobs_u/getupdate/ghost", WorkerApiClient.PRODUCER)
                .expectStatus()
                .isNotFound();
        api.get("/api/w/" + api.namespace + "/jobs_u/get/ghost", WorkerApiClient.PRODUCER)
                .expectStatus()
                .isNotFound();
    }

    @Test
    void badArgumentsAreRefusedBeforeTheStreamStarts() {
        api.add("args");
        api.get("/api/w/" + api.namespace + "/jobs_u/getupdate_sse/args?log_offset=-1", WorkerApiClient.PRODUCER)
                .expectStatus()
                .isBadRequest()
                .expectBody(String.class)
                .isEqualTo("Invalid log_offset: use a whole number, 0 or more");
        api.get("/api/w/" + api.namespace + "/jobs_u/getupdate_sse/args?running=maybe", WorkerApiClient.PRODUCER)
                .expectStatus()
                .isBadRequest()
                .expectBody(String.class)
                .isEqualTo("Invalid running: use true or false");
        api.get("/api/w/xy/jobs_u/getupdate_sse/args", WorkerApiClient.PRODUCER)
                .expectStatus()
                .isBadRequest();
    }

    @Test
    void pollingAnswersOneUpdateWithoutTypeOrJob() {
        String token = api.add("polled");
        api.log("polled", token, "first");
        api.log("polled", token, "second");

        Map<String, Object> update = api.get(
                        "/api/w/" + api.namespace + "/jobs_u/getupdate/polled?log_offset=7", WorkerApiClient.PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody(Map.class)
                .returnResult()
                .getResponseBody();
        assertThat(update)
                .containsEntry("new_logs", "second\n")
                .containsEntry("log_offset", 14)
                .containsEntry("completed", false)
                .doesNotContainKeys("type", "job");

        api.post(api.job("polled") + "/complete", token, MediaType.APPLICATION_JSON, "{\"success\":false}")
                .expectStatus()
                .isOk();
        Map<String, Object> done = api.get(
                        "/api/w/" + api.namespace + "/jobs_u/getupdate/polled?log_offset=14", WorkerApiClient.PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody(Map.class)
                .returnResult()
                .getResponseBody();
        assertThat(done).containsEntry("completed", true).doesNotContainKeys("type", "job", "new_logs");
    }

    @Test
    void getAnswersTheJobWithItsWholeLog() {
        String token = api.add("whole");
        api.log("whole", token, "one");
        api.log("whole", token, "two 日本");

        Map<String, Object> job = api.get("/api/w/" + api.namespace + "/jobs_u/get/whole", WorkerApiClient.PRODUCER)
                .expectStatus()
                .isOk()
                .expectBody(Map.class)
                .returnResult()
                .getResponseBody();
        assertThat(job)
                .containsEntry("id", "whole")
                .containsEntry("type", "QueuedJob")
                .containsEntry("logs", "one\ntwo 日本\n");
        assertThat(api.document("whole")).doesNotContainKey("logs");
    }

    private static List<String> names(JsonNode node) {
        return List.copyOf(node.propertyNames());
    }
}
