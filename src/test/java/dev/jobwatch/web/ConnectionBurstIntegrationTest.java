package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobwatch.PodProcess;
import dev.jobwatch.TestRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;

/**
 * 20,000 watch connections opened and dropped in one burst against a pod of its own (its own process,
 * for its own file limit), with Netty's leak detector at paranoid: afterwards no stream, hub, Redis
 * subscription, socket or buffer is left behind.
 */
class ConnectionBurstIntegrationTest {

    private static final int CONNECTIONS = 20_000;
    /** Most connections the test holds at once: this process's file limit is 20,000, its jars included. */
    private static final int OPEN_AT_ONCE = 15_000;

    private static final int JOBS = 100;
    private static final int THREADS = 8;

    @Test
    void aBurstOfTwentyThousandDroppedConnectionsLeavesNoStreamHubSubscriptionSocketOrBufferBehind() throws Exception {
        try (TestRedis redis = new TestRedis();
                PodProcess pod = new PodProcess(
                        List.of("-Dio.netty.leakDetection.level=paranoid", "-Dio.netty.leakDetection.targetRecords=0"),
                        redis.url(),
                        "jobwatch.watch.linger=200ms",
                        "jobwatch.http.max-streams-per-client=0");
                RedisClient client = RedisClient.create(redis.url());
                StatefulRedisConnection<String, String> probe = client.connect()) {
            WorkerApiClient api = new WorkerApiClient(pod.port());
            for (int job = 0; job < JOBS; job++) {
                api.add("burst-" + job);
            }
            long filesBefore = pod.openFiles();
            SseClient sse = new SseClient(pod.port());

            BlockingQueue<SseClient.Raw> open = new ArrayBlockingQueue<>(OPEN_AT_ONCE);
            AtomicInteger opened = new AtomicInteger();
            long start = System.nanoTime();
            ExecutorService openers = Executors.newFixedThreadPool(THREADS);
            List<Future<?>> work = new ArrayList<>();
            for (int thread = 0; thread < THREADS; thread++) {
                int first = thread;
                work.add(openers.submit(() -> {
                    for (int i = first; i < CONNECTIONS; i += THREADS) {
                        SseClient.Raw stream = watch(sse, SseClient.path(api.namespace, "burst-" + (i % JOBS), ""), i);
                        opened.incrementAndGet();
                        while (!open.offer(stream)) {
                            SseClient.Raw oldest = open.poll();
                            if (oldest != null) {
                                drop(oldest);
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> task : work) {
                task.get();
            }
            openers.shutdown();
            int streamsAtOnce = (int) pod.metric("jobwatch_streams_open", "");
            for (SseClient.Raw stream = open.poll(); stream != null; stream = open.poll()) {
                drop(stream);
            }
            long burst = System.nanoTime() - start;

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(pod.metric("jobwatch_streams_open", ""))
                        .as("streams open")
                        .isZero();
                assertThat(pod.metric("jobwatch_hubs_open", "")).as("hubs open").isZero();
                assertThat(pod.metric("jobwatch_subscriptions_open", ""))
                        .as("job subscriptions")
                        .isZero();
                assertThat(probe.sync().pubsubChannels("*" + api.namespace + "*"))
                        .as("Redis channels")
                        .isEmpty();
            });
            long settled = System.nanoTime() - start;
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(pod.openFiles())
                            .as("the pod's open files, beside a few kept-alive metrics connections")
                            .isLessThanOrEqualTo(filesBefore + 20));

            pod.collectGarbage();
            // The leak detector reports when it next tracks a buffer: a watch that reads to its end makes some.
            String token = api.add("after");
            Flux<JsonNode> after = sse.updates(api.namespace, "after", "").cache();
            after.blockFirst(Duration.ofSeconds(20));
            api.log("after", token, "the pod still serves");
            api.post(api.job("after") + "/complete", token, MediaType.APPLICATION_JSON, "{\"success\":true}")
                    .expectStatus()
                    .isOk();
            assertThat(after.map(update -> update.path("new_logs").asString(""))
                            .collectList()
                            .block(Duration.ofSeconds(20)))
                    .containsSubsequence("the pod still serves\n");

            System.out.printf(
                    "Connection burst: %d connections opened and dropped in %d ms (%d streams open once all were "
                            + "opened); streams, hubs and subscriptions back to zero %d ms after the burst began; pod files %d "
                            + "before, %d after; direct buffers %.1f MB%n",
                    opened.get(),
                    burst / 1_000_000,
                    streamsAtOnce,
                    settled / 1_000_000,
                    filesBefore,
                    pod.openFiles(),
                    pod.metric("jvm_buffer_memory_used_bytes", "id=\"direct\"") / 1e6);
            assertThat(opened.get()).isEqualTo(CONNECTIONS);
            assertThat(pod.log()).as("Netty's leak detector").doesNotContain("LEAK:");
        }
    }

    /**
     * Opens a watch connection and sends its request, never to read it; source addresses are spread over
     * 127.0.0.x so that ephemeral ports do not run short. A connect may wait seconds while the pod's accept
     * queue is full, as in any burst.
     */
    private static SseClient.Raw watch(SseClient sse, String path, int n) {
        try {
            return sse.raw(path, InetAddress.getByName("127.0.0." + (2 + n % 16)), 0);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Every other connection is reset rather than closed, as a client that vanishes does. */
    private static void drop(SseClient.Raw stream) {
        if (stream.localPort() % 2 == 0) {
            stream.reset();
        } else {
            stream.close();
        }
    }
}
