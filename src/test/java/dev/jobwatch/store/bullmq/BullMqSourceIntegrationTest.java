package dev.jobwatch.store.bullmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobwatch.job.Credential;
import dev.jobwatch.job.IdempotencyKey;
import dev.jobwatch.job.IdempotencyKeyReusedException;
import dev.jobwatch.job.InvalidInputException;
import dev.jobwatch.job.JobNotFoundException;
import dev.jobwatch.job.JobNotHeldException;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.JobState;
import dev.jobwatch.store.ChangeFeed;
import dev.jobwatch.store.JobReads;
import dev.jobwatch.store.JobWrites;
import dev.jobwatch.store.RedisConnections;
import io.lettuce.core.Range;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * The BullMQ source against BullMQ's layout as BullMQ writes it (job hash, log list, lock, events stream),
 * written here directly on a real Redis: what only this source does. What every source does is in
 * {@code BullMqContractIntegrationTest}; {@code BullMqInteropIntegrationTest} runs the real package.
 */
@ActiveProfiles("test")
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {
            "jobwatch.bullmq.queues=*",
            "jobwatch.bullmq.prefix=jwtest-bullmq",
            "jobwatch.bullmq.log-poll=50ms"
        })
class BullMqSourceIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final JobReads.WatchPage PAGE = new JobReads.WatchPage(10_000, 1 << 20, 1024, 131_072);

    @Autowired
    JobReads store;

    @Autowired
    ChangeFeed feed;

    @Autowired
    JobWrites writes;

    @Autowired
    RedisConnections connections;

    private BullMqTestQueue queue;
    private String base;

    @BeforeEach
    void aQueueOfItsOwn() {
        queue = new BullMqTestQueue(connections);
        base = queue.key("");
    }

    @AfterEach
    void removeTheQueue() {
        queue.close();
    }

    private RedisClusterReactiveCommands<String, String> redis() {
        return queue.redis();
    }

    /** A job as BullMQ's add leaves it: waiting, with its log rows. */
    private JobRef job(String id, String... rows) {
        return queue.job(id, Map.of(), rows);
    }

    @Test
    void stateAndResultFollowTheJobHash() {
        JobRef ok = job("ok");
        redis().hset(base + "ok", "processedOn", "1700000001000").block(DEADLINE);
        assertThat(store.get(ok).block(DEADLINE).state()).isEqualTo(JobState.RUNNING);
        redis().hset(
                        base + "ok",
                        Map.of(
                                "finishedOn",
                                "1700000003000",
                                "returnvalue",
                                "{\"url\":\"x\"}",
                                "failedReason",
                                "an earlier attempt"))
                .block(DEADLINE);
        StepVerifier.create(store.get(ok))
                .assertNext(job -> {
                    assertThat(job.state()).isEqualTo(JobState.COMPLETED);
                    assertThat(job.success())
                            .as("a retried attempt's failedReason stays; returnvalue decides")
                            .isTrue();
                    assertThat(job.result()).isEqualTo("{\"url\":\"x\"}");
                    assertThat(job.createdAt()).isEqualTo(1700000000000L);
                    assertThat(job.startedAt()).isEqualTo(1700000001000L);
                    assertThat(job.completedAt()).isEqualTo(1700000003000L);
                    assertThat(job.meta())
                            .isEqualTo("{\"name\":\"render\",\"data\":{\"n\":7},\"opts\":{\"attempts\":1}}");
                })
                .expectComplete()
                .verify(DEADLINE);

        JobRef failed = job("failed");
        redis().hset(base + "failed", Map.of("processedOn", "1", "finishedOn", "2", "failedReason", "boom"))
                .block(DEADLINE);
        StepVerifier.create(store.get(failed))
                .assertNext(job -> {
                    assertThat(job.success()).isFalse();
                    assertThat(job.result()).isEqualTo("{\"error\":{\"name\":\"Error\",\"message\":\"boom\"}}");
                })
                .expectComplete()
                .verify(DEADLINE);

        StepVerifier.create(store.get(new JobRef(queue.namespace(), "missing")))
                .expectError(JobNotFoundException.class)
                .verify(DEADLINE);
        StepVerifier.create(
                        writes.complete(ok, Credential.unsigned("any"), Mono.just(new JobWrites.Completion(true, "1"))))
                .expectError(InvalidInputException.class)
                .verify(DEADLINE);
    }

    @Test
    void lockedWritesCheckTheLockAndWriteWhatBullMqWrites() {
        JobRef ref = job("locked");
        redis().hset(base + "locked", "opts", "{\"kl\":2}").block(DEADLINE);
        StepVerifier.create(writes.progress(ref, Credential.unsigned("lock-1"), Mono.just("{\"pct\":1}")))
                .expectError(JobNotHeldException.class)
                .verify(DEADLINE);
        redis().set(base + "locked:lock", "lock-1").block(DEADLINE);
        StepVerifier.create(writes.progress(ref, Credential.unsigned("lock-2"), Mono.just("{\"pct\":1}")))
                .expectError(JobNotHeldException.class)
                .verify(DEADLINE);
        assertThat(redis().hget(base + "locked", "progress").block(DEADLINE))
                .as("a refused write changes nothing")
                .isNull();

        StepVerifier.create(writes.progress(ref, Credential.unsigned("lock-1"), Mono.just("{\"pct\":60}")))
                .expectComplete()
                .verify(DEADLINE);
        assertThat(redis().hget(base + "locked", "progress").block(DEADLINE)).isEqualTo("{\"pct\":60}");
        assertThat(redis().xrange(base + "events", Range.create("-", "+"))
                        .collectList()
                        .block(DEADLINE))
                .singleElement()
                .satisfies(event -> assertThat(event.getBody())
                        .isEqualTo(Map.of("event", "progress", "jobId", "locked", "data", "{\"pct\":60}")));
        assertThat(redis().hget(base + "meta", "opts.maxLenEvents").block(DEADLINE))
                .isEqualTo("10000");

        for (String row : List.of("one", "two", "three")) {
            StepVerifier.create(writes.appendLog(ref, Credential.unsigned("lock-1"), Mono.just(row)))
                    .expectComplete()
                    .verify(DEADLINE);
        }
        assertThat(redis().lrange(base + "locked:logs", 0, -1).collectList().block(DEADLINE))
                .as("keepLogs 2, as the job's opts say")
                .containsExactly("two", "three");
        StepVerifier.create(
                        store.logRows(ref, Credential.unsigned("lock-1"), 0, 10).map(rows -> rows.logs()))
                .expectNext(List.of("two", "three"))
                .expectComplete()
                .verify(DEADLINE);
        StepVerifier.create(store.logRows(ref, Credential.unsigned(null), 0, 10))
                .expectError(JobNotHeldException.class)
                .verify(DEADLINE);
    }

    @Test
    void aKeyedWriteRetriedByTheWorkerThatHoldsTheLockIsAppliedOnce() {
        JobRef ref = job("keyed");
        redis().set(base + "keyed:lock", "lock-1").block(DEADLINE);
        Credential worker = Credential.unsigned("lock-1");
        IdempotencyKey progressKey = IdempotencyKey.of("progress-1");
        IdempotencyKey rowKey = IdempotencyKey.of("row-1");
        for (int attempt = 0; attempt < 3; attempt++) {
            StepVerifier.create(writes.progress(ref, worker, progressKey, Mono.just("{\"pct\":60}")))
                    .expectComplete()
                    .verify(DEADLINE);
            StepVerifier.create(writes.appendLog(ref, worker, rowKey, Mono.just("once")))
                    .expectComplete()
                    .verify(DEADLINE);
        }
        assertThat(redis().lrange(base + "keyed:logs", 0, -1).collectList().block(DEADLINE))
                .containsExactly("once");
        assertThat(redis().xlen(base + "events").block(DEADLINE))
                .as("one progress event")
                .isEqualTo(1);

        StepVerifier.create(writes.appendLog(ref, worker, rowKey, Mono.just("another row")))
                .expectError(IdempotencyKeyReusedException.class)
                .verify(DEADLINE);
        StepVerifier.create(writes.progress(ref, worker, rowKey, Mono.just("\"once\"")))
                .as("the key of a log row, on a progress")
                .expectError(IdempotencyKeyReusedException.class)
                .verify(DEADLINE);

        // The next attempt holds another lock token: its keys are its own.
        redis().set(base + "keyed:lock", "lock-2").block(DEADLINE);
        StepVerifier.create(writes.appendLog(ref, Credential.unsigned("lock-2"), rowKey, Mono.just("once")))
                .expectComplete()
                .verify(DEADLINE);
        StepVerifier.create(writes.appendLog(ref, worker, rowKey, Mono.just("once")))
                .as("a retry once the lock moved on")
                .expectError(JobNotHeldException.class)
                .verify(DEADLINE);
        assertThat(redis().lrange(base + "keyed:logs", 0, -1).collectList().block(DEADLINE))
                .containsExactly("once", "once");
        assertThat(store.get(new JobRef(queue.namespace(), "keyed:jobwatch-idem")))
                .as("jobwatch's keys beside BullMQ's are no job")
                .satisfies(job -> StepVerifier.create(job)
                        .expectError(JobNotFoundException.class)
                        .verify(DEADLINE));
    }

    @Test
    void theFeedSignalsOnceInPlaceThenOnEventsAndLogRowsAndLetsGoOfTheQueue() {
        JobRef ref = job("fed");
        AtomicInteger signals = new AtomicInteger();
        Disposable subscription = feed.changes(ref).subscribe(signal -> signals.incrementAndGet());
        try {
            // Once in place, and once more when the log length is first seen.
            await().atMost(DEADLINE).until(() -> signals.get() >= 2);
            assertThat(feed.subscriptions()).isEqualTo(1);

            int before = signals.get();
            redis().xadd(base + "events", Map.of("event", "active", "jobId", "fed", "prev", "waiting"))
                    .block(DEADLINE);
            await().atMost(DEADLINE).until(() -> signals.get() > before);

            int beforeLog = signals.get();
            redis().rpush(base + "fed:logs", "a row").block(DEADLINE);
            await().atMost(DEADLINE).until(() -> signals.get() > beforeLog);

            int beforeOther = signals.get();
            redis().xadd(base + "events", Map.of("event", "progress", "jobId", "another", "data", "1"))
                    .block(DEADLINE);
            redis().xadd(base + "events", Map.of("event", "progress", "jobId", "fed", "data", "2"))
                    .block(DEADLINE);
            await().atMost(DEADLINE).until(() -> signals.get() > beforeOther);
        } finally {
            subscription.dispose();
        }
        await().atMost(DEADLINE).until(() -> feed.subscriptions() == 0);
    }
}
