package dev.jobwatch.web;

import static dev.jobwatch.web.WorkerApiClient.PRODUCER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.SharedRedis;
import dev.jobwatch.TestServer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.MediaType;

/** A JSON body that names a key twice is refused, wherever the key is, and changes nothing. */
class DuplicateKeysIntegrationTest {

    @RegisterExtension
    static final SharedRedis redis = new SharedRedis();

    @Test
    void everyJsonBodyWithAKeyTwiceGets400WithOurOwnMessageAndChangesNothing() {
        try (TestServer server = new TestServer(redis.url())) {
            WorkerApiClient api = new WorkerApiClient(server.port());

            String added = api.post(
                            api.jobs(),
                            PRODUCER,
                            MediaType.APPLICATION_JSON,
                            "[{\"name\":\"x\",\"id\":\"a\",\"id\":\"b\"}]")
                    .expectStatus()
                    .isBadRequest()
                    .expectBody(String.class)
                    .returnResult()
                    .getResponseBody();
            assertThat(added).isEqualTo("Job batch is not valid JSON: the key \"id\" appears twice in one object");
            api.get(api.job("a"), PRODUCER).expectStatus().isNotFound();
            api.get(api.job("b"), PRODUCER).expectStatus().isNotFound();
            api.post(
                            api.jobs(),
                            PRODUCER,
                            MediaType.APPLICATION_JSON,
                            "[{\"name\":\"x\",\"id\":\"c\",\"data\":{\"deep\":{\"k\":1,\"k\":2}}}]")
                    .expectStatus()
                    .isBadRequest()
                    .expectBody(String.class)
                    .isEqualTo("Job batch is not valid JSON: the key \"k\" appears twice in one object");
            api.get(api.job("c"), PRODUCER).expectStatus().isNotFound();

            String token = api.add("d");
            Map<String, Object> before = api.document("d");
            api.post(api.job("d") + "/progress", token, MediaType.APPLICATION_JSON, "{\"pct\":1,\"pct\":99}")
                    .expectStatus()
                    .isBadRequest()
                    .expectBody(String.class)
                    .isEqualTo("Progress is not valid JSON: the key \"pct\" appears twice in one object");
            api.post(
                            api.job("d") + "/complete",
                            token,
                            MediaType.APPLICATION_JSON,
                            "{\"success\":false,\"success\":true}")
                    .expectStatus()
                    .isBadRequest()
                    .expectBody(String.class)
                    .value(message -> assertThat(message)
                            .isEqualTo(
                                    "Completion is not valid JSON: the key \"success\" appears twice in one object"));
            api.post(
                            api.job("d") + "/cancel",
                            PRODUCER,
                            MediaType.APPLICATION_JSON,
                            "{\"reason\":\"a\",\"reason\":\"b\"}")
                    .expectStatus()
                    .isBadRequest()
                    .expectBody(String.class)
                    .value(message -> assertThat(message).doesNotContain("jackson", "Jackson", "`"));
            assertThat(api.document("d")).as("refused bodies changed nothing").isEqualTo(before);

            api.post(api.job("d") + "/progress", token, MediaType.APPLICATION_JSON, "{\"pct\":1,\"other\":{\"pct\":2}}")
                    .expectStatus()
                    .isOk();
        }
    }
}
