package dev.jobwatch.watch;

import dev.jobwatch.job.JobJson;
import dev.jobwatch.job.JobNotFoundException;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.JobState;
import dev.jobwatch.job.JsonBudget;
import dev.jobwatch.store.Change;
import dev.jobwatch.store.ChangeFeed;
import dev.jobwatch.store.JobReads;
import dev.jobwatch.store.LogSlice;
import dev.jobwatch.store.WatchRead;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Everything the watch side reads of a job: a hub's reads as its job changes, a poll's one read, and
 * the reads of a watcher that is behind its hub's window. The one type in this package that speaks to
 * the store.
 *
 * <p>A hub's job is followed by subscribing to its changes before the first read, so no change falls
 * between the two. A notification that carries what its write appended is applied to the held state
 * ({@link Deltas}); any other (the first, and the one the feed sends once the subscription is back
 * after its connection was lost), and the slow safety tick, trigger a read. Triggers that come while a read
 * is under way collapse into one more read after it, so Redis reads follow changes, not watchers, and a
 * burst of writes costs a few reads. A read that does not bring everything (a long log) is followed at
 * once by the next page.
 */
final class WatchReader {

    private static final Logger log = LoggerFactory.getLogger(WatchReader.class);

    /** The safety tick's trigger, told apart from notifications by identity. */
    private static final Change RECHECK = new Change(-1, Change.Kind.SIGNAL, 0, null, null);

    /**
     * First and longest pause between two attempts to subscribe a job whose feed failed, or to make a
     * re-read that failed.
     */
    private static final Duration RETRY_FIRST = Duration.ofMillis(100);

    private static final Duration RETRY_AT_MOST = Duration.ofSeconds(3);

    private final JobReads store;
    private final ChangeFeed feed;
    private final JsonMapper mapper;
    private final JobReads.WatchPage page;
    private final Duration recheck;
    private final Scheduler scheduler;
    private final WatchMetrics metrics;

    WatchReader(
            JobReads store,
            ChangeFeed feed,
            JsonMapper mapper,
            JobReads.WatchPage page,
            Duration recheck,
            Scheduler scheduler,
            WatchMetrics metrics) {
        this.store = store;
        this.feed = feed;
        this.mapper = mapper;
        this.page = page;
        this.recheck = recheck;
        this.scheduler = scheduler;
        this.metrics = metrics;
    }

    /** Follows the job for a hub, publishing each state it learns to {@code states}, until disposed. */
    Disposable follow(JobRef ref, HubStates states) {
        return new Following(ref, states).start();
    }

    /** The state of a job read once, as a hub would hold it, for a client that polls. */
    Mono<HubState> readOnce(JobRef ref, long logFrom, long chunksFrom) {
        return store.watch(ref, -1, logFrom, chunksFrom, page).flatMap(read -> advance(ref, null, read));
    }

    /**
     * One page of log from {@code from}, for a watcher behind its hub's window, of the incarnation its hub
     * holds: a later job with the id is not found here, as it is to the hub.
     */
    Mono<LogSlice> catchUpLog(JobRef ref, long from, String incarnation) {
        return store.readLog(ref, from, page.rows(), page.bytes(), incarnation)
                .doOnSubscribe(read -> metrics.catchUpReads.increment());
    }

    /** One page of chunks after the first {@code from}, as {@link #catchUpLog} reads log. */
    Mono<List<String>> catchUpChunks(JobRef ref, long from, String incarnation) {
        return store.readChunks(ref, from, page.chunks(), incarnation)
                .doOnSubscribe(read -> metrics.catchUpReads.increment());
    }

    /** The state after {@code read}, from the state held before it (null for none). */
    private Mono<HubState> advance(JobRef ref, HubState held, WatchRead read) {
        LogWindow window = (held == null ? LogWindow.at(read.logStart()) : held.log())
                .append(read.logStart(), read.log(), page.window());
        ChunkWindow chunks = (held == null ? ChunkWindow.at(read.chunksStart()) : held.chunks())
                .append(read.chunksStart(), read.chunks(), JobHub.CHUNK_WINDOW);
        JsonNode progress = read.progress() == null
                ? null
                : held != null && read.progress().equals(held.progressText())
                        ? held.progress()
                        : JsonBudget.show(read.progress(), mapper).value();
        Mono<JsonNode[]> completion = read.state() != JobState.COMPLETED
                ? Mono.just(new JsonNode[2])
                : held != null && held.job() != null
                        ? Mono.just(new JsonNode[] {held.job(), held.result()})
                        : store.get(ref)
                                .map(job -> JobJson.document(job, mapper))
                                // The result as the document shows it: null, and named there, when it cannot be.
                                .map(doc -> new JsonNode[] {doc, doc.get("result")});
        return completion.map(done -> new HubState(
                HubState.Status.READY,
                null,
                read.version(),
                read.state(),
                progress,
                read.progress(),
                read.logLength(),
                window,
                read.streamLength(),
                chunks,
                done[0],
                done[1],
                HubState.newEncodings(),
                read.incarnation()));
    }

    /** One hub's following of its job. */
    private final class Following {

        private final JobRef ref;
        private final HubStates states;
        /**
         * Whether a notification came since the last read began: a tick may take the place of one that
         * waited behind a read, and then what it finds was not lost.
         */
        private volatile boolean notified;
        /** Whether a notification came since the last safety tick. */
        private volatile boolean heard;

        Following(JobRef ref, HubStates states) {
            this.ref = ref;
            this.states = states;
        }

        Disposable start() {
            Flux<Change> changes = feed.changes(ref)
                    .doOnError(error -> {
                        if (states.current() == null) {
                            states.publish(HubState.failed(error));
                        }
                    })
                    .retryWhen(Retry.backoff(Long.MAX_VALUE, RETRY_FIRST)
                            .maxBackoff(RETRY_AT_MOST)
                            .scheduler(scheduler));
            return Flux.merge(
                            changes.doOnNext(change -> {
                                notified = true;
                                heard = true;
                            }),
                            rechecks())
                    .onBackpressureLatest()
                    .concatMap(this::refresh, 0)
                    .subscribe();
        }

        /**
         * The safety net under the feed's own promise (a signal whenever its subscription comes back, so
         * nothing is lost while the connection is healthy): a re-read of a job that stayed quiet a whole
         * {@code recheck}, for a loss nobody foresaw. Slow by default, so that quiet jobs cost next to
         * nothing (one cheap versioned read a job per period); each hub's ticks start at a random phase,
         * so that hubs opened together do not read together. Zero turns it off.
         */
        private Flux<Change> rechecks() {
            if (recheck.isZero()) {
                return Flux.empty();
            }
            Duration first = Duration.ofNanos(ThreadLocalRandom.current().nextLong(recheck.toNanos()) + 1);
            return Flux.interval(first, recheck, scheduler).map(tick -> RECHECK);
        }

        private Mono<Void> refresh(Change trigger) {
            if (trigger == RECHECK && heard) {
                // Notifications came since the last tick, so the channel delivers; one lost among them shows
                // as a version the next one cannot follow, and a read. The tick reads when the job goes quiet.
                heard = false;
                return Mono.empty();
            }
            HubState applied = Deltas.apply(states.current(), trigger, page.window());
            if (applied != null) {
                notified = false;
                states.publish(applied);
                metrics.changesSeen.increment();
                return Mono.empty();
            }
            return read(trigger == RECHECK);
        }

        /** @param tick whether a safety tick rather than a notification asked for this read */
        private Mono<Void> read(boolean tick) {
            return Mono.defer(() -> {
                        boolean lost = tick && !notified;
                        notified = false;
                        HubState current = states.current();
                        HubState held = current != null && current.ready() ? current : null;
                        boolean whole = held != null && !held.partial();
                        return store.watch(
                                        ref,
                                        whole ? held.version() : -1,
                                        held == null ? -1 : held.log().end(),
                                        held == null ? -1 : held.chunks().end(),
                                        page)
                                // Another incarnation: the job this hub followed is gone and a later one took its id.
                                .flatMap(read -> held != null && !Objects.equals(held.incarnation(), read.incarnation())
                                        ? Mono.<HubState>error(new JobNotFoundException())
                                        : advance(ref, held, read))
                                .flatMap(next -> {
                                    states.publish(next);
                                    metrics.changesSeen.increment();
                                    if (lost && held != null && next.version() != held.version()) {
                                        metrics.rechecksFound.increment();
                                    }
                                    boolean progressed = held == null
                                            || next.log().end() > held.log().end()
                                            || next.chunks().end()
                                                    > held.chunks().end();
                                    return next.partial() && progressed ? read(false) : Mono.<Void>empty();
                                });
                    })
                    // A read that a signal asked for is owed until it succeeds: no timer comes to make up for
                    // it (the feed's signal after a reconnect may come before the command connection is back).
                    // Watchers keep what they have meanwhile, and triggers that come collapse into this read.
                    .retryWhen(Retry.backoff(Long.MAX_VALUE, RETRY_FIRST)
                            .maxBackoff(RETRY_AT_MOST)
                            .scheduler(scheduler)
                            .filter(error -> !(error instanceof JobNotFoundException) && holdsReadyState())
                            .doBeforeRetry(retry -> log.debug(
                                    "re-read of {} failed, trying again: {}",
                                    ref,
                                    retry.failure().toString())))
                    .onErrorResume(JobNotFoundException.class, missing -> {
                        states.publish(HubState.notFound());
                        return Mono.empty();
                    })
                    .onErrorResume(error -> {
                        states.publish(HubState.failed(error));
                        return Mono.empty();
                    });
        }

        private boolean holdsReadyState() {
            HubState held = states.current();
            return held != null && held.ready();
        }
    }
}
