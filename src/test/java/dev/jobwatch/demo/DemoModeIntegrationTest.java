package dev.jobwatch.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.test.web.reactive.server.WebTestClient;

@ExtendWith(OutputCaptureExtension.class)
class DemoModeIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @Test
    void demoModeLogsTheAddressOfAJobThatIsLiveThere(CapturedOutput output) {
        try (TestRedis redis = new TestRedis();
                TestServer server = new TestServer(redis.url(), "jobwatch.demo=true", "jobwatch.watch.auth=token")) {
            Pattern announced = Pattern.compile("Demo mode: a live job at (http://localhost:" + server.port()
                    + ")(/jobs/demo/(build-[0-9a-f]{6}))#token=([A-Za-z0-9_.-]+)");
            AtomicReference<Matcher> found = new AtomicReference<>();
            await().atMost(DEADLINE).until(() -> {
                Matcher matcher = announced.matcher(output.getOut());
                found.set(matcher);
                return matcher.find();
            });
            Matcher address = found.get();
            WebTestClient http =
                    WebTestClient.bindToServer().baseUrl(address.group(1)).build();

            http.get()
                    .uri(address.group(2))
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody(String.class)
                    .value(page -> assertThat(page).contains("/static/job.js"));
            String poll =
                    "/api/w/demo/jobs_u/getupdate/" + address.group(3) + "?get_progress=true&token=" + address.group(4);
            await().atMost(DEADLINE)
                    .untilAsserted(() -> assertThat(http.get()
                                    .uri(poll)
                                    .exchange()
                                    .expectStatus()
                                    .isOk()
                                    .expectBody(new ParameterizedTypeReference<Map<String, Object>>() {})
                                    .returnResult()
                                    .getResponseBody())
                            .containsEntry("completed", false)
                            .hasEntrySatisfying(
                                    "progress",
                                    progress -> assertThat((Integer) progress).isPositive())
                            .hasEntrySatisfying(
                                    "new_logs",
                                    logs -> assertThat((String) logs).contains("\u001b[32mINFO")));

            List<Map<String, Object>> jobs = http.get()
                    .uri("/queues/demo/jobs")
                    .header("Authorization", "Bearer producer-token-1")
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody(new ParameterizedTypeReference<List<Map<String, Object>>>() {})
                    .returnResult()
                    .getResponseBody();
            assertThat(jobs).extracting(job -> job.get("name")).containsExactlyInAnyOrder("build", "test", "deploy");
        }
    }
}
