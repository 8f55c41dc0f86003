package dev.jobwatch.watch;

import dev.jobwatch.job.JobJson;
import dev.jobwatch.job.JobNotFoundException;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.job.JobState;
import dev.jobwatch.store.Change;
import dev.jobwatch.store.ChangeFeed;
import dev.jobwatch.store.JobReads;
import dev.jobwatch.store.StoreFaultException;
import dev.jobwatch.store.StoreUnavailableException;
import dev.jobwatch.store.WatchRead;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * All watchers of one job on this pod share one hub: one change subscription, one read of Redis per
 * change, one {@link HubState} per version.
 *
 * <p>It subscribes to the job's changes before its first read, so no change falls between the two.
 * A change notification or the slow safety tick triggers a read; triggers that come while a read is
 * under way collapse into one more read after it, so Redis reads follow changes, not watchers, and a
 * burst of writes costs a few reads. A read that does not bring everything (a long log) is followed at
 * once by the next page.
 */
final class JobHub {

    private static final Logger log = LoggerFactory.getLogger(JobHub.class);

    /** Chunks a hub keeps for its watchers; older ones are read from Redis by whoever needs them. */
    static final int CHUNK_WINDOW = 1024;

    /** The safety tick's trigger, told apart from notifications by identity. */
    private static final Change RECHECK = new Change(-1, Change.Kind.SIGNAL, 0, null, null);

    private final JobRef ref;
    private final JobReads store;
    private final ChangeFeed feed;
    private final JsonMapper mapper;
    private final JobReads.WatchPage page;
    private final Duration recheck;
    private final Scheduler scheduler;
    private final WatchMetrics metrics;
    private final Sinks.Many<HubState> states = Sinks.many().replay().latest();
    private final Map<Scheduler, Flux<HubState>> relays = new ConcurrentHashMap<>();
    private volatile HubState current;
    /**
     * Whether a notification came since the last read began: a tick may take the place of one that
     * waited behind a read, and then what it finds was not lost.
     */
    private volatile boolean notified;
    /** Whether a notification came since the last safety tick. */
    private volatile boolean heard;
    private Disposable reading;

    /** Watchers holding this hub, and a pending close; changed only under the registry's lock for this job. */
    private int watchers;
    private Disposable closing;

    JobHub(JobRef ref, JobReads store, ChangeFeed feed, JsonMapper mapper, JobReads.WatchPage page, Duration recheck,
            Scheduler scheduler, WatchMetrics metrics) {
        this.ref = ref;
        this.store = store;
        this.feed = feed;
        this.mapper = mapper;
        this.page = page;
        this.recheck = recheck;
        this.scheduler = scheduler;
        this.metrics = metrics;
    }

    JobRef ref() {
        return ref;
    }

    /** The latest state at once (once the first read is done), then each new one. */
    Flux<HubState> states() {
        return states.asFlux();
    }

    /**
     * The states as {@link #states()}, heard on {@code loop}: the watchers whose connections one event
     * loop serves hear a change through one hop to that loop rather than one hop each, and then write
     * to their connections from the thread that owns them. Only the latest state matters, so a loop
     * that falls behind skips to it. Unlike {@link #states()} it does not replay the latest state to
     * a watcher that comes later, which reads the hub's current state itself: a replaying multicast
     * settles its subscribers' demand one by one against all of them, which at thousands of watchers
     * a loop cost more than everything else a change does.
     */
    Flux<HubState> states(Scheduler loop) {
        return relays.computeIfAbsent(loop, key -> relay(states.asFlux(), key));
    }

    /** One loop's share of a hub's states: subscribed while any of its watchers is, let go with the last. */
    static Flux<HubState> relay(Flux<HubState> states, Scheduler loop) {
        return states.onBackpressureLatest().publishOn(loop, 1).publish().refCount();
    }

    HubState current() {
        return current;
    }

    void start() {
        Flux<Change> changes = feed.changes(ref)
                .doOnError(error -> {
                    if (current == null) {
                        publish(HubState.failed(clientMessage(error)));
                    }
                })
                .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(100)).maxBackoff(recheck).scheduler(scheduler));
        Flux<Change> rechecks = Flux.interval(recheck, recheck, scheduler).map(tick -> RECHECK);
        reading = Flux.merge(changes.doOnNext(change -> {
                    notified = true;
                    heard = true;
                }), rechecks)
                .onBackpressureLatest()
                .concatMap(this::refresh, 0)
                .subscribe();
    }

    void close() {
        if (closing != null) {
            closing.dispose();
            closing = null;
        }
        if (reading != null) {
            reading.dispose();
        }
    }

    /** Closes from the linger task itself, which must not cancel itself. */
    void closeAfterLinger() {
        closing = null;
        close();
    }

    void retain() {
        watchers++;
        if (closing != null) {
            closing.dispose();
            closing = null;
        }
    }

    /** Returns whether no watcher holds the hub any more. */
    boolean release() {
        watchers--;
        return watchers == 0;
    }

    boolean idle() {
        return watchers == 0;
    }

    void closeLater(Disposable pending) {
        closing = pending;
    }

    /** Whether new watchers should get a fresh hub rather than this one's verdict. */
    boolean spent() {
        HubState state = current;
        return state != null && !state.ready();
    }

    private Mono<Void> refresh(Change trigger) {
        if (trigger == RECHECK && heard) {
            // Notifications came since the last tick, so the channel delivers; one lost among them shows
            // as a version the next one cannot follow, and a read. The tick reads when the job goes quiet.
            heard = false;
            return Mono.empty();
        }
        HubState applied = apply(current, trigger);
        if (applied != null) {
            notified = false;
            publish(applied);
            metrics.changesSeen.increment();
            return Mono.empty();
        }
        return read(trigger == RECHECK);
    }

    /**
     * The state after a notification that carries what its write appended, when it follows the held
     * state directly; null when it cannot be applied (a bare signal, a notification missed in between,
     * a state that does not hold all it should), and the store must be read.
     */
    HubState apply(HubState held, Change change) {
        if (change.kind() == Change.Kind.SIGNAL || held == null || !held.ready() || held.partial()
                || held.state() == JobState.COMPLETED || change.version() != held.version() + 1
                || !Objects.equals(change.incarnation(), held.incarnation())) {
            return null;
        }
        if (change.kind() == Change.Kind.LOG) {
            String row = change.text() + "\n";
            if (change.length() - row.codePointCount(0, row.length()) != held.logLength()) {
                return null;
            }
            return held.next(change.version(), change.length(), held.log().append(held.logLength(), row, page.window()),
                    held.streamLength(), held.chunks());
        }
        if (change.length() - 1 != held.streamLength()) {
            return null;
        }
        return held.next(change.version(), held.logLength(), held.log(), change.length(),
                held.chunks().append(held.streamLength(), List.of(change.text()), CHUNK_WINDOW));
    }

    /** @param recheck whether a safety tick rather than a notification asked for this read */
    private Mono<Void> read(boolean recheck) {
        return Mono.defer(() -> {
                    boolean lost = recheck && !notified;
                    notified = false;
                    HubState held = current != null && current.ready() ? current : null;
                    boolean whole = held != null && !held.partial();
                    return store.watch(ref, whole ? held.version() : -1,
                                    held == null ? -1 : held.log().end(),
                                    held == null ? -1 : held.chunks().end(), page)
                            // Another incarnation: the job this hub followed is gone and a later one took its id.
                            .flatMap(read -> held != null && !Objects.equals(held.incarnation(), read.incarnation())
                                    ? Mono.<HubState>error(new JobNotFoundException())
                                    : advance(ref, store, mapper, page.window(), held, read))
                            .flatMap(next -> {
                                publish(next);
                                metrics.changesSeen.increment();
                                if (lost && held != null && next.version() != held.version()) {
                                    metrics.rechecksFound.increment();
                                }
                                boolean progressed = held == null || next.log().end() > held.log().end()
                                        || next.chunks().end() > held.chunks().end();
                                return next.partial() && progressed ? read(false) : Mono.<Void>empty();
                            });
                })
                .onErrorResume(JobNotFoundException.class, missing -> {
                    publish(HubState.notFound());
                    return Mono.empty();
                })
                .onErrorResume(error -> {
                    HubState held = current;
                    if (held == null || !held.ready()) {
                        publish(HubState.failed(clientMessage(error)));
                    } else {
                        // Watchers keep what they have and hear more once Redis answers again.
                        log.debug("re-read of {} failed: {}", ref, error.toString());
                    }
                    return Mono.empty();
                });
    }

    /** The state after {@code read}, from the state held before it (null for none). */
    static Mono<HubState> advance(JobRef ref, JobReads store, JsonMapper mapper, long windowLimit, HubState held,
            WatchRead read) {
        LogWindow window = (held == null ? LogWindow.at(read.logStart()) : held.log())
                .append(read.logStart(), read.log(), windowLimit);
        ChunkWindow chunks = (held == null ? ChunkWindow.at(read.chunksStart()) : held.chunks())
                .append(read.chunksStart(), read.chunks(), CHUNK_WINDOW);
        JsonNode progress = read.progress() == null ? null
                : held != null && read.progress().equals(held.progressText()) ? held.progress()
                : mapper.readTree(read.progress());
        Mono<JsonNode[]> completion = read.state() != JobState.COMPLETED ? Mono.just(new JsonNode[2])
                : held != null && held.job() != null ? Mono.just(new JsonNode[] {held.job(), held.result()})
                : store.get(ref).map(job -> new JsonNode[] {
                        JobJson.document(job, mapper),
                        job.result() == null ? mapper.nullNode() : mapper.readTree(job.result())});
        return completion.map(done -> new HubState(HubState.Status.READY, null, read.version(), read.state(), progress,
                read.progress(), read.logLength(), window, read.streamLength(), chunks, done[0], done[1],
                HubState.newEncodings(), read.incarnation()));
    }

    /**
     * What a watcher is told of a failed read: the store's own fixed words for its faults, and never the
     * text of an exception that nobody wrote for a client.
     */
    private static String clientMessage(Throwable error) {
        return error instanceof StoreUnavailableException || error instanceof StoreFaultException
                ? error.getMessage() : "Internal error";
    }

    /** Reads run one at a time, so states are published in order from one thread at a time. */
    private void publish(HubState state) {
        current = state;
        states.tryEmitNext(state);
    }

    /** The state of a job read once, as a hub would hold it, for a client that polls. */
    static Mono<HubState> readOnce(JobRef ref, JobReads store, JsonMapper mapper, JobReads.WatchPage page,
            long logFrom, long chunksFrom) {
        return store.watch(ref, -1, logFrom, chunksFrom, page)
                .flatMap(read -> advance(ref, store, mapper, page.window(), null, read));
    }
}
