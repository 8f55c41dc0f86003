package dev.jobwatch.store.bullmq;

import dev.jobwatch.job.JobRef;
import dev.jobwatch.store.Change;
import dev.jobwatch.store.ChangeFeed;
import dev.jobwatch.store.RedisConnections;
import dev.jobwatch.store.StoreFailures;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.Retry;

/**
 * The change feed of BullMQ's jobs. BullMQ announces a job's changes on its queue's events stream
 * ({@code <prefix>:<queue>:events}: {@code active}, {@code progress}, {@code completed}, {@code failed},
 * ...), so the pod reads each watched queue's stream once, with XREAD BLOCK on a connection of the
 * queue's own (a blocked connection takes no other command), and wakes the watched job that an event
 * names. BullMQ announces no log row, so the length of each watched job's log list is also checked
 * every {@code logPoll}, on the shared connection.
 *
 * <p>A queue's reader starts with its first watched job and stops with its last. It begins at the
 * stream's last entry, and only then signals its jobs, so a change after a job's first read is never
 * missed; after a lost connection it goes on from the last entry it read, and wakes every job it holds.
 */
public final class BullMqChangeFeed implements ChangeFeed {

    private static final Logger log = LoggerFactory.getLogger(BullMqChangeFeed.class);

    /** Events read per XREAD: a burst is read in a few round trips without one huge reply. */
    private static final int EVENTS_PER_READ = 1_000;

    /** Log lengths checked at once per queue. */
    private static final int LOG_CHECKS_IN_FLIGHT = 64;

    private final RedisConnections connections;
    private final Mono<RedisClusterReactiveCommands<String, String>> redis;
    private final BullMqQueues queues;
    private final Duration block;
    private final Duration logPoll;
    private final Scheduler scheduler;
    private final Map<String, QueueReader> readers = new ConcurrentHashMap<>();

    /** @param block how long one XREAD waits; less than the command timeout, so it never times out */
    public BullMqChangeFeed(
            RedisConnections connections, BullMqQueues queues, Duration block, Duration logPoll, Scheduler scheduler) {
        this.connections = connections;
        this.redis = connections.commands();
        this.queues = queues;
        this.block = block;
        this.logPoll = logPoll;
        this.scheduler = scheduler;
    }

    /** BullMQ's events say which job changed, not what it appended: every signal is a bare one. */
    @Override
    public Flux<Change> changes(JobRef ref) {
        return signals(ref).map(signal -> Change.SIGNAL);
    }

    private Flux<Long> signals(JobRef ref) {
        if (!queues.serves(ref.namespace())) {
            // Its reads answer "not found"; there is nothing to hear.
            return Flux.just(0L).concatWith(Flux.never());
        }
        String queue = BullMqQueues.queue(ref.namespace());
        return Flux.<Long>create(
                sink -> {
                    readers.compute(queue, (name, reader) -> {
                        QueueReader chosen = reader == null ? new QueueReader(name) : reader;
                        chosen.jobs.put(ref.id(), sink);
                        if (reader == null) {
                            chosen.start();
                        } else if (chosen.ready) {
                            sink.next(0L);
                        }
                        return chosen;
                    });
                    sink.onDispose(() -> readers.computeIfPresent(queue, (name, reader) -> {
                        // A newer subscriber of the same job (a hub that replaced this one) keeps its place.
                        reader.jobs.remove(ref.id(), sink);
                        reader.logLengths.remove(ref.id());
                        if (reader.jobs.isEmpty()) {
                            reader.stop();
                            return null;
                        }
                        return reader;
                    }));
                },
                FluxSink.OverflowStrategy.LATEST);
    }

    @Override
    public int subscriptions() {
        return readers.values().stream().mapToInt(reader -> reader.jobs.size()).sum();
    }

    /** One queue's reader: its events stream, and the log lengths of its watched jobs. */
    private final class QueueReader {

        private final String queue;
        private final String events;
        final Map<String, FluxSink<Long>> jobs = new ConcurrentHashMap<>();
        final Map<String, Long> logLengths = new ConcurrentHashMap<>();
        volatile boolean ready;
        private volatile boolean everReady;
        private volatile String lastId;
        private Disposable reading;
        private Disposable polling;

        QueueReader(String queue) {
            this.queue = queue;
            this.events = queues.events(queue);
        }

        void start() {
            reading = Flux.usingWhen(connections.dedicated(), this::read, RedisConnections.Dedicated::close)
                    .doOnError(this::failed)
                    .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(100))
                            .maxBackoff(Duration.ofSeconds(2))
                            .scheduler(scheduler))
                    .subscribe();
            polling = Flux.interval(logPoll, logPoll, scheduler)
                    .onBackpressureDrop()
                    .concatMap(tick -> checkLogs(), 0)
                    .subscribe();
        }

        void stop() {
            reading.dispose();
            polling.dispose();
        }

        /** From the stream's last entry (or where the reader was), then every event, for as long as it lives. */
        private Flux<Void> read(RedisConnections.Dedicated connection) {
            Mono<String> from = lastId != null
                    ? Mono.just(lastId)
                    : connection
                            .commands()
                            .xrevrange(events, Range.create("-", "+"), Limit.from(1))
                            .next()
                            .map(StreamMessage::getId)
                            .defaultIfEmpty("0-0");
            return from.flatMapMany(id -> {
                lastId = id;
                ready = true;
                everReady = true;
                wakeAll();
                return Flux.defer(() -> connection
                                .commands()
                                .xread(
                                        XReadArgs.Builder.block(block).count(EVENTS_PER_READ),
                                        XReadArgs.StreamOffset.from(events, lastId))
                                .doOnNext(this::heard)
                                .then())
                        .repeat();
            });
        }

        private void heard(StreamMessage<String, String> message) {
            lastId = message.getId();
            String jobId = message.getBody().get("jobId");
            FluxSink<Long> sink = jobId == null ? null : jobs.get(jobId);
            if (sink != null) {
                sink.next(1L);
            }
        }

        private void failed(Throwable error) {
            ready = false;
            log.debug("reading the events of BullMQ queue {} failed: {}", queue, error.toString());
            if (!everReady) {
                // Hubs that never had a first signal hear of it; they subscribe again after a pause.
                Throwable translated = StoreFailures.translate(error);
                jobs.values().forEach(sink -> sink.error(translated));
            }
        }

        private void wakeAll() {
            jobs.values().forEach(sink -> sink.next(0L));
        }

        /** A job whose log got longer (or is checked for the first time) is woken. */
        private Mono<Void> checkLogs() {
            return Flux.fromIterable(jobs.keySet())
                    .flatMap(
                            id -> redis.flatMap(commands -> commands.llen(queues.logs(queue, id)))
                                    .doOnNext(length -> {
                                        Long before = logLengths.put(id, length);
                                        FluxSink<Long> sink = jobs.get(id);
                                        if (!length.equals(before) && sink != null) {
                                            sink.next(1L);
                                        }
                                    })
                                    .onErrorResume(error -> Mono.empty()),
                            LOG_CHECKS_IN_FLIGHT)
                    .then();
        }
    }
}
