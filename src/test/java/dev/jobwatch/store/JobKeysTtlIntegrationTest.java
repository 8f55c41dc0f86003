package dev.jobwatch.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.config.RetentionProperties;
import dev.jobwatch.job.Credential;
import dev.jobwatch.job.IdempotencyKey;
import dev.jobwatch.job.Job;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.NewJob;
import dev.jobwatch.store.bullmq.BullMqTestQueue;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.util.unit.DataSize;
import reactor.core.publisher.Mono;

/**
 * Every key a write leaves has a TTL, at most the slack short of the job's retention: the scripts renew
 * the job's TTL only once it has run down by the slack, but a key a write creates takes its TTL in the
 * same call. The store's clock is the test's, so that the slack passes without waiting for it; Redis
 * counts the TTLs in its own time, which hardly moves meanwhile.
 */
@ActiveProfiles("test")
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = {"jobwatch.bullmq.queues=*", "jobwatch.bullmq.prefix=" + BullMqTestQueue.PREFIX})
class JobKeysTtlIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final Duration IDLE = Duration.ofHours(1);
    private static final Duration COMPLETED = Duration.ofMinutes(30);

    @Autowired
    RedisConnections connections;

    @Autowired
    JobReports reports;

    @Autowired
    RetentionProperties retention;

    private final String namespace = "t-" + UUID.randomUUID();
    private final AtomicLong now = new AtomicLong(System.currentTimeMillis());

    @Test
    void everyWriteLeavesEveryKeyOfItsJobWithATtl() {
        RedisJobStore store = store();
        Job job = added(store, "each-write");
        JobRef ref = job.ref();
        Credential worker = new Credential.Signed(job.incarnation());
        assertTtls(ref, IDLE, "job");

        tick();
        store.start(ref, worker, IdempotencyKey.of("start"), Mono.empty()).block(DEADLINE);
        assertTtls(ref, IDLE, "job", "idem", "idem-order");
        tick();
        store.progress(ref, worker, Mono.just("{\"pct\":1}")).block(DEADLINE);
        assertTtls(ref, IDLE, "job", "idem", "idem-order");
        tick();
        store.appendLog(ref, worker, Mono.just("first row")).block(DEADLINE);
        assertTtls(ref, IDLE, "job", "log", "idem", "idem-order");
        tick();
        store.appendChunk(ref, worker, Mono.just("first chunk")).block(DEADLINE);
        assertTtls(ref, IDLE, "job", "log", "stream", "idem", "idem-order");
        tick();
        store.progress(ref, worker, IdempotencyKey.of("progress"), Mono.just("{\"pct\":2}"))
                .block(DEADLINE);
        store.appendLog(ref, worker, IdempotencyKey.of("log"), Mono.just("second row"))
                .block(DEADLINE);
        store.appendChunk(ref, worker, IdempotencyKey.of("chunk"), Mono.just("second chunk"))
                .block(DEADLINE);
        assertTtls(ref, IDLE, "job", "log", "stream", "idem", "idem-order");
        tick();
        store.complete(ref, worker, IdempotencyKey.of("complete"), Mono.just(new JobWrites.Completion(true, "{}")))
                .block(DEADLINE);
        assertTtls(ref, COMPLETED, "job", "log", "stream", "idem", "idem-order");
    }

    @Test
    void theFirstRowOrChunkOfAJobWhoseTtlHasNotRunDownStillTakesOne() {
        RedisJobStore store = store();
        Job logged = added(store, "first-row");
        tick();
        store.appendLog(logged.ref(), new Credential.Signed(logged.incarnation()), Mono.just("row"))
                .block(DEADLINE);
        assertTtls(logged.ref(), IDLE, "job", "log");

        Job streamed = added(store, "first-chunk");
        tick();
        store.appendChunk(streamed.ref(), new Credential.Signed(streamed.incarnation()), Mono.just("chunk"))
                .block(DEADLINE);
        assertTtls(streamed.ref(), IDLE, "job", "stream");
    }

    @Test
    void aCancelGivesEveryKeyTheCompletedRetention() {
        RedisJobStore store = store();
        Job job = added(store, "canceled");
        Credential worker = new Credential.Signed(job.incarnation());
        store.appendLog(job.ref(), worker, IdempotencyKey.of("log"), Mono.just("row"))
                .block(DEADLINE);
        store.appendChunk(job.ref(), worker, Mono.just("chunk")).block(DEADLINE);
        tick();
        store.cancel(job.ref(), "enough", "someone", "{}").block(DEADLINE);
        assertTtls(job.ref(), COMPLETED, "job", "log", "stream", "idem", "idem-order");
    }

    @Test
    void theTtlIsRenewedOnlyOnceItHasRunDownByTheSlack() {
        RedisJobStore store = store();
        Job job = added(store, "renewed");
        JobRef ref = job.ref();
        Credential worker = new Credential.Signed(job.incarnation());
        store.appendLog(ref, worker, Mono.just("row")).block(DEADLINE);
        long runDown = IDLE.minus(slack(IDLE)).toMillis() + 1;
        for (String name : List.of("job", "log")) {
            connections
                    .commands()
                    .flatMap(redis -> redis.pexpire(key(ref, name), runDown))
                    .block(DEADLINE);
        }

        now.addAndGet(slack(IDLE).toMillis() - 1);
        store.appendLog(ref, worker, Mono.just("within the slack")).block(DEADLINE);
        assertThat(pttl(ref, "job")).as("not renewed within the slack").isLessThanOrEqualTo(runDown);

        now.incrementAndGet();
        store.appendLog(ref, worker, Mono.just("past it")).block(DEADLINE);
        assertTtls(ref, IDLE, "job", "log");
        assertThat(pttl(ref, "job")).as("renewed").isGreaterThan(runDown);

        // A renewal dated after the writer's now (a pod whose clock runs ahead) does not hold back another's.
        for (String name : List.of("job", "log")) {
            connections
                    .commands()
                    .flatMap(redis -> redis.pexpire(key(ref, name), runDown))
                    .block(DEADLINE);
        }
        now.addAndGet(-1000);
        store.appendLog(ref, worker, Mono.just("from behind")).block(DEADLINE);
        assertThat(pttl(ref, "job")).as("renewed").isGreaterThan(runDown);
    }

    /** BullMQ's keys are BullMQ's, without a TTL; the idempotency keys jobwatch adds beside them have one. */
    @Test
    void theKeysOfABullMqJobsKeyedWritesHaveATtl() {
        try (BullMqTestQueue queue = new BullMqTestQueue(connections)) {
            String id = UUID.randomUUID().toString();
            JobRef job = queue.job(id, Map.of("processedOn", "1700000001000"));
            queue.redis().set(queue.key(id + ":lock"), "lock-" + id).block(DEADLINE);
            Credential worker = Credential.unsigned("lock-" + id);
            Duration idle = retention.idle();

            reports.appendLog(job, worker, IdempotencyKey.of("log"), Mono.just("row"))
                    .block(DEADLINE);
            assertBetween(queue.redis().pttl(queue.key(id + ":jobwatch-idem")).block(DEADLINE), idle, slack(idle));
            reports.progress(job, worker, IdempotencyKey.of("progress"), Mono.just("50"))
                    .block(DEADLINE);
            for (String own : List.of(":jobwatch-idem", ":jobwatch-idem-order")) {
                assertBetween(queue.redis().pttl(queue.key(id + own)).block(DEADLINE), idle, slack(idle));
            }
            for (String bullMqs : List.of("", ":logs", ":lock")) {
                assertThat(queue.redis().pttl(queue.key(id + bullMqs)).block(DEADLINE))
                        .as("BullMQ's key %s%s keeps no TTL", id, bullMqs)
                        .isEqualTo(-1L);
            }
        }
    }

    /** Each named key of the job exists with a TTL of its retention, at most the slack short of it. */
    private void assertTtls(JobRef ref, Duration ttl, String... names) {
        for (String name : names) {
            assertBetween(pttl(ref, name), ttl, slack(ttl));
        }
    }

    private static void assertBetween(Long pttl, Duration ttl, Duration slack) {
        assertThat(pttl).isBetween(ttl.minus(slack).toMillis(), ttl.toMillis());
    }

    /** The scripts' slack: 1% of the TTL, at most a minute. */
    private static Duration slack(Duration ttl) {
        return Duration.ofMillis(Math.min(ttl.toMillis() / 100, 60_000));
    }

    private Long pttl(JobRef ref, String name) {
        return connections
                .commands()
                .flatMap(redis -> redis.pttl(key(ref, name)))
                .block(DEADLINE);
    }

    private static String key(JobRef ref, String name) {
        return "jobwatch:{" + ref.namespace() + "/" + ref.id() + "}:" + name;
    }

    /** A second on the store's clock: well within the slack of either retention. */
    private void tick() {
        now.addAndGet(1000);
    }

    private RedisJobStore store() {
        return new RedisJobStore(
                new RedisCalls(connections.commands()),
                "jobwatch",
                new RetentionProperties(COMPLETED, IDLE, DataSize.ofMegabytes(1)),
                new Clock() {
                    @Override
                    public ZoneId getZone() {
                        return ZoneOffset.UTC;
                    }

                    @Override
                    public Clock withZone(ZoneId zone) {
                        return this;
                    }

                    @Override
                    public Instant instant() {
                        return Instant.ofEpochMilli(now.get());
                    }
                },
                "PUBLISH");
    }

    private Job added(RedisJobStore store, String id) {
        return store.add(namespace, List.of(new NewJob(id, "{}")))
                .block(DEADLINE)
                .get(0);
    }
}
