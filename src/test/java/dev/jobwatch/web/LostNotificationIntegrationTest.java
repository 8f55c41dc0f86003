package dev.jobwatch.web;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import reactor.test.StepVerifier;

/**
 * A notification that never arrives (pub/sub keeps none while a connection is away) costs a watcher a
 * moment, never a row: the hub's safety re-read finds it, whether more rows follow it or the job goes
 * quiet after it.
 */
class LostNotificationIntegrationTest {

    @Test
    void aRowWhoseNotificationIsLostStillReachesTheWatcher() throws IOException {
        try (TestRedis redis = new TestRedis();
                TestServer server = new TestServer(redis.url(), "jobwatch.watch.recheck=300ms");
                RedisClient client = RedisClient.create(redis.url());
                var probe = client.connect()) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("quiet");
            String keys = "jobwatch:{" + api.namespace + "/quiet}:";
            String incarnation = probe.sync().hget(keys + "job", "inc");
            String script = new ClassPathResource("scripts/log.lua").getContentAsString(StandardCharsets.UTF_8);

            StepVerifier.create(new SseClient(server.port())
                            .updates(api.namespace, "quiet", "")
                            .map(update -> update.path("new_logs").asString(""))
                            .filter(logs -> !logs.isEmpty())
                            .scan(new StringBuilder(), StringBuilder::append)
                            .map(StringBuilder::toString)
                            .filter(logs -> logs.equals("heard\nlost é😀\n"))
                            .take(1))
                    .then(() -> api.log("quiet", token, "heard"))
                    // The same write as the worker route makes, but announced on a channel nobody hears.
                    .then(() -> probe.sync()
                            .eval(
                                    script,
                                    ScriptOutputType.VALUE,
                                    new String[] {
                                        keys + "job",
                                        keys + "log",
                                        keys + "stream",
                                        keys + "nobody-listens",
                                        keys + "idem",
                                        keys + "idem-order"
                                    },
                                    Long.toString(System.currentTimeMillis()),
                                    "60000",
                                    "PUBLISH",
                                    "lost é😀",
                                    "8",
                                    Integer.toString(1 << 24),
                                    "",
                                    "",
                                    "10000",
                                    incarnation))
                    .expectNext("heard\nlost é😀\n")
                    .expectComplete()
                    .verify(Duration.ofSeconds(20));
        }
    }
}
