package dev.jobwatch.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.jobwatch.PodProcess;
import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import dev.jobwatch.web.SseClient;
import dev.jobwatch.web.WorkerApiClient;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;

/** A pod that is told to go: readiness first, then every stream told to reconnect elsewhere, then exit. */
class DrainIntegrationTest {

    @Test
    void drainingTurnsReadinessDownAndTellsEveryStreamToReconnectWhileWritesGoOn() throws InterruptedException {
        try (TestRedis redis = new TestRedis();
                TestServer server = new TestServer(redis.url())) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            String token = api.add("draining");
            SseClient sse = new SseClient(server.port());
            List<JsonNode> seen = new CopyOnWriteArrayList<>();
            Flux<JsonNode> open = sse.updates(api.namespace, "draining", "")
                    .doOnNext(seen::add)
                    .cache();
            open.blockFirst(Duration.ofSeconds(20));
            api.http
                    .get()
                    .uri("/actuator/health/readiness")
                    .exchange()
                    .expectStatus()
                    .isOk();

            CountDownLatch done = new CountDownLatch(1);
            server.bean(DrainOnShutdown.class).stop(done::countDown);

            api.http
                    .get()
                    .uri("/actuator/health/readiness")
                    .exchange()
                    .expectStatus()
                    .isEqualTo(503);
            open.blockLast(Duration.ofSeconds(20));
            assertThat(seen.get(seen.size() - 1).toString()).isEqualTo("{\"type\":\"timeout\"}");
            assertThat(sse.updates(api.namespace, "draining", "")
                            .map(JsonNode::toString)
                            .collectList()
                            .block(Duration.ofSeconds(20)))
                    .as("a stream that comes during the drain is sent on at once")
                    .last()
                    .isEqualTo("{\"type\":\"timeout\"}");
            api.log("draining", token, "a write during the drain is taken");
            assertThat(done.await(20, TimeUnit.SECONDS))
                    .as("the drain let shutdown go on")
                    .isTrue();
        }
    }

    @Test
    void aPodWithThousandsOfStreamsExitsSoonAfterSigtermAndEveryStreamEndsWithTimeout() {
        int streams = streamsThisMachineAllows();
        try (TestRedis redis = new TestRedis();
                PodProcess pod = new PodProcess(redis.url(), "jobwatch.http.max-streams-per-client=0")) {
            WorkerApiClient api = new WorkerApiClient(pod.port());
            String token = api.add("crowded");
            SseClient sse = new SseClient(pod.port());
            AtomicInteger started = new AtomicInteger();
            AtomicInteger timedOut = new AtomicInteger();
            AtomicInteger ended = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Disposable> watchers = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                boolean[] first = {true};
                String[] last = {null};
                watchers.add(sse.updates(api.namespace, "crowded", "")
                        .subscribe(
                                update -> {
                                    if (first[0]) {
                                        first[0] = false;
                                        started.incrementAndGet();
                                    }
                                    last[0] = update.get("type").stringValue();
                                },
                                failure::set,
                                () -> {
                                    if ("timeout".equals(last[0])) {
                                        timedOut.incrementAndGet();
                                    }
                                    ended.incrementAndGet();
                                }));
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> started.get() == streams || failure.get() != null);
            assertThat(failure.get()).isNull();
            api.post(api.job("crowded") + "/logs", token, MediaType.TEXT_PLAIN, "still writing")
                    .expectStatus()
                    .isOk();

            Duration exit = pod.terminate(Duration.ofSeconds(30));

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> ended.get() + (failure.get() == null ? 0 : 1) >= streams);
            System.out.printf("A pod with %d open streams exited %d ms after SIGTERM%n", streams, exit.toMillis());
            assertThat(timedOut.get())
                    .as("streams told timeout before the pod went")
                    .isEqualTo(streams);
            assertThat(exit).isLessThan(Duration.ofSeconds(15));
            watchers.forEach(Disposable::dispose);
        }
    }

    /** 10,000 where the test's file-descriptor limit allows it, fewer where it does not. */
    private static int streamsThisMachineAllows() {
        long limit =
                ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getMaxFileDescriptorCount();
        return (int) Math.max(500, Math.min(10_000, limit - 2_000));
    }
}
