package dev.jobwatch.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.PodProcess;
import dev.jobwatch.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Three pods (real JVMs) on one Redis: writes through one reach watchers on all, and a pod that goes
 * away mid-stream costs its watchers a reconnect to another pod, not a byte.
 */
class ManyPodsIntegrationTest {

    private static final int WATCHERS = 300;
    private static final int ROWS = 1_500;

    @Test
    void watchersOnEveryPodEndWithTheSameBytesAndSurviveAPodLeaving() {
        try (TestRedis redis = new TestRedis();
                PodProcess first = new PodProcess(redis.url());
                PodProcess second = new PodProcess(redis.url());
                PodProcess third = new PodProcess(redis.url())) {
            List<SseClient> pods =
                    List.of(new SseClient(first.port()), new SseClient(second.port()), new SseClient(third.port()));
            WorkerApiClient api = new WorkerApiClient(first.port());
            WebClient writer = WebClient.create("http://localhost:" + first.port());

            List<SseClient.Follower> steady =
                    follow(api, writer, pods, "steady", new AtomicBoolean(true), Mono.empty());
            assertThat(steady)
                    .allSatisfy(follower -> assertThat(follower.text()).hasLineCount(ROWS));

            AtomicBoolean thirdUp = new AtomicBoolean(true);
            AtomicReference<String> thirdLog = new AtomicReference<>();
            Mono<Void> thirdLeaves = Mono.fromRunnable(() -> {
                        thirdUp.set(false);
                        third.terminate(Duration.ofSeconds(30));
                        thirdLog.set(third.log());
                    })
                    .subscribeOn(Schedulers.boundedElastic())
                    .then();
            follow(api, writer, pods, "leaving", thirdUp, thirdLeaves);
            assertThat(thirdLog.get())
                    .as("the third pod left with watchers on it")
                    .containsPattern("telling [1-9][0-9]* open streams to reconnect elsewhere");
        }
    }

    /**
     * Writes ROWS rows through the first pod while WATCHERS watchers spread over the pods follow the job
     * (each moving on to the next pod when it reconnects, skipping the third once it is down);
     * halfway, {@code midway} runs. Every watcher must end with exactly the rows written.
     */
    private static List<SseClient.Follower> follow(
            WorkerApiClient api,
            WebClient writer,
            List<SseClient> pods,
            String id,
            AtomicBoolean thirdUp,
            Mono<Void> midway) {
        String token = api.add(id);
        List<SseClient.Follower> followers = new ArrayList<>();
        for (int i = 0; i < WATCHERS; i++) {
            int[] next = {i % 3};
            followers.add(new SseClient.Follower(
                    () -> {
                        int pod = next[0]++ % 3;
                        return pod == 2 && !thirdUp.get() ? pods.get(next[0]++ % 2) : pods.get(pod);
                    },
                    api.namespace,
                    id,
                    0,
                    i % 2 == 0,
                    20 + i % 40));
        }
        List<String> rows = new ArrayList<>();
        StringBuilder expected = new StringBuilder();
        for (int n = 0; n < ROWS; n++) {
            rows.add(id + " row " + n + " ✓");
            expected.append(rows.get(n)).append('\n');
        }

        Mono<Void> watching = Flux.fromIterable(followers)
                .flatMap(SseClient.Follower::run, WATCHERS)
                .then();
        Mono<Void> writing = Flux.fromIterable(rows)
                .buffer(50)
                .delayElements(Duration.ofMillis(100))
                .index()
                .concatMap(batch -> (batch.getT1() == ROWS / 100 ? midway : Mono.<Void>empty())
                        .thenMany(Flux.fromIterable(batch.getT2()))
                        .concatMap(row -> writer.post()
                                .uri(api.job(id) + "/logs")
                                .header("Authorization", "Bearer " + token)
                                .contentType(MediaType.TEXT_PLAIN)
                                .bodyValue(row)
                                .retrieve()
                                .toBodilessEntity()))
                .then(writer.post()
                        .uri(api.job(id) + "/complete")
                        .header("Authorization", "Bearer " + token)
                        .contentType(MediaType.APPLICATION_JSON)
                        .bodyValue("{\"success\":true}")
                        .retrieve()
                        .toBodilessEntity()
                        .then());

        Mono.when(watching, writing).block(Duration.ofMinutes(4));
        for (SseClient.Follower follower : followers) {
            assertThat(follower.text()).isEqualTo(expected.toString());
            assertThat(follower.completedEvents()).isEqualTo(1);
        }
        return followers;
    }
}
