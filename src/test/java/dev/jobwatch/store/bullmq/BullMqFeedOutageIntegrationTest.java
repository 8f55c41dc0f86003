package dev.jobwatch.store.bullmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobwatch.TestRedis;
import dev.jobwatch.TestServer;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.store.ChangeFeed;
import dev.jobwatch.store.RedisConnections;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/** Runs its own Redis process, so that it can restart it under a queue's events reader. */
class BullMqFeedOutageIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @Test
    void aQueuesReaderComesBackAfterRedisRestartsAndHearsEventsAgain() {
        try (TestRedis redis = new TestRedis();
                TestServer server = new TestServer(
                        redis.url(),
                        "jobwatch.redis.timeout=1s",
                        "jobwatch.bullmq.queues=render",
                        "jobwatch.bullmq.log-poll=50ms")) {
            ChangeFeed feed = server.bean(ChangeFeed.class);
            var commands = server.bean(RedisConnections.class).commands().block(DEADLINE);
            AtomicInteger signals = new AtomicInteger();
            Disposable subscription =
                    feed.changes(new JobRef("bullmq.render", "7")).subscribe(signal -> signals.incrementAndGet());
            try {
                await().atMost(DEADLINE).until(() -> signals.get() >= 2);

                redis.stop();
                redis.start();
                int before = signals.get();
                await().atMost(DEADLINE).pollInterval(Duration.ofMillis(200)).until(() -> {
                    // Each event is heard once the reader is back; until then the XADD may fail or go unheard.
                    commands.xadd("bull:render:events", Map.of("event", "progress", "jobId", "7", "data", "1"))
                            .onErrorResume(error -> Mono.empty())
                            .block(DEADLINE);
                    return signals.get() > before + 1;
                });
                assertThat(feed.subscriptions()).isEqualTo(1);
            } finally {
                subscription.dispose();
            }
            await().atMost(DEADLINE).until(() -> feed.subscriptions() == 0);
        }
    }
}
