package dev.jobwatch.watch;

import dev.jobwatch.config.WatchProperties;
import dev.jobwatch.job.JobRef;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import tools.jackson.databind.json.JsonMapper;

/** Job updates for watchers: a live stream per watcher over its job's shared hub, or one update for a poll. */
public final class WatchService {

    /** Pause before a watcher's own catch-up read that Redis missed is tried again. */
    private static final Duration RETRY_READ = Duration.ofSeconds(3);

    private final HubRegistry hubs;
    private final WatchReader reader;
    private final JsonMapper mapper;
    private final WatchProperties settings;
    private final Scheduler scheduler;
    private final WatchMetrics metrics;
    private final Sinks.Empty<Void> draining = Sinks.empty();

    WatchService(
            HubRegistry hubs,
            WatchReader reader,
            JsonMapper mapper,
            WatchProperties settings,
            Scheduler scheduler,
            WatchMetrics metrics) {
        this.hubs = hubs;
        this.reader = reader;
        this.mapper = mapper;
        this.settings = settings;
        this.scheduler = scheduler;
        this.metrics = metrics;
    }

    /**
     * Takes one of the pod's stream slots, before the response starts, so that a full pod can still
     * answer 503. The caller gives it back when the stream's connection closes; the stream gives it back
     * when it ends.
     *
     * @throws TooManyStreamsException when the pod already holds {@code maxStreams} streams
     */
    public StreamSlot admit() {
        // A compare-and-set loop, so that racing requests never take more slots than there are.
        int max = settings.maxStreams();
        int open;
        do {
            open = metrics.openStreams.get();
            if (open >= max) {
                metrics.refused.increment();
                throw new TooManyStreamsException(max);
            }
        } while (!metrics.openStreams.compareAndSet(open, open + 1));
        return new StreamSlot(metrics.openStreams);
    }

    /**
     * The watcher's events until its job completes, is not found, fails to load, or the stream's
     * lifetime ends. Cancelling it releases the watcher's hold on the hub, its timers and its reads, and
     * its slot.
     *
     * @param slot the slot {@link #admit()} gave this stream
     * @param incarnation the one incarnation of the job the watcher may read, or null for any; a stream
     *                    whose job has another one ends with an {@code error} event {@code Unauthorized}
     * @param writable whether the client's connection takes more now (false while what was sent to it
     *                 waits unread above the connection's high-water mark)
     * @param connectionLoop the thread that owns the client's connection (its event loop), on which the
     *                       stream hears changes and runs its timers so that its writes need no hop to
     *                       it; null when the connection has none, and then the pod's watch scheduler
     */
    public Flux<WatchEvent> stream(
            StreamSlot slot,
            JobRef ref,
            String incarnation,
            WatchOptions options,
            BooleanSupplier writable,
            Scheduler connectionLoop) {
        Mono<WatchEvent> drained = draining.asMono().then(Mono.fromSupplier(() -> {
            metrics.drained.increment();
            return WatchEvent.TIMEOUT;
        }));
        return Flux.defer(() -> {
            HubRegistry.Hold hold = hubs.acquire(ref);
            JobHub hub = hold.hub();
            Scheduler clock = connectionLoop == null ? scheduler : connectionLoop;
            Flux<HubState> changes = connectionLoop == null ? hub.latest() : hub.relayOn(connectionLoop);
            return new WatchStream(
                    changes,
                    hub::current,
                    watcher(ref, incarnation, options, false),
                    writable,
                    new WatchStream.Settings(settings.cadence(), settings.ping(), lifetime(), RETRY_READ, clock),
                    drained,
                    new WatchStream.Listener() {
                        @Override
                        public void sent(WatchEvent event) {
                            count(event);
                        }

                        @Override
                        public void ended() {
                            slot.release();
                            hubs.release(hold);
                        }
                    });
        });
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

    private Watcher watcher(JobRef ref, String incarnation, WatchOptions options, boolean polling) {
        return new Watcher(ref, incarnation, options, reader, mapper, polling);
    }

    private void count(WatchEvent event) {
        if (event.id() != null) {
            metrics.updatesSent.increment();
            metrics.bytesSent.increment(event.data().length());
        }
    }

    /**
     * One update, at once, as JSON without {@code type} and never with {@code job}; fails with
     * {@link dev.jobwatch.job.JobNotHeldException} when the job's incarnation is not {@code incarnation}
     * (null for any).
     */
    public Mono<String> poll(JobRef ref, String incarnation, WatchOptions options) {
        Watcher watcher = watcher(ref, incarnation, options, true);
        return reader.readOnce(ref, options.logOffset(), options.streamOffset())
                .flatMap(watcher::next)
                .map(WatchEvent::data);
    }

    private Duration lifetime() {
        long spread = settings.spread().toMillis();
        return settings.lifetime()
                .plusMillis(spread <= 0 ? 0 : ThreadLocalRandom.current().nextLong(spread + 1));
    }
}
