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
import org.springframework.http.MediaType;
import org.springframework.test.context.ActiveProfiles;

/**
 * One JSON budget: every write route refuses a value nested deeper than 100 levels or holding a number
 * no double holds (400, nothing changed).
 */
@ActiveProfiles("test")
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"jobwatch.bullmq.queues=*", "jobwatch.bullmq.prefix=" + BullMqTestQueue.PREFIX})
class JsonBudgetIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);
    private static final MediaType JSON = MediaType.APPLICATION_JSON;
    private static final String TOO_DEEP = "is nested deeper than 100 levels of arrays and objects";
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

    private void expect400(String path, String token, String body, String message) {
        api.post(path, token, JSON, body)
                .expectStatus()
                .isBadRequest()
                .expectBody(String.class)
                .isEqualTo(message);
    }
}
