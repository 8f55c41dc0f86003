package dev.jobwatch.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobwatch.job.Credential;
import dev.jobwatch.job.IdempotencyKey;
import dev.jobwatch.job.IdempotencyKeyReusedException;
import dev.jobwatch.job.JobNotFoundException;
import dev.jobwatch.job.JobNotHeldException;
import dev.jobwatch.job.JobRef;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * What every source of jobs promises through {@link JobReads} and {@link JobReports}, run against each
 * of them: jobwatch's own store on one Redis and on a cluster, and the BullMQ source. A source makes
 * its jobs and its workers' credentials its own way ({@link #newJob}, {@link #worker}, {@link #stranger});
 * everything else is the same test.
 */
abstract class JobSourceContract {

    static final Duration DEADLINE = Duration.ofSeconds(10);
    private static final JobReads.WatchPage PAGE = new JobReads.WatchPage(1000, 1 << 20, 100, 131_072);

    abstract JobReads reads();

    abstract JobReports reports();

    /** A new job, as its source adds it, with no log, held by the credential {@link #worker} gives. */
    abstract JobRef newJob();

    /** A job of this source's namespaces that does not exist. */
    abstract JobRef missingJob();

    /** The credential of the worker that holds the job now. */
    abstract Credential worker(JobRef job);

    /** A credential that looks like a worker's but does not hold the job. */
    abstract Credential stranger(JobRef job);

    @Test
    void aJobThatDoesNotExistIsNotFoundByEveryRead() {
        JobRef missing = missingJob();
        StepVerifier.create(reads().get(missing))
                .expectError(JobNotFoundException.class)
                .verify(DEADLINE);
        StepVerifier.create(reads().readLog(missing, 0, 10, 1 << 20, null))
                .expectError(JobNotFoundException.class)
                .verify(DEADLINE);
        StepVerifier.create(reads().watch(missing, -1, -1, -1, PAGE))
                .expectError(JobNotFoundException.class)
                .verify(DEADLINE);
        StepVerifier.create(reads().logRows(missing, Credential.PRODUCER, 0, 10))
                .expectError(JobNotFoundException.class)
                .verify(DEADLINE);
    }

    @Test
    void reportedRowsReadBackFromEveryOffsetCountingCodePoints() {
        JobRef job = newJob();
        List<String> rows = List.of("é", "日本", "", "😀 ok", "plain");
        rows.forEach(row -> StepVerifier.create(reports().appendLog(job, worker(job), Mono.just(row)))
                .expectComplete()
                .verify(DEADLINE));
        String log = "é\n日本\n\n😀 ok\nplain\n";
        int length = log.codePointCount(0, log.length());

        StepVerifier.create(reads().get(job))
                .assertNext(read -> {
                    assertThat(read.log().length()).isEqualTo(length);
                    assertThat(read.log().rows()).isEqualTo(rows.size());
                })
                .expectComplete()
                .verify(DEADLINE);
        for (int offset = 0; offset <= length; offset++) {
            LogSlice slice = reads().readLog(job, offset, 100, 1 << 20, null).block(DEADLINE);
            assertThat(slice.text()).isEqualTo(log.substring(log.offsetByCodePoints(0, offset)));
            assertThat(slice.end()).isEqualTo(length);
        }
        StringBuilder paged = new StringBuilder();
        for (LogSlice slice = reads().readLog(job, 2, 1, 1 << 20, null).block(DEADLINE);
                !slice.text().isEmpty();
                slice = reads().readLog(job, slice.end(), 1, 1 << 20, null).block(DEADLINE)) {
            paged.append(slice.text());
        }
        assertThat(paged.toString())
                .as("a row a page, from inside the first")
                .isEqualTo(log.substring(log.offsetByCodePoints(0, 2)));
        for (Credential reader : List.of(Credential.PRODUCER, worker(job))) {
            StepVerifier.create(reads().logRows(job, reader, 1, 3))
                    .assertNext(page -> {
                        assertThat(page.count()).isEqualTo(rows.size());
                        assertThat(page.logs()).isEqualTo(rows.subList(1, 4));
                    })
                    .expectComplete()
                    .verify(DEADLINE);
        }
    }

    @Test
    void aReportRetriedWithItsKeyIsAppliedOnceAndAnotherReportWithTheKeyIsRefused() {
        JobRef job = newJob();
        IdempotencyKey rowKey = IdempotencyKey.of("row-1");
        IdempotencyKey progressKey = IdempotencyKey.of("progress-1");
        for (int attempt = 0; attempt < 3; attempt++) {
            StepVerifier.create(reports().appendLog(job, worker(job), rowKey, Mono.just("once")))
                    .expectComplete()
                    .verify(DEADLINE);
            StepVerifier.create(reports().progress(job, worker(job), progressKey, Mono.just("50")))
                    .expectComplete()
                    .verify(DEADLINE);
        }
        long version = reads().get(job).block(DEADLINE).version();
        StepVerifier.create(reports().appendLog(job, worker(job), rowKey, Mono.just("another row")))
                .expectError(IdempotencyKeyReusedException.class)
                .verify(DEADLINE);
        StepVerifier.create(reports().progress(job, worker(job), rowKey, Mono.just("\"once\"")))
                .expectError(IdempotencyKeyReusedException.class)
                .verify(DEADLINE);
        StepVerifier.create(reads().get(job))
                .assertNext(read -> {
                    assertThat(read.log().rows()).isEqualTo(1);
                    assertThat(read.progress()).isEqualTo("50");
                    assertThat(read.version()).isEqualTo(version);
                })
                .expectComplete()
                .verify(DEADLINE);
    }

    @Test
    void progressReadsBackAsItWasPosted() {
        JobRef job = newJob();
        StepVerifier.create(reports().progress(job, worker(job), Mono.just("{\"pct\":42}")))
                .expectComplete()
                .verify(DEADLINE);
        assertThat(reads().get(job).block(DEADLINE).progress()).isEqualTo("{\"pct\":42}");
        assertThat(reads().watch(job, -1, -1, -1, PAGE).block(DEADLINE).progress())
                .isEqualTo("{\"pct\":42}");
    }

    @Test
    void aCredentialThatHoldsNoJobIsRefusedBeforeItsBodyIsRead() {
        JobRef job = newJob();
        AtomicInteger bodiesRead = new AtomicInteger();
        Mono<String> body = Mono.fromCallable(() -> {
            bodiesRead.incrementAndGet();
            return "{\"pct\":1}";
        });
        for (Credential refused : List.of(Credential.unsigned(null), Credential.PRODUCER)) {
            StepVerifier.create(reports().progress(job, refused, body))
                    .expectError(JobNotHeldException.class)
                    .verify(DEADLINE);
            StepVerifier.create(reports().appendLog(job, refused, body))
                    .expectError(JobNotHeldException.class)
                    .verify(DEADLINE);
        }
        assertThat(bodiesRead).hasValue(0);
    }

    @Test
    void aCredentialForAnotherHolderOfTheJobIsRefusedAndChangesNothing() {
        JobRef job = newJob();
        StepVerifier.create(reports().appendLog(job, worker(job), Mono.just("kept")))
                .expectComplete()
                .verify(DEADLINE);
        StepVerifier.create(reports().progress(job, stranger(job), Mono.just("{\"pct\":1}")))
                .expectError(JobNotHeldException.class)
                .verify(DEADLINE);
        StepVerifier.create(reports().appendLog(job, stranger(job), Mono.just("lost")))
                .expectError(JobNotHeldException.class)
                .verify(DEADLINE);
        StepVerifier.create(reads().logRows(job, stranger(job), 0, 10))
                .expectError(JobNotHeldException.class)
                .verify(DEADLINE);
        StepVerifier.create(reads().get(job))
                .assertNext(read -> {
                    assertThat(read.progress()).isNull();
                    assertThat(read.log().rows()).isEqualTo(1);
                })
                .expectComplete()
                .verify(DEADLINE);
    }

    @Test
    void theVersionHoldsUntilSomethingAWatcherSeesChanges() {
        JobRef job = newJob();
        WatchRead first = reads().watch(job, -1, 0, 0, PAGE).block(DEADLINE);
        StepVerifier.create(reads().watch(job, first.version(), first.logEnd(), 0, PAGE))
                .expectComplete()
                .verify(DEADLINE);

        reports().appendLog(job, worker(job), Mono.just("one row")).block(DEADLINE);
        WatchRead logged =
                reads().watch(job, first.version(), first.logEnd(), 0, PAGE).block(DEADLINE);
        assertThat(logged.version()).isNotEqualTo(first.version());
        assertThat(logged.logStart()).isEqualTo(first.logEnd());
        assertThat(logged.log()).isEqualTo("one row\n");
        assertThat(logged.logLength()).isEqualTo(8);
        assertThat(logged.incarnation())
                .isEqualTo(reads().get(job).block(DEADLINE).incarnation());
    }

    @Test
    void aHubWithNothingStartsFromTheNewestWindowAndPagesByRows() {
        JobRef job = newJob();
        for (String row : List.of("first", "second", "plain")) {
            reports().appendLog(job, worker(job), Mono.just(row)).block(DEADLINE);
        }
        WatchRead newest = reads().watch(job, -1, -1, -1, new JobReads.WatchPage(100, 1 << 20, 10, 6))
                .block(DEADLINE);
        assertThat(newest.logLength()).isEqualTo(19);
        assertThat(newest.logStart()).isEqualTo(13);
        assertThat(newest.log()).isEqualTo("plain\n");

        WatchRead paged = reads().watch(job, -1, 2, 0, new JobReads.WatchPage(1, 1 << 20, 10, 6))
                .block(DEADLINE);
        assertThat(paged.logStart()).isEqualTo(2);
        assertThat(paged.log()).as("one row a page, cut where the offset falls").isEqualTo("rst\n");
    }

    @Test
    void aJobWithNoResultStreamReadsNoChunks() {
        JobRef job = newJob();
        StepVerifier.create(reads().readChunks(job, 0, 10, null))
                .expectNext(List.of())
                .expectComplete()
                .verify(DEADLINE);
        assertThat(reads().watch(job, -1, -1, -1, PAGE).block(DEADLINE).chunks())
                .isEmpty();
    }
}
