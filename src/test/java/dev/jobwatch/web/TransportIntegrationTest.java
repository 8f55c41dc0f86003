package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.test.StepVerifier;

/** Each transport a pod may be told to use serves workers and watchers alike, on loops of its own name. */
class TransportIntegrationTest {

    @ParameterizedTest
    @ValueSource(strings = {"nio", "epoll", "io_uring"})
    void aWatcherHearsEveryRowOnEachTransport(String transport) {
        try (TestRedis redis = new TestRedis();
                TestServer server =
                        new TestServer(redis.url(), "jobwatch.transport=" + transport, "jobwatch.io-threads=2")) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("moved");

            StepVerifier.create(new SseClient(server.port())
                            .updates(api.namespace, "moved", "")
                            .map(update -> update.path("new_logs").asString(""))
                            .filter(logs -> !logs.isEmpty())
                            .take(1))
                    .then(() -> api.log("moved", token, "over " + transport + " é😀"))
                    .expectNext("over " + transport + " é😀\n")
                    .expectComplete()
                    .verify(Duration.ofSeconds(30));

            List<String> loops = Thread.getAllStackTraces().keySet().stream()
                    .map(Thread::getName)
                    .filter(name -> name.startsWith("jobwatch-http-" + transport + "-"))
                    .toList();
            assertThat(loops).as("the server's own event loops").isNotEmpty();
        }
    }
}
