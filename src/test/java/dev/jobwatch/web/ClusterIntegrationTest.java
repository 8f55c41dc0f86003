package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.TestRedisCluster;
import dev.jobwatch.TestServer;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * The same writes and watches on a Redis Cluster of 3 masters and 3 replicas, and a failover in the
 * middle of a stream: the master that holds the job is stopped and its replica takes over.
 */
class ClusterIntegrationTest {

    private static final int ROWS = 600;
    private static final int WATCHERS = 20;

    @Test
    void watchersEndWithExactlyTheJobsLogThroughAFailoverOfItsMaster() {
        try (TestRedisCluster cluster = new TestRedisCluster();
                TestServer server = new TestServer(cluster.seeds());
                RedisClusterClient probe = cluster.newClient();
                var probeConnection = probe.connect()) {
            WorkerApiClient api = new WorkerApiClient(server.port());
            SseClient sse = new SseClient(server.port());
            String token = api.add("failover");
            String jobKey = "jobwatch:{" + api.namespace + "/failover}:job";
            int master = cluster.masterPortForKey(jobKey);

            List<SseClient.Follower> followers = new ArrayList<>();
            for (int i = 0; i < WATCHERS; i++) {
                followers.add(new SseClient.Follower(() -> sse, api.namespace, "failover", 0, i % 2 == 0, 10 + i));
            }
            WebClient http = WebClient.create("http://localhost:" + server.port());
            Mono<Void> failover = Mono.fromRunnable(() -> {
                        // Replication is asynchronous: let the replica hold what was acknowledged, as a
                        // deployment would with WAIT or min-replicas settings, then stop the master.
                        probeConnection
                                .sync()
                                .getConnection("127.0.0.1", master)
                                .waitForReplication(1, 5_000);
                        cluster.killMaster(master);
                    })
                    .subscribeOn(Schedulers.boundedElastic())
                    .then();
            Mono<Void> writing = Flux.range(0, ROWS)
                    .buffer(20)
                    .delayElements(Duration.ofMillis(50))
                    .index()
                    .concatMap(batch -> (batch.getT1() == ROWS / 40 ? failover : Mono.<Void>empty())
                            .thenMany(Flux.fromIterable(batch.getT2()))
                            .concatMap(n -> post(
                                    http,
                                    api.job("failover") + "/logs",
                                    token,
                                    MediaType.TEXT_PLAIN,
                                    "row " + n + " ✓")))
                    .then(post(
                            http,
                            api.job("failover") + "/complete",
                            token,
                            MediaType.APPLICATION_JSON,
                            "{\"success\":true}"));

            Mono.when(
                            Flux.fromIterable(followers)
                                    .flatMap(SseClient.Follower::run)
                                    .then(),
                            writing)
                    .block(Duration.ofMinutes(3));

            String log = (String) api.get("/api/w/" + api.namespace + "/jobs_u/get/failover", WorkerApiClient.PRODUCER)
                    .expectStatus()
                    .isOk()
                    .expectBody(Map.class)
                    .returnResult()
                    .getResponseBody()
                    .get("logs");
            for (int n = 0; n < ROWS; n++) {
                assertThat(log).as("row %d, accepted, is in the log", n).contains("row " + n + " ✓\n");
            }
            for (SseClient.Follower follower : followers) {
                assertThat(follower.text()).isEqualTo(log);
                assertThat(follower.completedEvents()).isEqualTo(1);
            }
            assertThat(cluster.livePorts()).doesNotContain(master);
        }
    }

    /** Posts until the pod takes it: during the failover it answers 503, which means "try again". */
    private static Mono<Void> post(WebClient http, String path, String token, MediaType type, String body) {
        return http.post()
                .uri(path)
                .header("Authorization", "Bearer " + token)
                .contentType(type)
                .bodyValue(body)
                .retrieve()
                .toBodilessEntity()
                .retryWhen(Retry.fixedDelay(300, Duration.ofMillis(100)))
                .then();
    }
}
