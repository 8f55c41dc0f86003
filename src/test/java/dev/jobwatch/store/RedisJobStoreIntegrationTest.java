package dev.jobwatch.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.config.RetentionProperties;
import dev.jobwatch.job.Credential;
import dev.jobwatch.job.Job;
import dev.jobwatch.job.JobNotFoundException;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.LogMarker;
import dev.jobwatch.job.NewJob;
import io.lettuce.core.Range;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.util.unit.DataSize;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

@ActiveProfiles("test")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class RedisJobStoreIntegrationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @Autowired
    JobSources store;

    @Autowired
    RedisConnections connections;

    @Autowired
    ChangeFeed feed;

    private final String namespace = "t-" + UUID.randomUUID();

    @Test
    void offsetsCountCodePointsSoMultiByteTextResumesExactly() {
        Job held = added(store, "utf8");
        JobRef ref = held.ref();
        List<String> rows = List.of("é", "日本", "😀 ok", "plain");
        rows.forEach(row -> StepVerifier.create(store.appendLog(ref, worker(held), Mono.just(row)))
                .expectComplete()
                .verify(DEADLINE));
        String log = "é\n日本\n😀 ok\nplain\n";
        int length = log.codePointCount(0, log.length());

        StepVerifier.create(store.get(ref))
                .assertNext(
                        job -> assertThat(job.log().length()).isEqualTo(length).isEqualTo(16))
                .expectComplete()
                .verify(DEADLINE);
        for (int offset = 0; offset <= length; offset++) {
            String expected = log.substring(log.offsetByCodePoints(0, offset));
            StepVerifier.create(store.readLog(ref, offset, 100, 1 << 20, null))
                    .assertNext(slice -> {
                        assertThat(slice.text()).isEqualTo(expected);
                        assertThat(slice.end()).isEqualTo(length);
                    })
                    .expectComplete()
                    .verify(DEADLINE);
        }
    }

    /** Lua holds the counters as doubles, which print 1e+15 unless the scripts format them as integers. */
    @Test
    void countersPast10To14StayExactIntegersInTheHashTheIdsAndTheNotification() {
        Job held = added(store, "huge");
        JobRef ref = held.ref();
        JobKeys keys = JobKeys.of("jobwatch", ref);
        long length = 999_999_999_999_999L;
        long rows = 123_456_789_012_345L;
        long version = 100_000_000_000_000L;
        long chunks = 400_000_000_000_000L;
        connections
                .commands()
                .flatMap(redis -> redis.hset(
                        keys.job(),
                        Map.of(
                                "log_len", Long.toString(length),
                                "log_rows", Long.toString(rows),
                                "ver", Long.toString(version),
                                "stream_len", Long.toString(chunks))))
                .block(DEADLINE);
        StepVerifier.create(feed.changes(ref))
                .expectNext(Change.SIGNAL)
                .then(() -> store.appendLog(ref, worker(held), Mono.just("x")).block(DEADLINE))
                .expectNext(new Change(version + 1, Change.Kind.LOG, length + 2, held.incarnation(), "x"))
                .then(() -> store.appendChunk(ref, worker(held), Mono.just("c")).block(DEADLINE))
                .expectNext(new Change(version + 2, Change.Kind.CHUNK, chunks + 1, held.incarnation(), "c"))
                .thenCancel()
                .verify(DEADLINE);

        Job after = store.get(ref).block(DEADLINE);
        assertThat(after.log().length()).isEqualTo(length + 2);
        assertThat(after.log().rows()).isEqualTo(rows + 1);
        assertThat(after.streamLength()).isEqualTo(chunks + 1);
        assertThat(after.version()).isEqualTo(version + 2);
        assertThat(connections
                        .commands()
                        .flatMapMany(redis -> redis.xrange(keys.log(), Range.create("-", "+")))
                        .map(entry -> entry.getId() + " r=" + entry.getBody().get("r"))
                        .collectList()
                        .block(DEADLINE))
                .containsExactly((length + 2) + "-0 r=" + rows);
    }

    @Test
    void aReadThatBeganWithOneJobFailsOnceALaterJobTookItsIdRatherThanMixTheirText() {
        Job first = added(store, "reborn");
        JobRef ref = first.ref();
        appendRows(first, "old", 20);
        appendChunks(first, "old", 3);
        LogSlice begun = store.readLog(ref, 0, 5, 1 << 20, first.incarnation()).block(DEADLINE);
        assertThat(begun.text()).startsWith("old 0\n").doesNotContain("new");

        JobKeys keys = JobKeys.of("jobwatch", ref);
        connections
                .commands()
                .flatMap(redis -> redis.del(keys.job(), keys.log(), keys.stream()))
                .block(DEADLINE);
        Job later = added(store, "reborn");
        appendRows(later, "new", 20);
        appendChunks(later, "new", 3);

        StepVerifier.create(store.readLog(ref, begun.end(), 100, 1 << 20, first.incarnation()))
                .expectError(JobNotFoundException.class)
                .verify(DEADLINE);
        StepVerifier.create(store.readChunks(ref, 1, 10, first.incarnation()))
                .expectError(JobNotFoundException.class)
                .verify(DEADLINE);
        assertThat(store.readLog(ref, 0, 100, 1 << 20, later.incarnation())
                        .block(DEADLINE)
                        .text())
                .as("the later job, read as itself")
                .startsWith("new 0\n");
        assertThat(store.readChunks(ref, 1, 10, later.incarnation()).block(DEADLINE))
                .containsExactly("new 1", "new 2");
    }

    @Test
    void aPageOfManySlicesIsReadWholeAndAWatchReadStopsAtTheLengthItRead() {
        Job held = added(store, "slices");
        JobRef ref = held.ref();
        List<String> rows = IntStream.range(0, 2_500)
                .mapToObj(i -> i % 3 == 0 ? "é日😀 " + i : "row " + i)
                .toList();
        rows.forEach(row -> store.appendLog(ref, worker(held), Mono.just(row)).block(DEADLINE));
        String log = rows.stream().map(row -> row + "\n").collect(Collectors.joining());
        int length = log.codePointCount(0, log.length());
        int from = 7;

        LogSlice page = store.readLog(ref, from, 10_000, 1 << 20, null).block(DEADLINE);
        assertThat(page.text())
                .as("2,500 rows: more than one script call reads")
                .isEqualTo(log.substring(log.offsetByCodePoints(0, from)));
        assertThat(page.end()).isEqualTo(length);

        WatchRead read = store.watch(ref, -1, from, 0, new JobReads.WatchPage(10_000, 1 << 20, 10, 1024))
                .block(DEADLINE);
        assertThat(read.logLength()).isEqualTo(length);
        assertThat(read.log()).isEqualTo(log.substring(log.offsetByCodePoints(0, from)));

        LogSlice capped = store.readLog(ref, 0, 1_500, 1 << 20, null).block(DEADLINE);
        assertThat(capped.text()).as("at most the rows asked for").hasLineCount(1_500);
    }

    @Test
    void readingInPagesGivesEveryCharacterOnce() {
        Job held = added(store, "pages");
        JobRef ref = held.ref();
        IntStream.range(0, 50)
                .forEach(i -> store.appendLog(ref, worker(held), Mono.just("line " + i))
                        .block(DEADLINE));
        StringBuilder read = new StringBuilder();
        long offset = 7;
        while (true) {
            LogSlice slice = store.readLog(ref, offset, 4, 1 << 20, null).block(DEADLINE);
            if (slice.text().isEmpty()) {
                break;
            }
            read.append(slice.text());
            offset = slice.end();
        }
        StringBuilder whole = new StringBuilder();
        IntStream.range(0, 50).forEach(i -> whole.append("line ").append(i).append('\n'));
        assertThat(read.toString()).isEqualTo(whole.substring(7));
    }

    @Test
    void theCapDropsTheOldestRowsBehindOneMarkerAndOffsetsNeverMoveBack() {
        RedisJobStore small = cappedAt(100);
        Job held = added(small, "capped");
        JobRef ref = held.ref();
        for (int i = 0; i < 25; i++) {
            small.appendLog(ref, worker(held), Mono.just("row-%05d".formatted(i)))
                    .block(DEADLINE);
        }
        String marker = LogMarker.text(15, 150);

        var job = small.get(ref).block(DEADLINE);
        assertThat(job.log()).isEqualTo(new Job.LogCounters(250, 25, 150, 15));

        List<String> kept = new ArrayList<>();
        kept.add(marker);
        IntStream.range(15, 25).forEach(i -> kept.add("row-%05d".formatted(i)));
        var rows = small.logRows(ref, Credential.PRODUCER, 0, 100).block(DEADLINE);
        assertThat(rows.count()).isEqualTo(11);
        assertThat(rows.logs()).isEqualTo(kept);
        assertThat(small.logRows(ref, Credential.PRODUCER, 1, 2).block(DEADLINE).logs())
                .containsExactly("row-00015", "row-00016");
        assertThat(small.logRows(ref, Credential.PRODUCER, 10, 5)
                        .block(DEADLINE)
                        .logs())
                .containsExactly("row-00024");

        LogSlice fromStart = small.readLog(ref, 0, 100, 1 << 20, null).block(DEADLINE);
        assertThat(fromStart.text()).startsWith(marker + "\nrow-00015\n").endsWith("row-00024\n");
        assertThat(fromStart.end()).isEqualTo(250);
        assertThat(small.readLog(ref, 155, 100, 1 << 20, null).block(DEADLINE).text())
                .startsWith("0015\nrow-00016\n");
        assertThat(small.readLog(ref, 250, 100, 1 << 20, null).block(DEADLINE).text())
                .isEmpty();
    }

    @Test
    void oneLongRowAfterManyShortOnesDropsAsManyAsItTakesAndTheCapHolds() {
        RedisJobStore small = cappedAt(1000);
        Job held = added(small, "burst");
        JobRef ref = held.ref();
        for (int i = 0; i < 500; i++) {
            small.appendLog(ref, worker(held), Mono.just("x")).block(DEADLINE);
        }
        String longRow = "y".repeat(899);
        small.appendLog(ref, worker(held), Mono.just(longRow)).block(DEADLINE);

        var job = small.get(ref).block(DEADLINE);
        assertThat(job.log().droppedRows()).isEqualTo(450);
        assertThat(job.log().droppedChars()).isEqualTo(900);
        var rows = small.logRows(ref, Credential.PRODUCER, 0, 100).block(DEADLINE);
        assertThat(rows.count())
                .as("50 short rows, the long one, and the marker")
                .isEqualTo(52);
        String kept =
                small.readLog(ref, 900, 1000, 1 << 20, null).block(DEADLINE).text();
        assertThat(kept).isEqualTo("x\n".repeat(50) + longRow + "\n");
        assertThat(kept.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1000);
    }

    @Test
    void rowsAreFoundByNumberInALongLog() {
        Job held = added(store, "long");
        JobRef ref = held.ref();
        for (int i = 0; i < 1000; i++) {
            store.appendLog(ref, worker(held), Mono.just("r" + i + "x".repeat(i % 7)))
                    .block(DEADLINE);
        }
        for (int start : new int[] {0, 1, 499, 500, 997, 999}) {
            var rows = store.logRows(ref, Credential.PRODUCER, start, 3).block(DEADLINE);
            assertThat(rows.count()).isEqualTo(1000);
            List<String> expected = IntStream.range(start, Math.min(start + 3, 1000))
                    .mapToObj(i -> "r" + i + "x".repeat(i % 7))
                    .toList();
            assertThat(rows.logs()).isEqualTo(expected);
        }
    }

    @Test
    void recentJobsComeNewestFirstWithoutExpiredOnesAndTheIndexExpires() {
        AtomicLong now = new AtomicLong(1_700_000_000_000L);
        RedisJobStore store = new RedisJobStore(
                new RedisCalls(connections.commands()),
                "jobwatch",
                new RetentionProperties(Duration.ofMinutes(1), Duration.ofMinutes(2), DataSize.ofMegabytes(1)),
                ticking(now),
                "PUBLISH");
        for (String id : List.of("first", "second", "third", "fourth")) {
            now.addAndGet(1000);
            added(store, id);
        }
        connections
                .commands()
                .flatMap(redis -> redis.del(
                        JobKeys.of("jobwatch", new JobRef(namespace, "second")).job()))
                .block(DEADLINE);

        StepVerifier.create(
                        store.recent(namespace, 10).map(job -> job.ref().id()).collectList())
                .assertNext(ids -> assertThat(ids).containsExactly("fourth", "third", "first"))
                .expectComplete()
                .verify(DEADLINE);
        StepVerifier.create(
                        store.recent(namespace, 2).map(job -> job.ref().id()).collectList())
                .assertNext(ids -> assertThat(ids).containsExactly("fourth", "third"))
                .expectComplete()
                .verify(DEADLINE);
        assertThat(connections
                        .commands()
                        .flatMap(redis -> redis.pttl(JobKeys.recent("jobwatch", namespace)))
                        .block(DEADLINE))
                .isBetween(1L, Duration.ofMinutes(2).toMillis());
    }

    @Test
    void theIndexKeepsOnlyTheNewestJobs() {
        RedisJobStore store = new RedisJobStore(
                new RedisCalls(connections.commands()),
                "jobwatch",
                new RetentionProperties(Duration.ofMinutes(1), Duration.ofMinutes(1), DataSize.ofMegabytes(1)),
                Clock.systemUTC(),
                "PUBLISH");
        int jobs = JobQueue.RECENT_KEPT + 5;
        store.add(
                        namespace,
                        IntStream.range(0, jobs)
                                .mapToObj(i -> new NewJob("j" + i, "{}"))
                                .toList())
                .block(Duration.ofMinutes(1));
        store.add(namespace, List.of(new NewJob("latest", "{}"))).block(DEADLINE);

        assertThat(connections
                        .commands()
                        .flatMap(redis -> redis.zcard(JobKeys.recent("jobwatch", namespace)))
                        .block(DEADLINE))
                .isEqualTo(JobQueue.RECENT_KEPT);
        StepVerifier.create(store.recent(namespace, 1).map(job -> job.ref().id()))
                .expectNext("latest")
                .expectComplete()
                .verify(DEADLINE);
    }

    private static Clock ticking(AtomicLong millis) {
        return new Clock() {
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
                return Instant.ofEpochMilli(millis.get());
            }
        };
    }

    /** A store on the same Redis whose logs keep at most {@code bytes}. */
    private RedisJobStore cappedAt(long bytes) {
        return new RedisJobStore(
                new RedisCalls(connections.commands()),
                "jobwatch",
                new RetentionProperties(Duration.ofHours(1), Duration.ofHours(1), DataSize.ofBytes(bytes)),
                Clock.systemUTC(),
                "PUBLISH");
    }

    private void appendRows(Job job, String prefix, int count) {
        for (int i = 0; i < count; i++) {
            store.appendLog(job.ref(), worker(job), Mono.just(prefix + " " + i)).block(DEADLINE);
        }
    }

    private void appendChunks(Job job, String prefix, int count) {
        for (int i = 0; i < count; i++) {
            store.appendChunk(job.ref(), worker(job), Mono.just(prefix + " " + i))
                    .block(DEADLINE);
        }
    }

    private static Credential worker(Job job) {
        return new Credential.Signed(job.incarnation());
    }

    private Job added(JobQueue target, String id) {
        return target.add(namespace, List.of(new NewJob(id, "{}")))
                .block(DEADLINE)
                .get(0);
    }
}
