package dev.jobwatch.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import dev.jobwatch.web.WorkerApiClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What {@code /actuator/prometheus} tells whoever scrapes it: Redis command latency by command, as the
 * Grafana dashboard reads it, and no address of Redis or of the pod in any label.
 */
class MetricLabelsIntegrationTest {

    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern ADDRESS = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}|localhost|:\\d{2,5}\\b");

    @Test
    void redisLatencyIsByCommandAndNoLabelHoldsAnAddress() {
        try (TestRedis.Lease redis = TestRedis.fromEnvironment();
                TestServer server = new TestServer(redis.url())) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("metrics-1");
            api.log("metrics-1", token, "a row");
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> assertThat(api.metrics())
                            .as("Redis command latency, by command")
                            .containsPattern(
                                    "(?m)^lettuce_command_completion_seconds_count\\{[^}]*command=\"EVALSHA\""));

            String scrape = api.metrics();
            List<String> addresses = new ArrayList<>();
            for (String line : scrape.split("\n")) {
                if (line.startsWith("#")) {
                    continue;
                }
                Matcher label = LABEL.matcher(line);
                while (label.find()) {
                    if (List.of("local", "remote").contains(label.group(1))
                            || ADDRESS.matcher(label.group(2)).find()) {
                        addresses.add(line);
                    }
                }
            }
            assertThat(addresses)
                    .as("series with an address (Redis at %s) in a label", redis.url())
                    .isEmpty();
        }
    }
}
