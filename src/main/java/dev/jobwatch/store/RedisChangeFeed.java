package dev.jobwatch.store;

import dev.jobwatch.job.JobRef;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.util.retry.Retry;

/**
 * The change feed on Redis pub/sub: one connection per pod, one channel subscription per watched job,
 * and one listener that hands each message to the job's sink by channel name, so a message costs a map
 * lookup whatever the number of jobs watched.
 *
 * <p>Pub/sub loses a message only while the connection is away: when it drops, when Redis drops it as
 * a slow subscriber, when a Cluster node fails over. Lettuce subscribes the channels again by itself
 * after a reconnect, and each channel's confirmation wakes its job (a bare signal), once the
 * subscription is in place again, so its reader re-reads what was published meanwhile; after a
 * Cluster's topology change the sharded subscriptions are made again here and wake their jobs the
 * same way. Readers therefore need no timer to find what pub/sub lost.
 */
final class RedisChangeFeed implements ChangeFeed {

    private static final Logger log = LoggerFactory.getLogger(RedisChangeFeed.class);

    private final LazyConnection<StatefulRedisPubSubConnection<String, String>> connection;
    /** First and longest pause between two attempts to subscribe a job again after a topology change. */
    private static final Duration RESUBSCRIBE_FIRST = Duration.ofMillis(100);

    private static final Duration RESUBSCRIBE_AT_MOST = Duration.ofSeconds(3);

    private final String prefix;
    private final boolean sharded;
    private final Counter received;
    private final Counter resumes;
    private final Map<String, Subscriber> sinks = new ConcurrentHashMap<>();

    /** A job's sink, and how many times Redis confirmed its channel's subscription. */
    private static final class Subscriber {

        final FluxSink<Change> sink;
        /**
         * The first confirmation is the subscription's own, signalled when its command completes (Lettuce
         * tells listeners and commands in either order); any later one is a re-subscription.
         */
        final AtomicInteger confirmations = new AtomicInteger();

        Subscriber(FluxSink<Change> sink) {
            this.sink = sink;
        }
    }

    /**
     * @param topologyChanges after each, sharded subscriptions are made again (Lettuce leaves them on
     *                        the node that owned the slot) and every job is woken, once its
     *                        subscription is in place, to re-read what it may have missed meanwhile
     */
    RedisChangeFeed(
            LazyConnection<StatefulRedisPubSubConnection<String, String>> connection,
            String prefix,
            boolean sharded,
            MeterRegistry meters,
            Flux<Object> topologyChanges) {
        this.connection = connection;
        this.prefix = prefix;
        this.sharded = sharded;
        this.received = Counter.builder("jobwatch.notifications.received")
                .description("Change notifications received from Redis")
                .register(meters);
        this.resumes = Counter.builder("jobwatch.subscriptions.resumed")
                .description("Job subscriptions made again after the pub/sub connection came back")
                .register(meters);
        Gauge.builder("jobwatch.subscriptions.open", sinks, Map::size)
                .description("Jobs this pod is subscribed to")
                .register(meters);
        connection.whenConnected(made -> made.addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                wake(channel, message);
            }

            @Override
            public void smessage(String channel, String message) {
                wake(channel, message);
            }

            @Override
            public void subscribed(String channel, long count) {
                resumed(channel);
            }

            @Override
            public void ssubscribed(String channel, long count) {
                resumed(channel);
            }
        }));
        topologyChanges.subscribe(change -> resubscribe());
    }

    private void resubscribe() {
        StatefulRedisPubSubConnection<String, String> made = connection.now();
        sinks.forEach((channel, subscriber) -> {
            if (sharded && made != null) {
                // Made again until it holds (the slot's new node may not answer yet), for as long as the job
                // is watched, and the job woken once it does: no timer stands in for a subscription that failed.
                made.reactive()
                        .ssubscribe(channel)
                        .retryWhen(Retry.backoff(Long.MAX_VALUE, RESUBSCRIBE_FIRST)
                                .maxBackoff(RESUBSCRIBE_AT_MOST)
                                .filter(error -> sinks.get(channel) == subscriber)
                                .doBeforeRetry(retry -> log.debug(
                                        "ssubscribe {} again failed, trying again: {}",
                                        channel,
                                        retry.failure().toString())))
                        .subscribe(
                                null,
                                error -> subscriber.sink.next(Change.SIGNAL),
                                () -> subscriber.sink.next(Change.SIGNAL));
            } else {
                subscriber.sink.next(Change.SIGNAL);
            }
        });
    }

    private void wake(String channel, String message) {
        received.increment();
        Subscriber subscriber = sinks.get(channel);
        if (subscriber != null) {
            subscriber.sink.next(Change.parse(message));
        }
    }

    /** A channel subscribed again after its connection came back: what was published meanwhile is lost. */
    private void resumed(String channel) {
        Subscriber subscriber = sinks.get(channel);
        if (subscriber != null && subscriber.confirmations.getAndIncrement() > 0) {
            resumes.increment();
            subscriber.sink.next(Change.SIGNAL);
        }
    }

    @Override
    public Flux<Change> changes(JobRef ref) {
        String channel = JobKeys.of(prefix, ref).channel();
        return connection
                .get()
                .onErrorMap(StoreFailures::translate)
                .flatMapMany(made -> Flux.<Change>create(
                        sink -> {
                            Subscriber subscriber = new Subscriber(sink);
                            sinks.put(channel, subscriber);
                            sink.onDispose(() -> {
                                // A newer subscriber of the same job (a hub that replaced this one) keeps the channel.
                                if (sinks.remove(channel, subscriber)) {
                                    var commands = made.reactive();
                                    (sharded ? commands.sunsubscribe(channel) : commands.unsubscribe(channel))
                                            .subscribe(
                                                    null,
                                                    error -> log.debug(
                                                            "unsubscribe {} failed: {}", channel, error.toString()));
                                }
                            });
                            var commands = made.reactive();
                            (sharded ? commands.ssubscribe(channel) : commands.subscribe(channel))
                                    .subscribe(
                                            null,
                                            error -> sink.error(StoreFailures.translate(error)),
                                            () -> sink.next(Change.SIGNAL));
                        },
                        FluxSink.OverflowStrategy.LATEST));
    }

    @Override
    public int subscriptions() {
        return sinks.size();
    }
}
