package dev.jobwatch.watch;

import dev.jobwatch.config.WatchProperties;
import dev.jobwatch.job.JobRef;
import dev.jobwatch.store.JobStore;
import dev.jobwatch.store.StoreUnavailableException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import tools.jackson.databind.json.JsonMapper;

/** Job updates for watchers: a live stream per watcher over its job's shared hub, or one update for a poll. */
public final class WatchService {

    private final HubRegistry hubs;
    private final JobStore store;
    private final JsonMapper mapper;
    private final WatchProperties settings;
    private final JobStore.WatchPage page;
    private final Scheduler scheduler;
    private final WatchMetrics metrics;
    private final Sinks.Empty<Void> draining = Sinks.empty();

    WatchService(HubRegistry hubs, JobStore store, JsonMapper mapper, WatchProperties settings,
            JobStore.WatchPage page, Scheduler scheduler, WatchMetrics metrics) {
        this.hubs = hubs;
        this.store = store;
        this.mapper = mapper;
        this.settings = settings;
        this.page = page;
        this.scheduler = scheduler;
        this.metrics = metrics;
    }

    /**
     * The watcher's events until its job completes, is not found, fails to load, or the stream's
     * lifetime ends. Cancelling it releases the watcher's hold on the hub, its timers and its reads.
     *
     * @param writable whether the client's connection takes more now (false while what was sent to it
     *                 waits unread above the connection's high-water mark)
     */
    public Flux<WatchEvent> stream(JobRef ref, WatchOptions options, BooleanSupplier writable) {
        Mono<WatchEvent> drained = draining.asMono().then(Mono.fromSupplier(() -> {
            metrics.drained.increment();
            return WatchEvent.TIMEOUT;
        }));
        return Flux.usingWhen(
                        Mono.fromSupplier(() -> hubs.acquire(ref)),
                        hub -> events(hub.states(), hub::current, watcher(ref, options, false), writable,
                                settings.cadence(), settings.ping(), lifetime(), settings.recheck(), drained,
                                scheduler),
                        hub -> Mono.fromRunnable(() -> hubs.release(hub)))
                .doOnNext(this::count)
                .doOnSubscribe(subscription -> metrics.openStreams.incrementAndGet())
                .doFinally(signal -> metrics.openStreams.decrementAndGet());
    }

    /**
     * Ends every stream on this pod with {@code timeout}, now and for streams that start from now on,
     * so their clients reconnect to another pod at once.
     */
    public void drain() {
        draining.tryEmitEmpty();
    }

    /** SSE streams open on this pod. */
    public int openStreams() {
        return metrics.openStreams.get();
    }

    private Watcher watcher(JobRef ref, WatchOptions options, boolean polling) {
        return new Watcher(ref, options, store, page, mapper, polling, metrics.catchUpReads::increment);
    }

    private void count(WatchEvent event) {
        if (event.id() != null) {
            metrics.updatesSent.increment();
            metrics.bytesSent.increment(event.data().length());
        }
    }

    /** One update, at once, as JSON without {@code type} and never with {@code job}. */
    public Mono<String> poll(JobRef ref, WatchOptions options) {
        Watcher watcher = watcher(ref, options, true);
        return JobHub.readOnce(ref, store, mapper, page, options.logOffset(), options.streamOffset())
                .flatMap(watcher::next)
                .map(WatchEvent::data);
    }

    /**
     * The composition of one watcher's stream, in one place.
     *
     * <p>{@code changes} only wakes the watcher: each wake computes an update from the watcher's cursor
     * against the hub's current state, so wakes can be merged without losing anything. While one update
     * is being made or the cadence pause after it runs, later wakes collapse into one (the latest), so a
     * slow client gets fewer, larger updates and nothing queues. The first update goes out as soon as
     * the hub has a state; after each update the watcher rests for {@code cadence}; a watcher still
     * behind (catching up on a long log) goes on page by page. Pings, the lifetime and the pod's drain
     * run beside it; whichever event is last ends the stream and cancels the rest.
     *
     * <p>The server asks for many events ahead (Reactor Netty's send prefetch), so demand alone would let
     * a client that stopped reading pile up as many updates, each up to a page, in the pod's buffers.
     * Each update therefore waits until the connection is {@code writable} again: a stalled watcher
     * holds at most one update beyond the connection's high-water mark, keeps its cursor, and catches
     * up from it once it reads again. The check backs off from 5 ms to {@code cadence}, so a connection
     * that drains soon (a catch-up page on its way) goes on soon, and a stalled one costs a check per
     * cadence.
     */
    static Flux<WatchEvent> events(Flux<?> changes, Supplier<HubState> current, Watcher watcher,
            BooleanSupplier writable, Duration cadence, Duration ping, Duration lifetime, Duration retry,
            Mono<WatchEvent> drained, Scheduler scheduler) {
        Mono<WatchEvent> rest = Mono.delay(cadence, scheduler).then(Mono.empty());
        Mono<Boolean> whenWritable = Mono.fromSupplier(writable::getAsBoolean).filter(Boolean::booleanValue)
                .repeatWhenEmpty(checks -> checks.concatMap(check ->
                        Mono.delay(recheckAfter(check, cadence), scheduler)));
        Mono<Boolean> drainedBelowMark = Mono.defer(() -> writable.getAsBoolean() ? Mono.just(true) : whenWritable);
        Flux<WatchEvent> updates = changes
                .onBackpressureLatest()
                .concatMap(change -> drainedBelowMark
                        .thenMany(Flux.defer(() -> step(watcher, current.get(), rest, retry, scheduler)))
                        .repeat(() -> watcher.behind(current.get())), 0)
                .takeUntil(WatchEvent::last);
        // A client that does not read misses pings rather than piling them up.
        Flux<WatchEvent> pings = Flux.interval(ping, ping, scheduler).onBackpressureDrop().map(tick -> WatchEvent.PING);
        Mono<WatchEvent> timeout = Mono.delay(lifetime, scheduler).thenReturn(WatchEvent.TIMEOUT);
        // Prefetch 1: nothing is made ahead for a client that is not reading.
        return Flux.merge(1, updates, pings, timeout, drained).takeUntil(WatchEvent::last);
    }

    private static Duration recheckAfter(long check, Duration cadence) {
        return Duration.ofMillis(Math.min(cadence.toMillis(), 5L << Math.min(check, 10)));
    }

    private static Flux<WatchEvent> step(Watcher watcher, HubState state, Mono<WatchEvent> rest, Duration retry,
            Scheduler scheduler) {
        return watcher.next(state)
                .map(event -> Flux.just(event).concatWith(rest))
                .switchIfEmpty(Mono.fromSupplier(() -> watcher.behind(state) ? rest.flux() : Flux.<WatchEvent>empty()))
                .onErrorResume(StoreUnavailableException.class,
                        unavailable -> Mono.just(Mono.delay(retry, scheduler).then(Mono.<WatchEvent>empty()).flux()))
                .flatMapMany(events -> events);
    }

    private Duration lifetime() {
        long spread = settings.spread().toMillis();
        return settings.lifetime().plusMillis(spread <= 0 ? 0 : ThreadLocalRandom.current().nextLong(spread + 1));
    }

    /** Hubs open on this pod. */
    public int hubs() {
        return hubs.size();
    }
}
